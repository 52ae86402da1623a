"""Two `tracker serve` processes on one database: 50 followers clicking for a while, and the
same 300 webhook deliveries (duplicates, refunds before their orders) sent to both at once.
Afterwards every 302 has exactly one click row, every order one row, and the report is a
recount of what was sent."""

import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.faults import query, request
from tests.helpers import IPHONE, PG_URL
from tests.live_server import WEBHOOK_SECRET, LiveServer
from tests.signing import sign_generic

# 20 s on PostgreSQL as issue 6 asks; 10 s on SQLite, whose run comes first in CI and proves
# the same with one writer at a time across the two processes
CLICKING = 20.0 if PG_URL else 10.0
CLICKERS = 50
ORDERS = 100  # x (paid, its retry) + 50 refunds x 2 event ids = 300 deliveries


def deliveries(codes):
    """300 signed deliveries, shuffled: some refunds come before their orders."""
    out = []
    for n in range(ORDERS):
        order = {"order_id": f"L-{n}", "amount": "40.00", "currency": "USD",
                 "created_at": "2026-11-20T10:00:00Z", "status": "paid"}
        if codes[n % 3]:
            order["code"] = codes[n % 3]
        sends = [(order, f"p{n}"), (order, f"p{n}")]
        if n % 2 == 0:
            refunded = {**order, "status": "refunded", "refunded_amount": "15.00"}
            sends += [(refunded, f"r{n}"), (refunded, f"r{n}-again")]
        for data, event_id in sends:
            body = json.dumps(data).encode()
            out.append((body, sign_generic(body, WEBHOOK_SECRET, event_id=event_id)))
    random.Random(6).shuffle(out)
    return out


def test_two_instances_under_load_store_each_click_and_order_once(tmp_path, api, app):
    api.creator("maya")
    api.creator("lena")
    api.campaign()
    enrolled = [api.enrol("glow-serum-launch", h) for h in ("maya", "lena")]
    slugs = {e["link"]["slug"]: h for e, h in zip(enrolled, ("maya", "lena"), strict=True)}
    codes = [enrolled[0]["code"]["code"], enrolled[1]["code"]["code"], None]
    url = app.config["DATABASE_URL"]
    servers = [LiveServer(tmp_path / name, TRACKER_DATABASE_URL=url) for name in "ab"]
    answered, statuses, lock = Counter(), Counter(), threading.Lock()
    ids = []

    def clicker(seed):
        rng, deadline = random.Random(seed), time.monotonic() + CLICKING
        while time.monotonic() < deadline:
            slug = rng.choice(list(slugs))
            server = servers[rng.randrange(2)]
            status, headers = request(server.url, "GET", f"/{slug}",
                                      headers={"User-Agent": IPHONE})
            with lock:
                statuses[status] += 1
                if status == 302:
                    answered[slugs[slug]] += 1
                    ids.append(headers["Location"].rsplit("tclid=", 1)[1])

    def deliver(delivery):
        body, headers = delivery
        with ThreadPoolExecutor(2) as both:  # the same delivery to both instances at once
            return list(both.map(lambda s: request(s.url, "POST", "/webhooks/generic", body,
                                                   headers)[0], servers))

    try:
        for server in servers:
            server.start()
        with ThreadPoolExecutor(CLICKERS + 8) as pool:
            clicking = [pool.submit(clicker, seed) for seed in range(CLICKERS)]
            hooks = list(pool.map(deliver, deliveries(codes), chunksize=1))
            for c in clicking:
                c.result()
    finally:
        for server in servers:
            server.stop()  # SIGTERM: each writes the clicks still queued
    for server in servers:
        assert server.process.returncode == 0, server.output[-3000:]
        assert '" 500 ' not in server.output

    assert set(statuses) == {302} and sum(statuses.values()) > CLICKERS
    hook_statuses = Counter(s for pair in hooks for s in pair)
    assert set(hook_statuses) == {200}, hook_statuses
    stored = [r[0] for r in query(url, "SELECT click_id FROM click")]
    assert len(stored) == len(ids) and set(stored) == set(ids)
    # one follower (same address and browser) seen by both processes is one visitor a day:
    # the salt is derived from the secret and the date, not drawn per process
    visitors, days = query(url, "SELECT count(DISTINCT visitor), count(DISTINCT day) FROM click")[0]
    assert visitors == days
    orders = query(url, "SELECT external_id, amount_minor, refunded_minor FROM orders")
    assert sorted(orders) == sorted(
        (f"L-{n}", 4000, 1500 if n % 2 == 0 else 0) for n in range(ORDERS))

    report = api.get("/api/v1/reports/creators?campaign=glow-serum-launch").json
    rows = {row["creator"]: row for row in report["rows"]}
    for i, handle in enumerate(("maya", "lena")):
        mine = [n for n in range(ORDERS) if n % 3 == i]
        refunded = sum(1 for n in mine if n % 2 == 0)
        assert rows[handle]["clicks"] == answered[handle]
        assert rows[handle]["orders"] == len(mine)
        assert rows[handle]["revenue"] == f"{40 * len(mine)}.00"
        assert rows[handle]["refunded"] == f"{15 * refunded}.00"
