"""Reports as people read them: request parsing, derived ratios, formatting, CSV chunks.

Pure: no database and no Flask. tracker.reports sums in SQL; this module turns those integer
sums into the contract's fields (money as decimal strings with the currency's places, ratios
with 4 places, null where undefined) and writes CSV a chunk at a time.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tracker import money
from tracker.errors import Invalid, NotFound

PARAMS = ("campaign", "creator", "currency", "from", "to", "format")
FORMATS = ("json", "csv")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FOUR_PLACES = Decimal("0.0001")
CHUNK = 8192  # characters of CSV per streamed chunk

METRICS = (
    "clicks", "unique_clicks", "bot_clicks", "orders", "orders_by_code", "orders_by_click",
    "orders_by_utm", "unconverted_orders", "revenue", "refunded", "net_revenue", "aov",
    "conversion_rate", "fee", "product_cost", "commission", "cost", "roi", "roas", "cpa",
    "cost_per_follower",
)
# fee and product cost belong to an enrolment, not to a day: daily rows carry order money only
ENROLMENT_METRICS = ("fee", "product_cost", "cost", "roi", "roas", "cpa", "cost_per_follower")
DAILY_METRICS = tuple(m for m in METRICS if m not in ENROLMENT_METRICS)
COLUMNS = {
    "creators": ("creator", "campaign", "tier", "platform", "followers", "currency", *METRICS),
    "campaigns": ("campaign", "creators", "followers", "currency", *METRICS),
    "tiers": ("tier", "creators", "followers", *METRICS),
    "platforms": ("platform", "creators", "followers", *METRICS),
    "daily": ("day", *DAILY_METRICS),
}
KINDS = tuple(COLUMNS)
TOTAL_COLUMNS = ("creators", "followers", *METRICS)
MONEY = ("revenue", "refunded", "net_revenue", "aov", "fee", "product_cost", "commission",
         "cost", "roi", "roas", "cpa", "cost_per_follower")


@dataclass(frozen=True)
class Query:
    """A report request: its kind, filters and output format."""

    kind: str
    campaign: str | None = None
    creator: str | None = None
    currency: str | None = None
    start: date | None = None
    end: date | None = None
    format: str = "json"


def check_kind(kind):
    """Raise NotFound naming `kind` unless it is a report kind."""
    if kind not in KINDS:
        raise NotFound(f"unknown report '{kind}': one of {', '.join(KINDS)}", "kind")


def parse_query(kind, args):
    """Read a report request from query-string style args; raise naming the bad field."""
    check_kind(kind)
    for name in args:
        if name not in PARAMS:
            raise Invalid(f"{name}: is not a known parameter ({', '.join(PARAMS)})", name)
    values = {name: (args.get(name) or "").strip() or None for name in PARAMS}
    fmt = (values["format"] or "json").lower()
    if fmt not in FORMATS:
        raise Invalid(f"format: '{values['format']}' is not one of json, csv", "format")
    return Query(
        kind=kind, campaign=values["campaign"], creator=values["creator"],
        currency=values["currency"], start=parse_date(values["from"], "from"),
        end=parse_date(values["to"], "to"), format=fmt,
    )


def parse_date(text, field):
    """A YYYY-MM-DD date, None for nothing, or Invalid naming the field."""
    if text is None:
        return None
    try:
        if not DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field}: '{text}' is not a date (YYYY-MM-DD, UTC)", field) from None


def _ratio(num, den):
    if not den:
        return None
    return str((Decimal(num) / Decimal(den)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP))


def _money_per(minor, count, currency):
    if not count:
        return None
    return money.format_minor(money.round_minor(Decimal(minor) / Decimal(count)), currency)


def derive(sums, currency):
    """Every metric of contract section 6 from a row's integer sums, formatted.

    currency None means the sums add several currencies: then every money field is null.
    """
    net = sums["revenue"] - sums["refunded"]
    cost = sums.get("fee", 0) + sums.get("product_cost", 0) + sums["commission"]
    out = {**sums, "conversion_rate": _ratio(sums["orders"], sums["unique_clicks"])}
    if currency is None:
        return {**out, **dict.fromkeys(MONEY)}
    in_money = sums["orders"] - sums["unconverted_orders"]  # the orders whose amounts count
    followers = sums.get("followers", 0)
    cost_major = Decimal(cost).scaleb(-money.exponent(currency))
    out.update(
        net_revenue=net, cost=cost, aov=_money_per(sums["revenue"], in_money, currency),
        roi=_ratio(net - cost, cost), roas=_ratio(net, cost),
        cpa=_money_per(cost, sums["orders"], currency),
        cost_per_follower=_ratio(cost_major, followers) if followers else None,
    )
    for name in ("revenue", "refunded", "net_revenue", "fee", "product_cost", "commission",
                 "cost"):
        if name in out:
            out[name] = money.format_minor(out[name], currency)
    return out


def present(row, columns, currency):
    """One output row: the given columns in order, values formatted.

    A row that carries its own campaign's currency (creators, campaigns) uses it.
    """
    values = derive(row, row.get("currency", currency))
    if isinstance(values.get("day"), date):
        values["day"] = values["day"].isoformat()
    return {name: values.get(name) for name in columns}


def csv_chunks(rows, columns, currency):
    """CSV text in chunks: the header at once, then rows as they are read, ~8 KB at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield _take(buffer)  # the download starts before the query has finished
    for row in rows:
        values = present(row, columns, currency).values()
        writer.writerow(["" if v is None else v for v in values])
        if buffer.tell() > CHUNK:
            yield _take(buffer)
    yield _take(buffer)


def _take(buffer):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def filename(query):
    """A descriptive, header-safe file name for a CSV export."""
    parts = ["tracker", query.kind, query.campaign, query.creator, query.currency,
             query.start and f"from-{query.start}", query.end and f"to-{query.end}"]
    name = "-".join(str(p) for p in parts if p)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) + ".csv"
