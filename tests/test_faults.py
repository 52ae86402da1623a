"""Faults through `tracker serve` on loopback: the database gone for 5 s while followers keep
clicking, and the server killed (-9) in the middle of a webhook burst."""

import json
import os
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import make_url

from tests.faults import Relay, children, query, request
from tests.helpers import IPHONE, PG_URL
from tests.live_server import WEBHOOK_SECRET, LiveServer
from tests.signing import sign_generic

OUTAGE = 5.0  # seconds the database is unreachable


@pytest.fixture
def outage(app):
    """(url the server uses, start(), end()): PostgreSQL through a relay that is cut; SQLite
    held under an exclusive lock by another connection, so no write can go through."""
    url = app.config["DATABASE_URL"]
    if PG_URL:
        target = make_url(url)
        relay = Relay(target.host, target.port or 5432)
        yield relay.url(url), relay.cut, relay.restore
        relay.close()
        return
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
    holder.isolation_level = None

    yield url, lambda: holder.execute("BEGIN EXCLUSIVE"), holder.rollback
    holder.close()


def generic_order(n, prefix="F"):
    """(body, headers) of a signed generic webhook for order `prefix-n`."""
    body = json.dumps({"order_id": f"{prefix}-{n}", "amount": "40.00", "currency": "USD",
                       "created_at": "2026-11-20T10:00:00Z", "status": "paid"}).encode()
    return body, sign_generic(body, WEBHOOK_SECRET, event_id=f"{prefix}{n}")


def test_database_down_for_5_seconds_loses_no_click_and_shows_no_500(
        tmp_path, enrolled, outage):
    url, start_outage, end_outage = outage
    slug = enrolled["link"]["slug"]
    server = LiveServer(tmp_path / "srv", TRACKER_DATABASE_URL=url).start()
    statuses, ids, lock = [], [], threading.Lock()

    def click():
        status, headers = request(server.url, "GET", f"/{slug}", headers={"User-Agent": IPHONE})
        with lock:
            statuses.append(status)
            if status == 302:
                ids.append(headers["Location"].rsplit("tclid=", 1)[1])

    def click_for(seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            click()
            time.sleep(0.01)

    try:
        for _ in range(5):
            click()
        start_outage()
        with ThreadPoolExecutor(4) as pool:
            running = [pool.submit(click_for, OUTAGE) for _ in range(3)]
            time.sleep(OUTAGE / 2)
            health = request(server.url, "GET", "/healthz", timeout=10)[0]
            body, headers = generic_order(1)
            hook = pool.submit(request, server.url, "POST", "/webhooks/generic", body, headers)
            if PG_URL:
                assert hook.result()[0] == 503  # the store retries a 5xx
            time.sleep(OUTAGE / 2)
            end_outage()
            for r in running:
                r.result()
        if PG_URL:
            assert health == 503
            again = request(server.url, "POST", "/webhooks/generic", body, headers)[0]
            assert 200 <= again < 300
        else:  # a locked file makes the write wait (busy timeout), not fail
            assert 200 <= hook.result()[0] < 300
        assert len(statuses) > 50
        assert set(statuses) == {302}  # every follower redirected, nothing else
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the writer retries every 0.5 s
            stored = [r[0] for r in query(url, "SELECT click_id FROM click")]
            if len(stored) >= len(ids):
                break
            time.sleep(0.5)
        assert sorted(stored) == sorted(ids)  # all of them, once each
        assert request(server.url, "GET", "/healthz")[0] == 200
        assert query(url, "SELECT count(*) FROM orders WHERE external_id = 'F-1'") == [(1,)]
    finally:
        server.stop()
    assert '" 500 ' not in server.output


def test_kill_9_mid_webhook_burst_keeps_every_acknowledged_order_once(tmp_path, app):
    url = app.config["DATABASE_URL"]
    app.extensions["tracker.engine"].dispose()
    server = LiveServer(tmp_path / "srv", TRACKER_DATABASE_URL=url).start()
    deliveries = [generic_order(n, prefix="K") for n in range(300)]
    answers = {}

    def send(n):
        body, headers = deliveries[n]
        answers[n] = request(server.url, "POST", "/webhooks/generic", body, headers, timeout=10)[0]

    try:
        with ThreadPoolExecutor(8) as pool:
            sent = [pool.submit(send, n) for n in range(len(deliveries))]
            deadline = time.monotonic() + 60
            while sum(1 for s in answers.values() if 200 <= s < 300) < 60:
                assert time.monotonic() < deadline, sorted(set(answers.values()))
                time.sleep(0.01)
            master = server.process.pid
            for pid in [master, *children(master)]:  # the whole server, workers included
                os.kill(pid, signal.SIGKILL)
            for s in sent:
                s.result()
        server.stop()
        acknowledged = {f"K-{n}" for n, s in answers.items() if 200 <= s < 300}
        assert 60 <= len(acknowledged) < len(deliveries)  # the kill came mid-burst
        stored = {r[0] for r in query(url, "SELECT external_id FROM orders")}
        assert acknowledged <= stored  # a 2xx is a promise: nothing acknowledged is lost

        server.start()  # the store redelivers everything it has no 2xx for (and some it has)
        with ThreadPoolExecutor(8) as pool:
            again = list(pool.map(lambda d: request(server.url, "POST", "/webhooks/generic",
                                                    d[0], d[1])[0], deliveries))
        assert all(200 <= s < 300 for s in again), sorted(set(again))
        rows = query(url, "SELECT external_id, count(*) FROM orders GROUP BY external_id")
        assert sorted(rows) == sorted((f"K-{n}", 1) for n in range(len(deliveries)))
    finally:
        server.stop()


def test_sigterm_mid_click_burst_answers_in_flight_requests_and_writes_their_clicks(
        tmp_path, enrolled, app):
    url, slug = app.config["DATABASE_URL"], enrolled["link"]["slug"]
    server = LiveServer(tmp_path / "srv", TRACKER_DATABASE_URL=url).start()
    ids, statuses, lock = [], [], threading.Lock()

    def click():
        status, headers = request(server.url, "GET", f"/{slug}", headers={"User-Agent": IPHONE})
        with lock:
            statuses.append(status)
            if status == 302:
                ids.append(headers["Location"].rsplit("tclid=", 1)[1])

    try:
        with ThreadPoolExecutor(16) as pool:
            sent = [pool.submit(click) for _ in range(2000)]
            while len(statuses) < 200:
                time.sleep(0.01)
            server.process.send_signal(signal.SIGTERM)
            for s in sent:
                s.result()
        assert server.process.wait(timeout=60) == 0
    finally:
        server.stop()
    assert 200 <= len(ids) < 2000  # the stop came mid-burst; later clicks found no server
    assert set(statuses) <= {302, 0}  # answered in full, or refused: never an error page
    assert sorted(r[0] for r in query(url, "SELECT click_id FROM click")) == sorted(ids)
