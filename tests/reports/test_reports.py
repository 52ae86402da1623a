"""Reports, contract section 6: a hand-built scenario whose every field is worked out by hand.

The scenario (campaign `glow`, USD; all times UTC, March 2026):

creator  platform   followers tier   fee      product  commission
maya     instagram   8,200    nano   250.00   40.00    0.10   two links (story, bio)
leo      tiktok     45,000    micro  400.00    0.00    0.05
ava      youtube   120,000    mid   1200.00   60.00    0.00
zoe      instagram   9,000    nano     0.00    0.00    0.10   enrolled, nothing happened

clicks (visitor = same IP and user agent; a new UTC day is a new visitor hash anyway)
  03-01 10:00 maya/story A   03-01 11:00 maya/story bot (facebookexternalhit)
  03-01 12:00 maya/story A   03-01 23:59:59 maya/story B   03-01 13:00 maya/bio A
  03-02 00:00:00 maya/story A
  03-02 09:00 leo C          03-02 09:05 leo C             03-03 10:00 leo D
  03-03 10:00 ava E          03-03 10:01 ava bot (curl)    03-03 10:02 ava bot (curl)
orders
  O1 03-01 23:30    maya code   97.20 USD, 10.00 refunded, commission 0.10 x 87.20 = 8.72
  O2 03-02 00:00:00 maya click  50.00 USD,                commission 0.10 x 50.00 = 5.00
  O3 03-02 12:00    maya code   80.00 USD, cancelled      (not counted at all)
  O4 03-02 15:00    leo  utm    33.33 USD,                commission 0.05 x 33.33 = 1.6665 -> 1.67
  O5 03-03 08:00    leo  code   20.00 EUR: unconverted    (counted as an order, no money)
  O6 03-03 18:00    leo  click  45.55 USD, all refunded   commission 0.05 x 0.00 = 0.00
  O7 03-02 16:00    unattributed 999.00 USD              (in no report row)
"""

import csv
import io
import json
from datetime import datetime

import pytest
from sqlalchemy import insert
from sqlmodel import select

from tests.helpers import IPHONE
from tracker.clicks.classify import click_row
from tracker.models import Click, Link, Order

ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari"
VISITORS = {"A": ("10.0.0.1", IPHONE), "B": ("10.0.0.2", ANDROID), "C": ("10.0.0.3", MAC),
            "D": ("10.0.0.4", IPHONE), "E": ("10.0.0.5", ANDROID),
            "fb": ("31.13.0.1", "facebookexternalhit/1.1"), "curl": ("10.9.9.9", "curl/8.5.0")}
CLICKS = [  # (link, visitor, UTC time)
    ("maya", "A", "03-01T10:00:00"), ("maya", "fb", "03-01T11:00:00"),
    ("maya", "A", "03-01T12:00:00"), ("maya", "B", "03-01T23:59:59"),
    ("maya-bio", "A", "03-01T13:00:00"), ("maya", "A", "03-02T00:00:00"),
    ("leo", "C", "03-02T09:00:00"), ("leo", "C", "03-02T09:05:00"), ("leo", "D", "03-03T10:00:00"),
    ("ava", "E", "03-03T10:00:00"), ("ava", "curl", "03-03T10:01:00"),
    ("ava", "curl", "03-03T10:02:00"),
]
ORDERS = [  # (id, creator, method, placed, amount minor, currency, refunded, commission, status)
    ("O1", "maya", "code", "03-01T23:30:00", 9720, "USD", 1000, 872, "paid"),
    ("O2", "maya", "click", "03-02T00:00:00", 5000, "USD", 0, 500, "paid"),
    ("O3", "maya", "code", "03-02T12:00:00", 8000, "USD", 0, 800, "cancelled"),
    ("O4", "leo", "utm", "03-02T15:00:00", 3333, "USD", 0, 167, "paid"),
    ("O5", "leo", "code", "03-03T08:00:00", 2000, "EUR", 0, 200, "paid"),
    ("O6", "leo", "click", "03-03T18:00:00", 4555, "USD", 4555, 0, "paid"),
    ("O7", None, "none", "03-02T16:00:00", 99900, "USD", 0, 0, "paid"),
]


def at(text):
    return datetime.fromisoformat(f"2026-{text}+00:00")


