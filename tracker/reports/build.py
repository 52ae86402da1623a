"""Reports for marketers: SQL aggregation (GROUP BY) returning plain rows of integer sums.

Every report is one query whose text is the same on SQLite and PostgreSQL: three sources
(enrolments, click sums per link and UTC day, orders) each reduced to the report's group key,
stacked with UNION ALL and summed by key. The click sums come from click_day, brought up to
date for the report's range first (tracker.clicks.daily), or from the raw clicks when that
cannot be done at the moment. Money stays in integer minor units of the report's currency;
ratios and formatting are tracker.reports.present's job, the statements tracker.reports.sql's.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import Response, stream_with_context
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select as sm_select

from tracker import money
from tracker.catalog.campaigns import get_campaign
from tracker.catalog.creators import get_creator
from tracker.clicks import daily
from tracker.clicks.daily import as_date
from tracker.errors import Invalid
from tracker.models import Campaign, Enrolment
from tracker.reports import present as views
from tracker.reports import sql
from tracker.reports.present import KINDS, Query, check_kind

__all__ = ["KINDS", "Query", "Scope", "build", "export_csv", "iter_rows", "resolve_scope", "run"]


@dataclass(frozen=True)
class Scope:
    """What a report covers: optional campaign, creator, currency and inclusive UTC days."""

    campaign_id: int | None = None
    creator_id: int | None = None
    currency: str | None = None  # the report's one currency; None if none or several
    mixed: bool = False  # campaigns in several currencies: money can only be shown per campaign
    only_currency: bool = False  # keep only the campaigns whose currency is `currency`
    start: date | None = None
    end: date | None = None
    rolled_up: bool = False  # read click sums from click_day (refreshed for this scope)


def resolve_scope(session, *, campaign=None, creator=None, currency=None, start=None, end=None):
    """Check the filters and find the report's currency, or raise naming the field."""
    if start and end and end < start:
        raise Invalid(f"to ({end}) is before from ({start})", "to")
    camp = get_campaign(session, campaign) if campaign else None
    person = get_creator(session, creator) if creator else None
    if currency is not None:
        try:
            currency = money.currency_code(currency)
        except money.MoneyError as err:
            raise Invalid(f"currency: {err}", "currency") from None
    query = sm_select(Campaign.currency).distinct()
    if camp:
        query = query.where(Campaign.id == camp.id)
    if person:
        query = query.join(Enrolment).where(Enrolment.creator_id == person.id)
    found = sorted(session.exec(query).all())
    return Scope(
        campaign_id=camp and camp.id, creator_id=person and person.id,
        currency=currency or (found[0] if len(found) == 1 else None),
        mixed=currency is None and len(found) > 1, only_currency=currency is not None,
        start=start, end=end,
    )


def iter_rows(session, *, kind, scope, bands):
    """Yield the report's rows as plain dicts of integer sums, in order, from one query.

    Tiers come back named; daily rows fill the days without activity between the first and
    the last active day with zeros, so a chart's time axis has no holes.
    """
    check_kind(kind)
    stmt = sql.statement(kind, scope, bands).execution_options(yield_per=1000)
    names = sql.measures_of(kind)
    previous = None
    for row in session.execute(stmt):
        record = dict(row._mapping)
        for name in names:
            record[name] = int(record[name] or 0)
        if "tier" in record:  # tiers and creators rows: the band index becomes its name
            record["tier"] = bands[int(record["tier"])][1]
        if kind == "daily":
            record["day"] = day = as_date(record["day"])
            gap = previous and previous + timedelta(days=1)
            while gap and gap < day:
                yield {"day": gap, **dict.fromkeys(names, 0)}
                gap += timedelta(days=1)
            previous = day
        yield record


def enrolment_totals(session, *, scope, bands):
    """Sums of the enrolment measures (creators, followers, fee, product cost) in scope."""
    arm = sql.enrolment_source("campaigns", scope, sql.people_table(bands)).subquery("arm")
    sums = [func.sum(arm.c[m]).label(m) for m in sql.ENROLMENT_MEASURES]
    row = session.execute(select(*sums))
    return {k: int(v or 0) for k, v in row.one()._mapping.items()}


def totals(rows, *, kind, extra=None):
    """Sum the measures over a report's rows (every enrolment is in exactly one row)."""
    result = dict.fromkeys(sql.measures_of(kind), 0)
    for row in rows:
        for name in result:
            result[name] += row[name]
    return {**(extra or {}), **result}


def _prepare(session, query):
    check_kind(query.kind)
    scope = resolve_scope(
        session, campaign=query.campaign, creator=query.creator, currency=query.currency,
        start=query.start, end=query.end,
    )
    if scope.mixed and query.kind in ("tiers", "platforms", "daily"):
        # these rows would add amounts in different currencies: make the caller choose
        raise Invalid(
            f"the campaigns in this report use several currencies; {query.kind} rows would "
            "add them together: choose one with currency= or campaign=", "currency",
        )
    try:
        daily.refresh(session, campaign_id=scope.campaign_id, start=scope.start, end=scope.end)
        scope = replace(scope, rolled_up=True)
    except (IntegrityError, OperationalError):
        # another report refreshed the same days at the same moment (or the database is
        # busy): count from the raw click rows this time, which is slower but just as exact
        session.rollback()
    return scope


def build(session, kind, *, campaign=None, creator=None, currency=None, start=None, end=None,
          bands):
    """A report as the API answers it: rows, totals, currency and the filters used."""
    query = Query(kind=kind, campaign=campaign, creator=creator, currency=currency,
                  start=start, end=end)
    scope = _prepare(session, query)
    raw = list(iter_rows(session, kind=kind, scope=scope, bands=bands))
    extra = enrolment_totals(session, scope=scope, bands=bands) if kind == "daily" else None
    columns, summed = views.COLUMNS[kind], totals(raw, kind=kind, extra=extra)
    return {
        "report": kind, "currency": scope.currency,
        "from": start and start.isoformat(), "to": end and end.isoformat(),
        "campaign": campaign, "creator": creator,
        "rows": [views.present(r, columns, scope.currency) for r in raw],
        "totals": views.present(summed, views.TOTAL_COLUMNS, scope.currency),
    }


def run(session, query, *, bands):
    """The JSON report for a parsed Query (what GET /api/v1/reports/<kind> answers)."""
    filters = {"campaign": query.campaign, "creator": query.creator, "currency": query.currency}
    return build(session, query.kind, start=query.start, end=query.end, bands=bands, **filters)


def export_csv(session, query, *, bands):
    """(file name, generator of CSV chunks); filters are checked before anything streams."""
    scope = _prepare(session, query)
    rows = iter_rows(session, kind=query.kind, scope=scope, bands=bands)
    return views.filename(query), views.csv_chunks(rows, views.COLUMNS[query.kind], scope.currency)


def csv_download(session, query, *, bands):
    """A report as a streamed CSV attachment (the API's and the dashboard's download)."""
    name, chunks = export_csv(session, query, bands=bands)  # filters checked before streaming
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(stream_with_context(chunks), mimetype="text/csv", headers=disposition)
