"""tracker.report_views (pure): request parsing, derived ratios, formatting, CSV chunks."""

import csv
import io
from datetime import date

import pytest

from tracker.errors import Invalid, NotFound
from tracker.reports import present as views

ZERO = dict.fromkeys(("creators", "followers", "fee", "product_cost", "clicks", "unique_clicks",
                      "bot_clicks", "orders", "orders_by_code", "orders_by_click",
                      "orders_by_utm", "unconverted_orders", "revenue", "refunded",
                      "commission"), 0)


def sums(**given):
    return {**ZERO, **given}


@pytest.mark.parametrize("given, field, want", [
    # conversion = orders / unique clicks, 4 places half up; null without clicks
    ({"orders": 1, "unique_clicks": 3}, "conversion_rate", "0.3333"),
    ({"orders": 2, "unique_clicks": 3}, "conversion_rate", "0.6667"),
    ({"orders": 1, "unique_clicks": 0}, "conversion_rate", None),
    # aov = revenue / orders with money; 41.665 rounds half up to 41.67
    ({"orders": 2, "revenue": 8333}, "aov", "41.67"),
    ({"orders": 2, "unconverted_orders": 1, "revenue": 5000}, "aov", "50.00"),
    ({"orders": 1, "unconverted_orders": 1}, "aov", None),
    ({"orders": 0}, "aov", None),
    # roi = (net - cost) / cost; roas = net / cost; null without cost
    ({"revenue": 30000, "refunded": 0, "fee": 10000}, "roi", "2.0000"),
    ({"revenue": 30000, "refunded": 10000, "fee": 10000}, "roas", "2.0000"),
    ({"revenue": 500}, "roi", None),
    ({"revenue": 500}, "roas", None),
    # cpa = cost / orders; null without orders
    ({"orders": 3, "fee": 10000}, "cpa", "33.33"),
    ({"orders": 0, "fee": 10000}, "cpa", None),
    # cost = fee + product cost + commission; commission sums per-order cents as stored
    ({"fee": 25000, "product_cost": 4000, "commission": 872}, "cost", "298.72"),
    ({"followers": 8200, "fee": 25000}, "cost_per_follower", "0.0305"),
    ({"followers": 0, "fee": 25000}, "cost_per_follower", None),
    ({"revenue": 9720, "refunded": 9720}, "net_revenue", "0.00"),
])
def test_derived_fields(given, field, want):
    assert views.derive(sums(**given), "USD")[field] == want


def test_zero_decimal_currency_is_formatted_without_places():
    row = views.derive(sums(orders=1, revenue=4500, fee=1000, unique_clicks=2), "JPY")
    assert (row["revenue"], row["aov"], row["cost"], row["cpa"]) == ("4500", "4500", "1000", "1000")


def test_several_currencies_leave_every_money_field_null():
    row = views.derive(sums(orders=2, unique_clicks=4, revenue=1000, fee=500), None)
    assert row["orders"] == 2 and row["conversion_rate"] == "0.5000"
    assert all(row[name] is None for name in views.MONEY)


def test_present_keeps_column_order_and_iso_days():
    row = views.present({**sums(), "day": date(2026, 3, 1)}, views.COLUMNS["daily"], "USD")
    assert list(row) == list(views.COLUMNS["daily"])
    assert row["day"] == "2026-03-01" and "fee" not in row


@pytest.mark.parametrize("args, field", [
    ({"format": "xml"}, "format"),
    ({"from": "2026-3-1"}, "from"),
    ({"to": "2026-02-30"}, "to"),
    ({"limit": "10"}, "limit"),
])
def test_parse_query_names_the_bad_field(args, field):
    with pytest.raises(Invalid) as err:
        views.parse_query("creators", args)
    assert err.value.field == field


def test_parse_query_reads_filters():
    query = views.parse_query("daily", {"campaign": "glow", "from": "2026-03-01",
                                        "to": " 2026-03-31 ", "format": "CSV"})
    assert query == views.Query(kind="daily", campaign="glow", start=date(2026, 3, 1),
                                end=date(2026, 3, 31), format="csv")


def test_unknown_kind_is_not_found():
    with pytest.raises(NotFound) as err:
        views.parse_query("weekly", {})
    assert err.value.field == "kind"


def test_csv_comes_in_chunks_header_first():
    rows = ({**sums(clicks=i), "day": date(2026, 1, 1)} for i in range(2000))
    chunks = list(views.csv_chunks(rows, views.COLUMNS["daily"], "USD"))
    assert chunks[0] == ",".join(views.COLUMNS["daily"]) + "\r\n"  # before any row is read
    assert len(chunks) > 3 and max(len(c) for c in chunks) < 2 * views.CHUNK
    parsed = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(parsed) == 2000 and parsed[1999]["clicks"] == "1999"
    assert parsed[0]["aov"] == ""  # null is an empty cell


def test_file_name_is_header_safe():
    query = views.Query(kind="creators", campaign='glow"; x=1', start=date(2026, 3, 1))
    assert views.filename(query) == "tracker-creators-glow_x_1-from-2026-03-01.csv"