def add_clicks(app, session, clicks):
    """Store clicks the way the redirect does: click_row, then one bulk insert."""
    links = {row.slug: row for row in session.exec(select(Link)).all()}
    rows = []
    for slug, who, when in clicks:
        link = links[slug]
        ip, ua = VISITORS[who]
        rows.append(click_row(link=(link.id, link.campaign_id, link.creator_id), ip=ip, ua=ua,
                              referrer=None, secret=app.config["SECRET_KEY"], now=at(when)))
    session.execute(insert(Click), rows)
    session.commit()


def add_orders(session, orders, enrolments):
    """Store orders in the state tracker.orders leaves them (the report reads only this table)."""
    for ext, who, method, placed, amount, currency, refunded, commission, status in orders:
        enrolment = enrolments.get(who)
        session.add(Order(
            platform="generic", store="", external_id=ext, status=status, placed_at=at(placed),
            day=at(placed).date(), currency=currency, amount_minor=amount,
            refunded_minor=refunded, commission_minor=commission,
            unconverted=currency != "USD", method=method,
            reason=None if who else "no_match", campaign_id=enrolment and enrolment[0],
            creator_id=enrolment and enrolment[1], enrolment_id=enrolment and enrolment[2],
            created_at=at(placed), updated_at=at(placed),
        ))
    session.commit()


@pytest.fixture
def scenario(app, api, session):
    api.campaign(name="Glow", slug="glow")
    people = [("maya", "instagram", 8200, "250.00", "40.00", "0.10"),
              ("leo", "tiktok", 45000, "400.00", "0", "0.05"),
              ("ava", "youtube", 120000, "1200.00", "60.00", "0"),
              ("zoe", "instagram", 9000, "0", "0", "0.10")]
    enrolments = {}
    for handle, platform, followers, fee, product_cost, rate in people:
        api.creator(handle, platform=platform, followers=followers)
        made = api.enrol("glow", handle, fee=fee, product_cost=product_cost,
                         commission_rate=rate, code=f"{handle.upper()}10")
        link = session.exec(select(Link).where(Link.slug == made["link"]["slug"])).one()
        link.slug = handle  # readable names for the scenario's links
        session.add(link)
        enrolments[handle] = (link.campaign_id, link.creator_id, link.enrolment_id)
        session.commit()  # before the next API call: SQLite has one writer at a time
    r = api.post("/api/v1/links", {"campaign": "glow", "creator": "maya", "slug": "maya-bio"})
    assert r.status_code == 201, r.json
    add_clicks(app, session, CLICKS)
    add_orders(session, ORDERS, enrolments)
    return enrolments


def report(api, kind, **params):
    r = api.get(f"/api/v1/reports/{kind}", query_string={"campaign": "glow", **params})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


