"""`tracker demo`: a realistic, reproducible demo whose reports agree with a recount by hand.

The recount below reads the raw click, order and enrolment rows and adds them up in plain
Python, independently of tracker.reports, then formats them as contract section 6 says.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select as core_select

from tracker import create_app
from tracker.models import Campaign, Click, Creator, Enrolment, Order

END = "2026-03-31"
SMALL = ["demo", "--end", END, "--scale", "0.05"]


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    return result


def table(session, model):
    rows = session.connection().execute(core_select(model.__table__)).mappings().all()
    return [dict(r) for r in rows]


def tier_name(followers, bands):
    return [name for low, name in bands if followers >= low][-1]


def ratio(num, den):
    if den == 0:
        return None
    return str((Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def cents(minor):
    return f"{Decimal(minor) / 100:.2f}"


def per_order(minor, count):
    if count == 0:
        return None
    return cents((Decimal(minor) / count).quantize(Decimal(1), ROUND_HALF_UP))


def recount(session, bands, key):
    """Sums per group, straight from the raw rows; key(campaign, creator, day) -> group."""
    creators = {c["id"]: c for c in table(session, Creator)}
    campaigns = {c["id"]: c for c in table(session, Campaign)}
    sums = defaultdict(lambda: defaultdict(int))
    uniques = defaultdict(set)
    for e in table(session, Enrolment):
        group = sums[key(campaigns[e["campaign_id"]], creators[e["creator_id"]], None)]
        group["creators"] += 1
        group["followers"] += creators[e["creator_id"]]["followers"]
        group["fee"] += e["fee_minor"]
        group["product_cost"] += e["product_cost_minor"]
    for c in table(session, Click):
        k = key(campaigns[c["campaign_id"]], creators[c["creator_id"]], c["day"])
        if c["is_bot"]:
            sums[k]["bot_clicks"] += 1
        else:
            sums[k]["clicks"] += 1
            uniques[k].add((c["link_id"], c["day"], c["visitor"]))
    for o in table(session, Order):
        if o["creator_id"] is None or o["status"] == "cancelled":
            continue
        campaign = campaigns[o["campaign_id"]]
        group = sums[key(campaign, creators[o["creator_id"]], o["day"])]
        group["orders"] += 1
        group[f"orders_by_{o['method']}"] += 1
        if o["currency"] != campaign["currency"]:
            group["unconverted_orders"] += 1
            continue
        group["revenue"] += o["amount_minor"]
        group["refunded"] += o["refunded_minor"]
        group["commission"] += o["commission_minor"]
    for k, found in uniques.items():
        sums[k]["unique_clicks"] = len(found)
    return sums


def expected(s, *, daily=False):
    """The report fields of one group, worked out from its sums."""
    net = s["revenue"] - s["refunded"]
    row = {
        "clicks": s["clicks"], "unique_clicks": s["unique_clicks"], "bot_clicks": s["bot_clicks"],
        "orders": s["orders"], "orders_by_code": s["orders_by_code"],
        "orders_by_click": s["orders_by_click"], "orders_by_utm": s["orders_by_utm"],
        "unconverted_orders": s["unconverted_orders"],
        "revenue": cents(s["revenue"]), "refunded": cents(s["refunded"]), "net_revenue": cents(net),
        "aov": per_order(s["revenue"], s["orders"] - s["unconverted_orders"]),
        "conversion_rate": ratio(s["orders"], s["unique_clicks"]),
        "commission": cents(s["commission"]),
    }
    if daily:
        return row
    cost = s["fee"] + s["product_cost"] + s["commission"]
    return {
        **row, "creators": s["creators"], "followers": s["followers"], "fee": cents(s["fee"]),
        "product_cost": cents(s["product_cost"]), "cost": cents(cost),
        "roi": ratio(net - cost, cost), "roas": ratio(net, cost),
        "cpa": per_order(cost, s["orders"]),
        "cost_per_follower": ratio(Decimal(cost) / 100, s["followers"]),
    }


KEYS = {  # report kind: (group key of raw rows, the row's label fields)
    "creators": (lambda camp, person, day: (camp["slug"], person["handle"]),
                 lambda k: {"campaign": k[0], "creator": k[1]}),
    "campaigns": (lambda camp, person, day: camp["slug"], lambda k: {"campaign": k}),
    "tiers": (None, lambda k: {"tier": k}),
    "platforms": (lambda camp, person, day: person["platform"], lambda k: {"platform": k}),
    "daily": (lambda camp, person, day: day and day.isoformat(), lambda k: {"day": k}),
}
LABELS = {"creators": ("campaign", "creator"), "campaigns": ("campaign",), "tiers": ("tier",),
          "platforms": ("platform",), "daily": ("day",)}


def test_demo_reports_agree_with_a_recount_from_raw_rows(demo, app, api, session):
    bands = app.config["TIER_BANDS"]
    for kind, (key, label) in KEYS.items():  # one demo load for every kind: keeps the test fast
        if kind == "tiers":
            key = lambda camp, person, day: tier_name(person["followers"], bands)  # noqa: E731
        sums = recount(session, bands, key)
        sums.pop(None, None)  # daily: enrolments belong to no day
        body = api.get(f"/api/v1/reports/{kind}").json
        assert body["currency"] == "USD"
        names = LABELS[kind]
        got = {tuple(r[n] for n in names): r for r in body["rows"]}
        assert len(got) == len(sums), kind
        for k, s in sums.items():
            row = got[tuple(label(k)[n] for n in names)]
            want = {**label(k), **expected(s, daily=kind == "daily")}
            if kind == "creators":
                assert want.pop("creators") == 1  # one enrolment per row: no count column
            assert {name: row[name] for name in want} == want, (kind, k)


def test_demo_is_realistic(demo, api, session):
    creators = api.get("/api/v1/reports/creators").json["rows"]
    assert {r["campaign"] for r in creators} == {"glow-serum-launch", "night-cream-teaser"}
    assert len({r["creator"] for r in creators}) == 25
    assert {r["tier"] for r in creators} == {"nano", "micro", "mid", "macro", "mega"}
    assert len({r["platform"] for r in creators}) == 10  # every platform
    nano_fees = [Decimal(r["fee"]) for r in creators if r["tier"] == "nano"]
    assert max(nano_fees) <= 500
    totals = api.get("/api/v1/reports/campaigns").json["totals"]
    assert totals["bot_clicks"] > 0 and totals["clicks"] > totals["unique_clicks"]  # repeats
    assert min(totals["orders_by_code"], totals["orders_by_click"], totals["orders_by_utm"]) > 0
    assert Decimal(totals["refunded"]) > 0
    orders = table(session, Order)
    assert sum(o["status"] == "cancelled" for o in orders) == 1
    assert any(o["method"] == "none" for o in orders)  # the shop's own sales
    days = api.get("/api/v1/reports/daily").json["rows"]
    assert days[0]["day"] >= "2026-01-31" and days[-1]["day"] <= END  # 60 days ending --end
    assert "open http://127.0.0.1:5000/dashboard/campaigns/glow-serum-launch" in demo.output


def test_demo_refuses_to_load_twice(demo, runner, api):
    before = api.get("/api/v1/reports/campaigns").json
    again = runner.invoke(args=SMALL)
    assert again.exit_code != 0
    assert "already loaded" in again.output and "nothing was added" in again.output
    assert api.get("/api/v1/reports/campaigns").json == before


def test_same_seed_and_end_give_the_same_numbers(demo, api, api_key, tmp_path):
    other = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"})
    try:
        assert other.test_cli_runner().invoke(args=SMALL).exit_code == 0
        with other.app_context():
            from tracker.db import get_session
            from tracker.reports import build as reports

            again = reports.build(get_session(), "creators", bands=other.config["TIER_BANDS"])
        assert again["rows"] == api.get("/api/v1/reports/creators").json["rows"]
    finally:
        other.extensions["tracker.redirector"].writer.close()
        other.extensions["tracker.engine"].dispose()


def test_demo_refuses_a_database_holding_one_of_its_creators(api, runner):
    api.creator("maya.glow")
    result = runner.invoke(args=SMALL)
    assert result.exit_code != 0 and "creator 'maya.glow' exists" in result.output
    assert api.get("/api/v1/campaigns").json == {"campaigns": []}  # nothing half-loaded
