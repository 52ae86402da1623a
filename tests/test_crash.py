"""kill -9 of `tracker serve` in the middle of a webhook burst, restart, redeliver everything.

The promise under test (issue 6): a delivery the store was told we accepted (any 2xx) is
stored, one that was not is accepted when the store retries, and nothing counts twice. Runs
on whichever database the suite uses (SQLite file or TRACKER_TEST_DATABASE_URL).
"""

import http.client
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.helpers import backend_url
from tests.live_server import WEBHOOK_SECRET, LiveServer
from tests.signing import sign_generic, sign_shopify

GENERIC, SHOPIFY = 30, 10  # 10 x 4 + 10 x 3 + 10 x 4 generic + 10 x 4 Shopify = 150
SHOP = "crash.myshopify.com"
KILL_AFTER = 45  # answers seen before the kill: well inside the burst, after its start
FINAL = {"recorded", "updated", "duplicate", "ignored"}


def _generic(n, status, event_id, **extra):
    data = {"order_id": f"K-{n}", "amount": "40.00", "currency": "USD",
            "created_at": "2026-11-20T10:00:00Z", "status": status, **extra}
    body = json.dumps(data).encode()
    headers = sign_generic(body, WEBHOOK_SECRET, event_id=event_id)
    return ("/webhooks/generic", body, headers, ("generic", event_id, status))


def _shopify(body, topic, event_id):
    headers = sign_shopify(body, WEBHOOK_SECRET, topic=topic, shop=SHOP, event_id=event_id)
    return ("/webhooks/shopify", body, headers, ("shopify", event_id, topic))


def deliveries():
    """150 deliveries: retries, cancellations, cumulative and per-id refunds, in any order."""
    out = []
    for n in range(GENERIC):
        out += [_generic(n, "paid", f"p{n}"), _generic(n, "paid", f"p{n}")]  # a retry
        if n % 3 == 0:  # two partial refunds: refunded_amount is the running total
            out += [_generic(n, "refunded", f"r{n}a", refunded_amount="10.00"),
                    _generic(n, "refunded", f"r{n}b", refunded_amount="15.00")]
        elif n % 3 == 1:
            out.append(_generic(n, "cancelled", f"c{n}"))
        else:  # the same refund retried
            out += [_generic(n, "refunded", f"r{n}a", refunded_amount="15.00")] * 2
    for n in range(SHOPIFY):
        order = json.dumps({"id": 7000 + n, "created_at": "2026-11-20T10:00:00Z",
                            "updated_at": "2026-11-20T10:00:00Z", "currency": "USD",
                            "subtotal_price": "12.50", "financial_status": "paid"}).encode()
        refund = json.dumps({"id": 9700 + n, "order_id": 7000 + n, "transactions": [
            {"kind": "refund", "status": "success", "amount": "2.50", "currency": "USD"}]}).encode()
        out += [_shopify(order, "orders/create", f"s{n}"),
                _shopify(order, "orders/paid", f"s{n}-paid"),  # the same order, another topic
                _shopify(refund, "refunds/create", f"f{n}"),
                _shopify(refund, "refunds/create", f"f{n}-again")]  # same refund id, new event
    return out


def post(port, work, timeout=15):
    """POST one delivery; (status, reply) or None when no answer came (the server died)."""
    path, body, headers, _ = work
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def kill_hard(pid):
    """SIGKILL the gunicorn master and its workers, none of them given a chance to clean up."""
    os.kill(pid, signal.SIGSTOP)  # a stopped master cannot notice dead workers and respawn
    children = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:  # not a process, or gone meanwhile
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            children.append(int(entry))
    assert children, "no gunicorn worker found"
    for child in children:
        os.kill(child, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path, TRACKER_SHOPIFY_SECRETS=WEBHOOK_SECRET)
    yield live
    live.stop()


def burst_until_killed(server, work):
    """Send the burst 12 at a time; kill -9 the server once KILL_AFTER answers are in."""
    answered = threading.Semaphore(0)

    def send(item):
        reply = post(server.port, item)
        if reply is not None:
            answered.release()
        return reply

    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(send, item) for item in work]
        for _ in range(KILL_AFTER):
            assert answered.acquire(timeout=20), "the burst stalled before the kill"
        kill_hard(server.process.pid)
        server.process.wait(10)
        return [f.result() for f in futures]


def test_kill_9_mid_burst_loses_no_acknowledged_delivery_and_counts_none_twice(server, tmp_path):
    started = time.monotonic()
    work = deliveries()
    assert len(work) == 150
    random.Random(6).shuffle(work)
    server.start()
    first = burst_until_killed(server, work)
    server.stop()  # collects the dead server's output
    acked = [w for w, r in zip(work, first, strict=True) if r and 200 <= r[0] < 300]
    # the kill fell inside the burst, and nothing answered before it was an error
    assert KILL_AFTER <= len(acked) < len(work)
    assert all(r is None or r[0] == 200 for r in first), Counter(r and r[0] for r in first)

    server.start()
    again = list(ThreadPoolExecutor(12).map(lambda w: post(server.port, w), work))
    assert Counter(r and r[0] for r in again) == {200: len(work)}
    assert all(r[1]["status"] in FINAL for r in again)
    server.stop()

    engine = create_engine(backend_url(tmp_path, "tracker.db"), poolclass=NullPool)
    with engine.connect() as conn:
        orders = conn.execute(text(
            "select platform, external_id, status, amount_minor, refunded_minor from orders"
        )).all()
        kept = conn.execute(text("select platform, event_id, topic, outcome from delivery")).all()
        refunds = conn.execute(text("select platform, order_ref, refund_id from refund")).all()
    engine.dispose()

    expected = {("generic", f"K-{n}"): ("cancelled", 4000, 0) if n % 3 == 1 else
                ("paid", 4000, 1500) for n in range(GENERIC)}
    expected |= {("shopify", str(7000 + n)): ("paid", 1250, 250) for n in range(SHOPIFY)}
    assert Counter((p, x) for p, x, *_ in orders) == dict.fromkeys(expected, 1)
    assert {(p, x): tuple(rest) for p, x, *rest in orders} == expected
    # one row per refund: two running totals, one retried total, one Shopify refund id each
    assert len(refunds) == len(set(refunds)) == GENERIC // 3 * 3 + SHOPIFY
    # every delivery is kept once (a retry of an event id is the same delivery) and finished
    stored = Counter((p, e, t) for p, e, t, _ in kept)
    assert stored == dict.fromkeys({w[3] for w in work}, 1)
    assert {w[3] for w in acked} <= set(stored)
    assert {outcome for *_, outcome in kept} <= FINAL
    assert time.monotonic() - started < 40