# Hand-worked rows. cost = fee + product cost + commission; roi = (net - cost) / cost;
# roas = net / cost; cpa = cost / orders; cost_per_follower = cost / followers;
# aov = revenue / orders that carry money (unconverted ones do not); conversion = orders / uniques.
MAYA = {
    "creator": "maya", "campaign": "glow", "tier": "nano", "platform": "instagram",
    "followers": 8200, "currency": "USD",
    "clicks": 5,  # story: A, A, B on 03-01 and A on 03-02; bio: A on 03-01 (the bot is not one)
    "unique_clicks": 4,  # story 03-01 {A, B} = 2, story 03-02 {A} = 1, bio 03-01 {A} = 1
    "bot_clicks": 1,
    "orders": 2, "orders_by_code": 1, "orders_by_click": 1, "orders_by_utm": 0,  # O1, O2
    "unconverted_orders": 0,
    "revenue": "147.20",  # 97.20 + 50.00
    "refunded": "10.00", "net_revenue": "137.20",
    "aov": "73.60",  # 147.20 / 2
    "conversion_rate": "0.5000",  # 2 / 4
    "fee": "250.00", "product_cost": "40.00",
    "commission": "13.72",  # 8.72 + 5.00
    "cost": "303.72",  # 250.00 + 40.00 + 13.72
    "roi": "-0.5483",  # (137.20 - 303.72) / 303.72 = -0.54827
    "roas": "0.4517",  # 137.20 / 303.72 = 0.45173
    "cpa": "151.86",  # 303.72 / 2
    "cost_per_follower": "0.0370",  # 303.72 / 8200 = 0.037039
}
LEO = {
    "creator": "leo", "campaign": "glow", "tier": "micro", "platform": "tiktok",
    "followers": 45000, "currency": "USD",
    "clicks": 3, "unique_clicks": 2, "bot_clicks": 0,  # 03-02 {C, C}, 03-03 {D}
    "orders": 3, "orders_by_code": 1, "orders_by_click": 1, "orders_by_utm": 1,  # O5, O6, O4
    "unconverted_orders": 1,  # O5 is in EUR
    "revenue": "78.88",  # 33.33 + 45.55
    "refunded": "45.55", "net_revenue": "33.33",
    "aov": "39.44",  # 78.88 / 2 orders with money
    "conversion_rate": "1.5000",  # 3 / 2
    "fee": "400.00", "product_cost": "0.00",
    "commission": "1.67",  # 1.6665 rounded on the order, + 0.00
    "cost": "401.67",
    "roi": "-0.9170",  # (33.33 - 401.67) / 401.67 = -0.91702
    "roas": "0.0830",  # 33.33 / 401.67 = 0.08298
    "cpa": "133.89",  # 401.67 / 3
    "cost_per_follower": "0.0089",  # 401.67 / 45000 = 0.008926
}
AVA = {
    "creator": "ava", "campaign": "glow", "tier": "mid", "platform": "youtube",
    "followers": 120000, "currency": "USD",
    "clicks": 1, "unique_clicks": 1, "bot_clicks": 2,
    "orders": 0, "orders_by_code": 0, "orders_by_click": 0, "orders_by_utm": 0,
    "unconverted_orders": 0, "revenue": "0.00", "refunded": "0.00", "net_revenue": "0.00",
    "aov": None,  # no orders
    "conversion_rate": "0.0000",  # 0 / 1
    "fee": "1200.00", "product_cost": "60.00", "commission": "0.00", "cost": "1260.00",
    "roi": "-1.0000", "roas": "0.0000",
    "cpa": None,  # no orders
    "cost_per_follower": "0.0105",  # 1260 / 120000
}
ZOE = {
    "creator": "zoe", "campaign": "glow", "tier": "nano", "platform": "instagram",
    "followers": 9000, "currency": "USD",
    "clicks": 0, "unique_clicks": 0, "bot_clicks": 0,
    "orders": 0, "orders_by_code": 0, "orders_by_click": 0, "orders_by_utm": 0,
    "unconverted_orders": 0, "revenue": "0.00", "refunded": "0.00", "net_revenue": "0.00",
    "aov": None, "conversion_rate": None,  # no orders, no clicks
    "fee": "0.00", "product_cost": "0.00", "commission": "0.00", "cost": "0.00",
    "roi": None, "roas": None, "cpa": None,  # no cost, no orders
    "cost_per_follower": "0.0000",
}
GLOW = {
    "campaign": "glow", "creators": 4,
    "followers": 182200,  # 8200 + 45000 + 120000 + 9000
    "currency": "USD",
    "clicks": 9, "unique_clicks": 7, "bot_clicks": 3,  # 5 + 3 + 1 + 0; 4 + 2 + 1; 1 + 0 + 2
    "orders": 5, "orders_by_code": 2, "orders_by_click": 2, "orders_by_utm": 1,
    "unconverted_orders": 1,
    "revenue": "226.08",  # 147.20 + 78.88
    "refunded": "55.55", "net_revenue": "170.53",
    "aov": "56.52",  # 226.08 / 4
    "conversion_rate": "0.7143",  # 5 / 7
    "fee": "1850.00", "product_cost": "100.00",
    "commission": "15.39",  # 13.72 + 1.67
    "cost": "1965.39",
    "roi": "-0.9132",  # (170.53 - 1965.39) / 1965.39 = -0.91323
    "roas": "0.0868",  # 170.53 / 1965.39 = 0.08677
    "cpa": "393.08",  # 1965.39 / 5 = 393.078
    "cost_per_follower": "0.0108",  # 1965.39 / 182200 = 0.010787
}
NANO = {
    **{k: v for k, v in MAYA.items() if k not in ("creator", "campaign", "platform", "currency")},
    "tier": "nano", "creators": 2, "followers": 17200,  # maya + zoe: zoe adds no money
    "cost_per_follower": "0.0177",  # 303.72 / 17200 = 0.017658
}


def without(row, *names):
    return {k: v for k, v in row.items() if k not in names}


def test_creators_report_every_field_by_hand(scenario, api):
    body = report(api, "creators")
    assert body["rows"] == [AVA, LEO, MAYA, ZOE]  # by campaign, then handle
    assert body["currency"] == "USD"
    assert (body["from"], body["to"]) == (None, None)
    assert body["totals"] == {**without(GLOW, "campaign", "currency")}


