"""Two `tracker serve` processes on one database under clicks and webhooks at once (issue 6).

The issue's target is PostgreSQL (several stateless instances behind a load balancer); CI runs
this file on both backends: on PostgreSQL when TRACKER_TEST_DATABASE_URL is set, otherwise on
one SQLite file shared by both processes. Correctness must come from the database alone: no
click lost or written twice, every order once, and the reports equal a recount of raw rows.

TRACKER_LOAD_CLIENTS and TRACKER_LOAD_SECONDS size the click load (the issue's figure is 50
clients for 20 s; the default keeps this test under ~45 s on a 2-core CI machine).
"""

import http.client
import json
import os
import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.conftest import IPHONE, PG_URL, backend_url
from tests.live_server import WEBHOOK_SECRET, LiveServer
from tests.signing import sign_generic, sign_shopify

CLIENTS = int(os.environ.get("TRACKER_LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("TRACKER_LOAD_SECONDS", "10"))
SHOP = "twin.myshopify.com"
GENERIC, SHOPIFY = 45, 40  # 45 x 4 generic + 20 x 4 + 20 x 2 Shopify = 300 deliveries
# (handle, platform, followers, campaigns enrolled in, fee, commission rate)
CREATORS = [
    ("ana", "instagram", 4_000, ("spring", "summer"), "100.00", "0.10"),
    ("ben", "tiktok", 25_000, ("spring",), "250.00", "0"),
    ("cleo", "youtube", 120_000, ("spring", "summer"), "0", "0.15"),
    ("dev", "instagram", 900, ("summer",), "40.00", "0.05"),
]


def http_json(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def set_up(server, key):
    """Creators, two campaigns, enrolments via the API: [(slug, campaign, creator)], codes."""
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def call(path, data):
        status, reply = http_json(server.port, "POST", path, json.dumps(data).encode(), auth)
        assert status == 201, reply
        return reply

    for name in ("spring", "summer"):
        call("/api/v1/campaigns", {"name": name.title(), "slug": name,
                                   "destination_url": f"https://shop.example.com/{name}?ref=ig"})
    links, codes = [], []
    for handle, platform, followers, campaigns, fee, rate in CREATORS:
        call("/api/v1/creators", {"handle": handle, "name": handle.title(),
                                  "platform": platform, "followers": followers})  # fmt: skip
        for campaign in campaigns:
            made = call(f"/api/v1/campaigns/{campaign}/creators",
                        {"creator": handle, "fee": fee, "commission_rate": rate})
            links.append((made["link"]["slug"], campaign, handle))
            codes.append((made["code"]["code"], campaign, handle))
    return links, codes


def _generic(n, status, event_id, code, **extra):
    data = {"order_id": f"T-{n}", "amount": f"{20 + n % 7}.50", "currency": "USD",
            "created_at": "2026-11-20T10:00:00Z", "status": status, **extra}  # fmt: skip
    if code:
        data["code"] = code
    body = json.dumps(data).encode()
    return "/webhooks/generic", body, sign_generic(body, WEBHOOK_SECRET, event_id=event_id)


def _shopify(body, topic, event_id):
    headers = sign_shopify(body, WEBHOOK_SECRET, topic=topic, shop=SHOP, event_id=event_id)
    return "/webhooks/shopify", body, headers


def deliveries(codes):
    """300 deliveries and the final state each order must reach: {(platform, id): state}."""
    out, want = [], {}
    for n in range(GENERIC):
        code = codes[n % len(codes)][0] if n % 5 else None  # every fifth order unattributed
        paid = _generic(n, "paid", f"p{n}", code)
        amount = (20 + n % 7) * 100 + 50
        if n % 3 == 0:  # two partial refunds, possibly the larger running total first
            out += [paid, paid, _generic(n, "refunded", f"r{n}a", code, refunded_amount="5.00"),
                    _generic(n, "refunded", f"r{n}b", code, refunded_amount="7.25")]
            want[("generic", f"T-{n}")] = ("paid", amount, 725, code)
        elif n % 3 == 1:  # cancelled, the cancellation retried
            out += [paid, paid] + [_generic(n, "cancelled", f"c{n}", code)] * 2
            want[("generic", f"T-{n}")] = ("cancelled", amount, 0, code)
        else:  # a full refund retried, and the order sent again under a new event id
            out += [paid, _generic(n, "refunded", f"r{n}", code)] * 2
            out[-1] = _generic(n, "paid", f"p{n}-again", code)
            want[("generic", f"T-{n}")] = ("paid", amount, amount, code)
    for n in range(SHOPIFY):
        code = codes[n % len(codes)][0]
        order = json.dumps({"id": 6000 + n, "created_at": "2026-11-20T11:00:00Z",
                            "updated_at": "2026-11-20T11:00:00Z", "currency": "USD",
                            "subtotal_price": "12.50", "financial_status": "paid",
                            "discount_codes": [{"code": code.lower(), "amount": "1.00"}]})
        create = _shopify(order.encode(), "orders/create", f"s{n}")
        if n % 2 == 0:  # a retry, and a refund delivered twice under two event ids
            refund = json.dumps({"id": 9100 + n, "order_id": 6000 + n, "transactions": [
                {"kind": "refund", "status": "success", "amount": "2.50", "currency": "USD"}]})
            out += [create, create, _shopify(refund.encode(), "refunds/create", f"f{n}"),
                    _shopify(refund.encode(), "refunds/create", f"f{n}-again")]
            want[("shopify", str(6000 + n))] = ("paid", 1250, 250, code)
        else:  # the same order through a second topic
            out += [create, _shopify(order.encode(), "orders/paid", f"s{n}-paid")]
            want[("shopify", str(6000 + n))] = ("paid", 1250, 0, code)
    return out, want


class Clicker(threading.Thread):
    """One follower's browser: a keep-alive connection, its own user agent, GETs until told."""

    def __init__(self, number, port, slugs, stop):
        super().__init__(daemon=True)
        self.port, self.slugs, self.stop = port, slugs, stop
        bot = number % 10 == 9  # a few link-preview fetchers among the followers
        self.ua = f"facebookexternalhit/1.1 (+{number})" if bot else f"{IPHONE} Client/{number}"
        self.next = number
        self.got, self.failures = [], []  # got: (slug, tclid) per 302

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        while not self.stop.is_set():
            slug = self.slugs[self.next % len(self.slugs)]
            self.next += 1
            try:
                conn.request("GET", f"/{slug}", headers={"User-Agent": self.ua})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as err:
                self.failures.append(repr(err))
                conn.close()
                continue
            if response.status != 302:
                self.failures.append(response.status)
                continue
            query = parse_qs(urlsplit(response.getheader("Location")).query)
            self.got.append((slug, query["tclid"][0]))
        conn.close()


@pytest.fixture
def servers(tmp_path):
    pair = [LiveServer(tmp_path, TRACKER_SHOPIFY_SECRETS=WEBHOOK_SECRET) for _ in range(2)]
    yield pair
    for server in pair:
        server.stop()


def read_rows(url):
    """Every row the checks need, straight from the tables."""
    engine = create_engine(url, poolclass=NullPool)
    queries = {
        "clicks": "select click_id, link_id, campaign_id, creator_id, day, visitor, is_bot "
                  "from click",
        "links": "select id, slug from link",
        "orders": "select platform, external_id, status, amount_minor, refunded_minor, "
                  "commission_minor, code, method, campaign_id, creator_id, currency, unconverted "
                  "from orders",
        "creators": "select id, handle from creator",
        "campaigns": "select id, slug, currency from campaign",
        "enrolments": "select campaign_id, creator_id, fee_minor from enrolment",
    }  # fmt: skip
    with engine.connect() as conn:
        rows = {name: conn.execute(text(sql)).all() for name, sql in queries.items()}
    engine.dispose()
    return rows


def recount(rows):
    """The creators report's measures per (creator, campaign), summed in Python from raw rows."""
    handle = dict(rows["creators"])
    slug = {i: s for i, s, _ in rows["campaigns"]}
    currency = {i: c for i, _, c in rows["campaigns"]}
    sums = defaultdict(Counter)
    visitors = defaultdict(set)
    for _, link, campaign, creator, day, visitor, is_bot in rows["clicks"]:
        key = (handle[creator], slug[campaign])
        sums[key]["bot_clicks" if is_bot else "clicks"] += 1
        if not is_bot:
            visitors[key].add((link, str(day), visitor))
    for key, seen in visitors.items():
        sums[key]["unique_clicks"] = len(seen)
    for *_, status, amount, refunded, commission, _c, method, campaign, creator, cur, unc in rows[
            "orders"]:  # fmt: skip
        if creator is None or status == "cancelled":
            continue
        key = (handle[creator], slug[campaign])
        sums[key]["orders"] += 1
        sums[key]["orders_by_code"] += method == "code"
        if not unc and cur == currency[campaign]:
            sums[key]["revenue"] += amount
            sums[key]["refunded"] += refunded
            sums[key]["commission"] += commission
    for campaign, creator, fee in rows["enrolments"]:
        sums[(handle[creator], slug[campaign])]["fee"] += fee
    return sums


COUNTS = ("clicks", "unique_clicks", "bot_clicks", "orders", "orders_by_code")
MONEY = ("revenue", "refunded", "fee", "commission")


def as_reported(sums):
    """A recount in the report's own units: counts as ints, money as 2-place decimal strings."""
    shown = {m: sums[m] for m in COUNTS}
    shown |= {m: f"{sums[m] / 100:.2f}" for m in MONEY}
    shown["net_revenue"] = f"{(sums['revenue'] - sums['refunded']) / 100:.2f}"
    return shown


def test_two_instances_under_clicks_and_webhooks_lose_nothing_and_count_nothing_twice(
        servers, tmp_path):  # fmt: skip
    started = time.monotonic()
    if PG_URL:  # both start on the empty database at the same moment, as a deployment does
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda s: s.start(), servers))
    else:  # SQLite: the migrations of two processes creating one new file at once can collide
        for server in servers:
            server.start()
    key = servers[0].command("create-api-key", "load").strip().splitlines()[-1]
    links, codes = set_up(servers[1], key)
    work, want = deliveries(codes)
    assert len(work) == 300
    random.Random(60).shuffle(work)

    stop = threading.Event()
    slugs = [slug for slug, *_ in links]
    clickers = [Clicker(i, servers[i % 2].port, slugs, stop) for i in range(CLIENTS)]
    for clicker in clickers:
        clicker.start()
    clicking = time.monotonic()
    # every delivery to both instances at once: each is received twice, concurrently
    sends = [(server.port, item) for item in work for server in servers]
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda s: http_json(s[0], "POST", *s[1]), sends))
    time.sleep(max(0.0, SECONDS - (time.monotonic() - clicking)))
    stop.set()
    for clicker in clickers:
        clicker.join(30)
    for server in servers:
        server.stop()  # SIGTERM: each writes the clicks it still holds
    assert all(s.process.returncode == 0 for s in servers), [s.output[-2000:] for s in servers]

    assert Counter(status for status, _ in replies) == {200: len(sends)}, replies
    assert [f for c in clickers for f in c.failures] == []
    answered = [got for c in clickers for got in c.got]
    assert len(answered) > CLIENTS  # the load really ran
    rows = read_rows(backend_url(tmp_path, "tracker.db"))
    slug_of = dict(rows["links"])
    stored = Counter(click_id for click_id, *_ in rows["clicks"])
    # every 302 answered has exactly one click row on the link it named, and no other row exists
    assert len(stored) == len(rows["clicks"]) == len(answered)
    assert {tclid: slug for slug, tclid in answered} == {
        c[0]: slug_of[c[1]] for c in rows["clicks"]}
    assert Counter(bool(c[6]) for c in rows["clicks"])[True] == sum(
        len(c.got) for c in clickers if "facebookexternalhit" in c.ua)

    orders = Counter((p, x) for p, x, *_ in rows["orders"])
    assert orders == dict.fromkeys(want, 1)
    final = {(o[0], o[1]): (o[2], o[3], o[4], o[6]) for o in rows["orders"]}
    upper = {k: v[:3] + (v[3] and v[3].upper(),) for k, v in want.items()}
    assert final == upper

    servers[0].start()  # a report from a restarted instance, over everything both stored
    auth = {"Authorization": f"Bearer {key}"}
    sums = recount(rows)
    status, creators = http_json(servers[0].port, "GET", "/api/v1/reports/creators", None, auth)
    assert status == 200, creators
    got = {(r["creator"], r["campaign"]): {m: r[m] for m in (*COUNTS, *MONEY, "net_revenue")}
           for r in creators["rows"]}  # fmt: skip
    assert got == {k: as_reported(v) for k, v in sums.items()}
    status, campaigns = http_json(servers[0].port, "GET", "/api/v1/reports/campaigns", None, auth)
    assert status == 200, campaigns
    per_campaign = defaultdict(Counter)
    for (_, campaign), measures in sums.items():
        per_campaign[campaign].update(measures)
    got = {r["campaign"]: {m: r[m] for m in (*COUNTS, *MONEY, "net_revenue")}
           for r in campaigns["rows"]}  # fmt: skip
    assert got == {k: as_reported(v) for k, v in per_campaign.items()}
    servers[0].stop()
    assert time.monotonic() - started < 45
