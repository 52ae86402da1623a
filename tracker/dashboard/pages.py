"""Read-only dashboard pages: campaigns with their reports and charts, creators, orders.

The numbers come from tracker.reports, the same functions the JSON API answers with.
"""

from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, current_app, flash, render_template, request
from sqlmodel import select

from tracker.catalog.campaigns import get_campaign
from tracker.catalog.creators import creators_page, get_creator
from tracker.catalog.enrolments import enrolled_count, enrolments_of, get_enrolment, links_and_codes
from tracker.catalog.tiers import tier_of
from tracker.clock import utcnow
from tracker.config import public_origin
from tracker.dashboard import charts
from tracker.db import get_session
from tracker.models import Campaign
from tracker.orders import browse
from tracker.reports import build as reports
from tracker.reports import present

bp = Blueprint("pages", __name__)
MAX_CHART_DAYS = 400
PAGE = 100  # rows per page of the creators and unattributed lists


def report(kind, **filters):
    """One report as the API gives it: {"rows", "totals", "currency", "from", "to"}."""
    return reports.build(get_session(), kind, bands=current_app.config["TIER_BANDS"], **filters)


def date_range():
    """(from, to) dates from the query string; a bad value is dropped with a message."""
    found = []
    for name in ("from", "to"):
        text = request.args.get(name, "").strip()
        try:
            found.append(date.fromisoformat(text) if text else None)
        except ValueError:
            flash(f"'{text}' is not a date (YYYY-MM-DD); showing all time instead.", "error")
            found.append(None)
    start, end = found
    if start and end and end < start:
        flash("The range ends before it starts; the dates were swapped.", "error")
        start, end = end, start
    return start, end


def presets(campaign, today):
    """Quick ranges for the date picker: (label, from, to)."""
    ranges = [("Last 7 days", today - timedelta(days=6), today),
              ("Last 30 days", today - timedelta(days=29), today)]
    if campaign.starts_on:
        ranges.append(("Campaign dates", campaign.starts_on, campaign.ends_on or today))
    return ranges + [("All time", None, None)]


@bp.get("/dashboard/")
def index():
    session = get_session()
    rows = session.exec(select(Campaign).order_by(Campaign.created_at.desc())).all()
    numbers = {r["campaign"]: r for r in report("campaigns")["rows"]} if rows else {}
    counts = {c.id: enrolled_count(session, c.id) for c in rows}
    return render_template("dashboard/index.html", campaigns=rows, numbers=numbers, counts=counts)


def daily_svg(rows, start, end):
    """The clicks-and-orders chart over the range, or over the days that have data."""
    days = sorted(date.fromisoformat(str(r["day"])) for r in rows)
    start = start or (days[0] if days else None)
    end = end or (days[-1] if days else None)
    if start is None or end is None:
        return charts.daily_chart([])
    if (end - start).days >= MAX_CHART_DAYS:  # (end - N days could fall before 0001-01-01)
        start = end - timedelta(days=MAX_CHART_DAYS - 1)
    return charts.daily_chart(charts.fill_days(rows, start, end))


def ranked(rows, key, label):
    """(label, value) pairs for a bar chart: highest first, undefined values last."""
    pairs = [(r[label], r.get(key)) for r in rows]
    return sorted(pairs, key=lambda p: (p[1] is None, -Decimal(p[1] or 0)))


def _bars(pairs, title, places=1):
    return charts.bar_chart(pairs, title=title, fmt=lambda v: f"{Decimal(v) * 100:,.{places}f}%")


@bp.get("/dashboard/campaigns/<slug>")
def campaign(slug):
    found = get_campaign(get_session(), slug)
    start, end = date_range()
    filters = {"campaign": found.slug, "start": start, "end": end}
    creators, tiers, daily = (report(k, **filters) for k in ("creators", "tiers", "daily"))
    chart = {
        "daily": daily_svg(daily["rows"], start, end),
        "roi_creator": _bars(ranked(creators["rows"], "roi", "creator"), "ROI by creator"),
        "conv_creator": _bars(ranked(creators["rows"], "conversion_rate", "creator"),
                              "Conversion by creator", places=2),
        "roi_tier": _bars([(r["tier"], r.get("roi")) for r in tiers["rows"]], "ROI by tier"),
        "conv_tier": _bars([(r["tier"], r.get("conversion_rate")) for r in tiers["rows"]],
                           "Conversion by tier", places=2),
    }
    today = utcnow().date()  # the report's days are UTC days
    return render_template(
        "dashboard/campaign.html", campaign=found, creators=creators, tiers=tiers,
        daily=daily, charts=chart, start=start, end=end, presets=presets(found, today),
        enrolled=enrolled_count(get_session(), found.id),
    )


@bp.get("/dashboard/creators")
def creators():
    search, page = request.args.get("q", "").strip(), _page()
    rows, total = creators_page(get_session(), size=PAGE, search=search, page=page)
    bands = current_app.config["TIER_BANDS"]
    tiers = {c.id: tier_of(c.followers, bands) for c in rows}
    return render_template("dashboard/creators.html", creators=rows, total=total, page=page,
                           size=PAGE, search=search, tiers=tiers)


@bp.get("/dashboard/creators/<handle>")
def creator(handle):
    session = get_session()
    found = get_creator(session, handle)
    enrolments = enrolments_of(session, found)
    numbers = {}
    for _, camp, _, _ in enrolments:  # one row per campaign: currencies are never added up
        rows = report("creators", campaign=camp.slug, creator=found.handle)["rows"]
        numbers[camp.slug] = rows[0] if rows else None
    return render_template(
        "dashboard/creator.html", creator=found, numbers=numbers,
        tier=tier_of(found.followers, current_app.config["TIER_BANDS"]),
        enrolments=enrolments, orders=browse.orders_of(session, found, limit=PAGE),
        base=public_origin(),
    )


@bp.get("/dashboard/campaigns/<slug>/creators/<handle>")
def enrolment(slug, handle):
    session = get_session()
    found, person = get_campaign(session, slug), get_creator(session, handle)
    row = get_enrolment(session, found, person)
    links, codes = links_and_codes(session, row)
    return render_template("dashboard/enrolment.html", campaign=found, creator=person,
                           enrolment=row, links=links, codes=codes, base=public_origin())


@bp.get("/dashboard/orders/unattributed")
def unattributed():
    page = _page()
    rows, total = browse.unattributed(get_session(), size=PAGE, page=page)
    return render_template("dashboard/unattributed.html", orders=rows, total=total, page=page,
                           size=PAGE)


@bp.get("/dashboard/reports/<kind>.csv")
def report_csv(kind):
    """A report table as CSV: the API's own export, behind the dashboard login."""
    query = present.parse_query(kind, request.args)
    return reports.csv_download(get_session(), query, bands=current_app.config["TIER_BANDS"])


def _page():
    text = request.args.get("page", "1")
    # isascii: "²" is a digit to isdigit but not to int(); len: int() refuses 4300+ digits
    ok = text.isascii() and text.isdigit() and len(text) <= 5
    return int(text) if ok and 0 < int(text) < 100_000 else 1