def test_campaigns_report_sums_its_creators(scenario, api):
    body = report(api, "campaigns")
    assert body["rows"] == [GLOW]
    assert body["totals"] == without(GLOW, "campaign", "currency")


def test_tiers_report_by_default_bands(scenario, api):
    rows = report(api, "tiers")["rows"]
    assert [r["tier"] for r in rows] == ["nano", "micro", "mid"]  # smallest first; empty omitted
    assert rows[0] == NANO
    micro = {"tier": "micro", "creators": 1, **without(LEO, "creator", "campaign", "tier",
                                                       "platform", "currency")}
    assert rows[1] == micro


def test_tiers_follow_tracker_tiers(scenario, make_app, api_key):
    other = make_app(TIERS="small:0,big:40000").test_client()
    r = other.get("/api/v1/reports/tiers?campaign=glow",
                  headers={"Authorization": f"Bearer {api_key}"})
    small, big = r.json["rows"]
    assert small == {**NANO, "tier": "small"}
    assert big == {
        "tier": "big", "creators": 2, "followers": 165000,  # leo + ava
        "clicks": 4, "unique_clicks": 3, "bot_clicks": 2,
        "orders": 3, "orders_by_code": 1, "orders_by_click": 1, "orders_by_utm": 1,
        "unconverted_orders": 1, "revenue": "78.88", "refunded": "45.55", "net_revenue": "33.33",
        "aov": "39.44", "conversion_rate": "1.0000",  # 3 / 3
        "fee": "1600.00", "product_cost": "60.00", "commission": "1.67",
        "cost": "1661.67",  # 1600 + 60 + 1.67
        "roi": "-0.9799",  # (33.33 - 1661.67) / 1661.67 = -0.97994
        "roas": "0.0201", "cpa": "553.89", "cost_per_follower": "0.0101",  # 1661.67 / 165000
    }


def test_platforms_report(scenario, api):
    rows = {r["platform"]: r for r in report(api, "platforms")["rows"]}
    assert sorted(rows) == ["instagram", "tiktok", "youtube"]
    assert rows["instagram"] == {**without(NANO, "tier"), "platform": "instagram"}
    assert rows["youtube"]["bot_clicks"] == 2 and rows["youtube"]["cpa"] is None
    assert rows["tiktok"]["unconverted_orders"] == 1


def test_daily_report_counts_orders_and_clicks_on_their_utc_day(scenario, api):
    body = report(api, "daily")
    money = {"fee", "product_cost", "cost", "roi", "roas", "cpa", "cost_per_follower"}
    assert not money & set(body["rows"][0])  # fees belong to enrolments, not days
    assert body["rows"] == [
        {"day": "2026-03-01",
         "clicks": 4,  # story A, A, B (23:59:59) + bio A
         "unique_clicks": 3,  # story {A, B} + bio {A}
         "bot_clicks": 1, "orders": 1, "orders_by_code": 1, "orders_by_click": 0,
         "orders_by_utm": 0, "unconverted_orders": 0,  # O1 at 23:30
         "revenue": "97.20", "refunded": "10.00", "net_revenue": "87.20", "aov": "97.20",
         "conversion_rate": "0.3333", "commission": "8.72"},  # 1 / 3
        {"day": "2026-03-02",
         "clicks": 3, "unique_clicks": 2,  # maya A at 00:00:00; leo C twice
         "bot_clicks": 0, "orders": 2, "orders_by_code": 0, "orders_by_click": 1,
         "orders_by_utm": 1, "unconverted_orders": 0,  # O2 at 00:00:00 and O4; O3 cancelled
         "revenue": "83.33", "refunded": "0.00", "net_revenue": "83.33",
         "aov": "41.67",  # 83.33 / 2 = 41.665, half up
         "conversion_rate": "1.0000", "commission": "6.67"},  # 5.00 + 1.67
        {"day": "2026-03-03",
         "clicks": 2, "unique_clicks": 2, "bot_clicks": 2,  # leo D, ava E; two curl
         "orders": 2, "orders_by_code": 1, "orders_by_click": 1, "orders_by_utm": 0,
         "unconverted_orders": 1,  # O5 (EUR) and O6 (refunded in full)
         "revenue": "45.55", "refunded": "45.55", "net_revenue": "0.00", "aov": "45.55",
         "conversion_rate": "1.0000", "commission": "0.00"},
    ]
    assert body["totals"]["orders"] == 5 and body["totals"]["cost"] == "1965.39"


