"""200 concurrent deliveries, duplicates included, through `tracker serve` on loopback."""

import http.client
import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.live_server import LiveServer
from tests.signing import sign_generic, sign_shopify

SECRET = "burst-secret"
GENERIC, SHOPIFY, REFUNDS = 30, 30, 20  # 30 x 4 generic + 30 x 2 Shopify + 20 refunds = 200


def deliveries():
    """Each order several times: retries with the same event id, other topics, a refund twice."""
    out = []
    for n in range(GENERIC):
        paid = {"order_id": f"B-{n}", "amount": "40.00", "currency": "USD",
                "created_at": "2026-11-20T10:00:00Z", "status": "paid"}
        refunded = {**paid, "status": "refunded", "refunded_amount": "15.00"}
        for data, event_id in [(paid, f"p{n}"), (paid, f"p{n}"), (refunded, f"r{n}"),
                               (refunded, f"r{n}-again")]:
            body = json.dumps(data).encode()
            out.append(("/webhooks/generic", body, sign_generic(body, SECRET, event_id=event_id)))
    for n in range(SHOPIFY):
        body = json.dumps({"id": 5000 + n, "created_at": "2026-11-20T10:00:00Z",
                           "updated_at": "2026-11-20T10:00:00Z", "currency": "USD",
                           "subtotal_price": "12.50", "financial_status": "paid"}).encode()
        # even: a retry with the same event id; odd: the same order through another topic
        sends = [("orders/create", f"s{n}"), ("orders/create", f"s{n}")] if n % 2 == 0 else [
            ("orders/create", f"s{n}"), ("orders/paid", f"s{n}-paid")]
        for topic, event_id in sends:
            headers = sign_shopify(body, SECRET, topic=topic, shop="burst.myshopify.com",
                                   event_id=event_id)
            out.append(("/webhooks/shopify", body, headers))
    for n in range(REFUNDS):  # racing their own orders: either may be stored first
        body = json.dumps({"id": 9000 + n, "order_id": 5000 + n, "transactions": [
            {"kind": "refund", "status": "success", "amount": "2.50", "currency": "USD"}]}).encode()
        out.append(("/webhooks/shopify", body, sign_shopify(
            body, SECRET, topic="refunds/create", shop="burst.myshopify.com")))
    return out


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path, workers=2, threads=8, TRACKER_WEBHOOK_SECRETS=SECRET,
                      TRACKER_SHOPIFY_SECRETS=SECRET).start()
    yield live
    live.stop()


def post(port, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_burst_with_duplicates_stores_each_order_once(server):
    work = deliveries()
    assert len(work) == 200
    random.Random(7).shuffle(work)
    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        replies = list(pool.map(lambda w: post(server.port, *w), work))
    assert time.monotonic() - started < 30
    assert Counter(status for status, _ in replies) == {200: 200}
    statuses = Counter((reply["status"], reply["order"] is not None) for _, reply in replies)
    engine = create_engine(server.env["TRACKER_DATABASE_URL"], poolclass=NullPool)
    with engine.connect() as conn:
        per_order = conn.execute(text(
            "select platform, external_id, count(*) from orders group by 1, 2")).all()
        refunded = conn.execute(text(
            "select refunded_minor from orders where platform = 'generic'")).scalars().all()
        shopify_refunded = conn.execute(text(
            "select external_id, refunded_minor from orders where platform = 'shopify'")).all()
        kept = conn.execute(text("select count(*) from delivery")).scalar()
        refunds = conn.execute(text("select count(*) from refund")).scalar()
    engine.dispose()
    assert all(n == 1 for _, _, n in per_order)
    assert Counter(p for p, _, _ in per_order) == {"generic": GENERIC, "shopify": SHOPIFY}
    # "recorded" with an order once per order; a refund kept before its order has none
    assert statuses[("recorded", True)] == GENERIC + SHOPIFY
    assert refunded == [1500] * GENERIC  # the refund counted once
    assert sorted(shopify_refunded) == sorted(
        (str(5000 + n), 250 if n < REFUNDS else 0) for n in range(SHOPIFY))
    assert refunds == GENERIC + REFUNDS
    # a retry with a repeated event id is kept once; every other delivery is kept
    assert kept == GENERIC * 3 + SHOPIFY // 2 * 3 + REFUNDS