@pytest.mark.parametrize("start, end, days", [
    ("2026-03-01", "2026-03-01", ["2026-03-01"]),  # the 23:59:59 click and 23:30 order stay in
    ("2026-03-02", "2026-03-03", ["2026-03-02", "2026-03-03"]),
    ("2026-03-02", "2026-03-02", ["2026-03-02"]),
    ("2026-03-04", None, []),
    (None, "2026-02-28", []),
])
def test_date_filters_are_inclusive_utc_days(scenario, api, start, end, days):
    params = {k: v for k, v in (("from", start), ("to", end)) if v}
    body = report(api, "daily", **params)
    assert [r["day"] for r in body["rows"]] == days
    assert (body["from"], body["to"]) == (start, end)


def test_date_filter_on_creator_rows_keeps_the_whole_fee(scenario, api):
    body = report(api, "creators", creator="maya", **{"from": "2026-03-02", "to": "2026-03-02"})
    assert body["rows"] == [{
        **MAYA, "clicks": 1, "unique_clicks": 1, "bot_clicks": 0,  # A at 00:00:00
        "orders": 1, "orders_by_code": 0, "orders_by_click": 1,  # O2 only (O3 cancelled)
        "revenue": "50.00", "refunded": "0.00", "net_revenue": "50.00", "aov": "50.00",
        "conversion_rate": "1.0000", "commission": "5.00",
        "cost": "295.00",  # 250.00 + 40.00 + 5.00: the fee is not prorated
        "roi": "-0.8305",  # (50 - 295) / 295 = -0.830508
        "roas": "0.1695", "cpa": "295.00", "cost_per_follower": "0.0360",  # 295 / 8200
    }]


def test_campaigns_in_two_currencies_are_never_added(scenario, api):
    api.campaign(name="Fall", slug="fall", currency="EUR")
    api.enrol("fall", "maya", fee="100.00")
    r = api.get("/api/v1/reports/campaigns")
    rows = {row["campaign"]: row for row in r.json["rows"]}
    assert rows["fall"]["currency"] == "EUR" and rows["fall"]["fee"] == "100.00"
    assert rows["glow"] == GLOW
    assert r.json["currency"] is None
    assert r.json["totals"]["revenue"] is None and r.json["totals"]["orders"] == 5
    tiers = api.get("/api/v1/reports/tiers")
    assert tiers.status_code == 422 and tiers.json["error"]["field"] == "currency"
    eur = api.get("/api/v1/reports/tiers?currency=eur").json
    assert eur["currency"] == "EUR" and eur["totals"]["fee"] == "100.00"


def test_csv_has_the_json_rows_and_streams(scenario, api):
    for kind in ("creators", "campaigns", "tiers", "platforms", "daily"):
        as_json = report(api, kind)["rows"]
        r = api.get(f"/api/v1/reports/{kind}?campaign=glow&format=csv")
        assert r.status_code == 200 and r.mimetype == "text/csv"
        assert r.is_streamed
        assert r.headers["Content-Disposition"] == (
            f'attachment; filename="tracker-{kind}-glow.csv"')
        text = r.get_data(as_text=True)
        assert text.splitlines()[0] == ",".join(as_json[0])  # header line, same columns
        as_csv = list(csv.DictReader(io.StringIO(text)))
        expected = [{k: "" if v is None else str(v) for k, v in row.items()} for row in as_json]
        assert as_csv == expected


@pytest.mark.parametrize("url, status, field", [
    ("/api/v1/reports/weekly", 404, "kind"),
    ("/api/v1/reports/creators?format=xml", 422, "format"),
    ("/api/v1/reports/creators?from=2026-02-30", 422, "from"),
    ("/api/v1/reports/creators?to=yesterday", 422, "to"),
    ("/api/v1/reports/creators?from=2026-03-02&to=2026-03-01", 422, "to"),
    ("/api/v1/reports/creators?campaign=nope", 404, "campaign"),
    ("/api/v1/reports/creators?creator=nobody", 404, "creator"),
    ("/api/v1/reports/creators?currency=XYZ", 422, "currency"),
    ("/api/v1/reports/creators?limit=5", 422, "limit"),
    ("/api/v1/reports/creators?campaign=nope&format=csv", 404, "campaign"),
])
def test_bad_filters_name_the_field(scenario, api, url, status, field):
    r = api.get(url)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.json["error"]["field"] == field and r.json["error"]["message"]


def test_reports_need_an_api_key(client):
    assert client.get("/api/v1/reports/creators").status_code == 401


def test_empty_database_gives_empty_rows_and_null_ratios(api):
    body = api.get("/api/v1/reports/creators").json
    assert body["rows"] == [] and body["totals"]["orders"] == 0
    assert body["totals"]["roi"] is None and body["totals"]["conversion_rate"] is None


def test_export_report_cli_writes_csv_and_json(scenario, api, runner, tmp_path):
    out = tmp_path / "creators.csv"
    result = runner.invoke(args=["export-report", "creators", "--campaign", "glow",
                                 "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    from_api = api.get("/api/v1/reports/creators?campaign=glow&format=csv").get_data()
    assert out.read_bytes() == from_api
    result = runner.invoke(args=["export-report", "daily", "--campaign", "glow", "--from",
                                 "2026-03-02", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [r["day"] for r in body["rows"]] == ["2026-03-02", "2026-03-03"]
    assert body == report(api, "daily", **{"from": "2026-03-02"})


@pytest.mark.parametrize("args, message", [
    (["creators", "--from", "03/02/2026"], "from"),
    (["creators", "--campaign", "nope"], "campaign"),
    (["weekly"], "weekly"),
    (["creators", "--from", "2026-03-05", "--to", "2026-03-01"],
     "Error: to (2026-03-01) is before from (2026-03-05)"),
])
def test_export_report_cli_refuses_bad_filters(scenario, runner, tmp_path, args, message):
    out = tmp_path / "never.csv"
    result = runner.invoke(args=["export-report", *args, "-o", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()


def test_click_day_sums_stay_exact_after_late_inserts_and_purges(scenario, app, api, session):
    """The per-link-day rollup against the raw rows, after every kind of change to clicks."""
    import random
    from dataclasses import replace

    from tracker.clicks.retention import purge_clicks
    from tracker.models import ClickDay
    from tracker.reports import build as reports

    rng = random.Random(4)
    links, people = ["maya", "maya-bio", "leo", "ava", "zoe"], list(VISITORS)

    def random_clicks(n, days):
        return [(rng.choice(links), rng.choice(people),
                 f"03-{rng.choice(days):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00")
                for _ in range(n)]

    def compare():
        with app.app_context():
            for kind in ("creators", "daily"):
                scope = reports._prepare(session, reports.Query(kind=kind))
                bands = app.config["TIER_BANDS"]
                assert scope.rolled_up
                rolled = list(reports.iter_rows(session, kind=kind, scope=scope, bands=bands))
                raw = list(reports.iter_rows(session, kind=kind, bands=bands,
                                             scope=replace(scope, rolled_up=False)))
                assert rolled == raw, kind
        stored = {(r.link_id, r.day): (r.clicks, r.unique_clicks, r.bot_clicks)
                  for r in session.exec(select(ClickDay)).all()}
        recount = {}
        for row in session.exec(select(Click)).all():
            human, bots, seen = recount.get((row.link_id, row.day), (0, 0, set()))
            if not row.is_bot:
                seen = seen | {row.visitor}
            recount[(row.link_id, row.day)] = (human + (not row.is_bot), bots + row.is_bot, seen)
        assert stored == {k: (h, len(s), b) for k, (h, b, s) in recount.items()}
        session.rollback()

    compare()  # first read: every day counted
    add_clicks(app, session, random_clicks(300, range(1, 11)))
    compare()  # new clicks on days already counted
    add_clicks(app, session, random_clicks(50, [2, 20]))
    compare()  # late clicks on an old day and a new one
    purge_clicks(app.extensions["tracker.engine"], before=datetime(2026, 3, 4).date())
    compare()  # purged days leave the sums too
    rows = api.get("/api/v1/reports/daily?campaign=glow").json["rows"]
    assert [r["clicks"] for r in rows if r["day"] < "2026-03-04"] == [0, 0, 0]  # orders stay
    assert sum(r["clicks"] for r in rows) > 0


def test_reports_count_raw_clicks_when_click_day_cannot_be_refreshed(scenario, api, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from tracker.clicks import daily as click_days

    def lost_race(session, **scope):
        raise IntegrityError("INSERT INTO click_day ...", {}, Exception("another report won"))

    monkeypatch.setattr(click_days, "refresh", lost_race)
    assert report(api, "creators")["rows"] == [AVA, LEO, MAYA, ZOE]
