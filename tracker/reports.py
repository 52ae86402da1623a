"""Reports for marketers: SQL aggregation (GROUP BY) returning plain rows of integer sums.

Every report is one query whose text is the same on SQLite and PostgreSQL: three sources
(enrolments, click sums per link and UTC day, orders) each reduced to the report's group key,
stacked with UNION ALL and summed by key. The click sums come from click_day, brought up to
date for the report's range first (tracker.click_days), or from the raw clicks when that
cannot be done at the moment. Money stays in integer minor units of the report's currency;
ratios and formatting are report_views' job.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import BigInteger, and_, case, distinct, func, literal_column, select, union_all
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select as sm_select

from tracker import campaigns as domain
from tracker import click_days, money
from tracker import report_views as views
from tracker.errors import Invalid
from tracker.models import Campaign, Click, ClickDay, Creator, Enrolment, Order
from tracker.report_views import KINDS, Query, check_kind

__all__ = ["KINDS", "Query", "Scope", "build", "export_csv", "iter_rows", "resolve_scope", "run"]
ENROLMENT_MEASURES = ("creators", "followers", "fee", "product_cost")
CLICK_MEASURES = ("clicks", "unique_clicks", "bot_clicks")
ORDER_MEASURES = (
    "orders", "orders_by_code", "orders_by_click", "orders_by_utm", "unconverted_orders",
    "revenue", "refunded", "commission",
)  # fmt: skip
MEASURES = ENROLMENT_MEASURES + CLICK_MEASURES + ORDER_MEASURES


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
    camp = domain.get_campaign(session, campaign) if campaign else None
    person = domain.get_creator(session, creator) if creator else None
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
    )  # fmt: skip


def _zeros(names):
    return [literal_column("0", BigInteger).label(n) for n in names]


def _campaign_filters(scope, campaign_col, creator_col):
    conds = []
    if scope.campaign_id is not None:
        conds.append(campaign_col == scope.campaign_id)
    if scope.creator_id is not None:
        conds.append(creator_col == scope.creator_id)
    if scope.only_currency:
        in_currency = select(Campaign.id).where(Campaign.currency == scope.currency)
        conds.append(campaign_col.in_(in_currency.scalar_subquery()))
    return conds


def _day_filters(scope, day_col):
    conds = []
    if scope.start is not None:
        conds.append(day_col >= scope.start)
    if scope.end is not None:
        conds.append(day_col <= scope.end)
    return conds


def _people(bands):
    """Creators with their tier as the index of their follower band (orderable, groupable)."""
    tier = case(
        *[(Creator.followers >= literal_column(str(int(low))), literal_column(str(i)))
          for i, (low, _name) in reversed(list(enumerate(bands)))],
        else_=literal_column("0"),
    )  # fmt: skip
    return select(Creator.id, Creator.platform, tier.label("tier")).subquery("people")


def _keys(kind, people, campaign_col, creator_col, day_col):
    """The group-key columns of a report kind over one source, labelled k0, k1."""
    if kind == "creators":
        cols = [campaign_col, creator_col]
    elif kind == "campaigns":
        cols = [campaign_col]
    elif kind == "tiers":
        cols = [people.c.tier]
    elif kind == "platforms":
        cols = [people.c.platform]
    else:
        cols = [day_col]
    return [c.label(f"k{i}") for i, c in enumerate(cols)]


def _enrolment_source(kind, scope, people):
    keys = _keys(kind, people, Enrolment.campaign_id, Enrolment.creator_id, None)
    measures = [
        literal_column("1", BigInteger).label("creators"),
        Creator.followers.label("followers"),
        Enrolment.fee_minor.label("fee"),
        Enrolment.product_cost_minor.label("product_cost"),
    ]
    query = (
        select(*keys, *measures, *_zeros(CLICK_MEASURES + ORDER_MEASURES))
        .select_from(Enrolment)
        .join(Creator, Creator.id == Enrolment.creator_id)
        .join(people, people.c.id == Enrolment.creator_id)
    )
    return query.where(*_campaign_filters(scope, Enrolment.campaign_id, Enrolment.creator_id))


def _click_source(kind, scope, people):
    if scope.rolled_up:  # the same sums, kept per link and day by tracker.click_days
        t = ClickDay.__table__.c
        per_link_day = (
            select(t.campaign_id, t.creator_id, t.day, t.clicks, t.unique_clicks, t.bot_clicks)
            .where(*_campaign_filters(scope, t.campaign_id, t.creator_id))
            .where(*_day_filters(scope, t.day))
            .subquery("link_days")
        )  # fmt: skip
        return _click_sums(kind, people, per_link_day)
    c = Click.__table__.c
    # unique_clicks: distinct visitors per link per UTC day, so group by link and day first
    per_link_day = (
        select(
            c.campaign_id, c.creator_id, c.day,
            func.sum(case((c.is_bot, 0), else_=1)).label("clicks"),
            func.count(distinct(case((c.is_bot, None), else_=c.visitor))).label("unique_clicks"),
            func.sum(case((c.is_bot, 1), else_=0)).label("bot_clicks"),
        )
        .where(*_campaign_filters(scope, c.campaign_id, c.creator_id))
        .where(*_day_filters(scope, c.day))
        .group_by(c.campaign_id, c.day, c.link_id, c.creator_id)  # ix_click_report order
        .subquery("link_days")
    )  # fmt: skip
    return _click_sums(kind, people, per_link_day)


def _click_sums(kind, people, per_link_day):
    d = per_link_day.c
    keys = _keys(kind, people, d.campaign_id, d.creator_id, d.day)
    # summed to the report's key here, so the final GROUP BY sorts a few rows, not every link-day
    sums = [func.sum(d[m]).label(m) for m in CLICK_MEASURES]
    query = select(*keys, *_zeros(ENROLMENT_MEASURES), *sums, *_zeros(ORDER_MEASURES))
    query = query.select_from(per_link_day)
    if kind in ("tiers", "platforms"):
        query = query.join(people, people.c.id == d.creator_id)
    return query.group_by(*[k.element for k in keys])


def _order_source(kind, scope, people):
    o = Order.__table__.c
    counted = o.status != "cancelled"
    # money only where the order's currency is its campaign's (contract 5, "unconverted")
    converted = and_(o.unconverted.is_(False), o.currency == Campaign.currency)

    def count_if(*conds):
        return func.sum(case((and_(*conds), 1), else_=0))

    def money_if(col):
        return func.sum(case((converted, col), else_=0))

    measures = [
        func.count().label("orders"),
        count_if(o.method == "code").label("orders_by_code"),
        count_if(o.method == "click").label("orders_by_click"),
        count_if(o.method == "utm").label("orders_by_utm"),
        count_if(~converted).label("unconverted_orders"),
        money_if(o.amount_minor).label("revenue"),
        money_if(o.refunded_minor).label("refunded"),
        money_if(o.commission_minor).label("commission"),
    ]
    keys = _keys(kind, people, o.campaign_id, o.creator_id, o.day)
    query = select(*keys, *_zeros(ENROLMENT_MEASURES + CLICK_MEASURES), *measures)
    query = query.select_from(Order.__table__).join(Campaign, Campaign.id == o.campaign_id)
    if kind in ("tiers", "platforms"):
        query = query.join(people, people.c.id == o.creator_id)
    query = query.where(counted, o.creator_id.is_not(None))
    query = query.where(*_campaign_filters(scope, o.campaign_id, o.creator_id))
    query = query.where(*_day_filters(scope, o.day))
    return query.group_by(*[k.element for k in keys])


def measures_of(kind):
    """The summed measures a report kind has (daily rows carry no enrolment sums)."""
    return CLICK_MEASURES + ORDER_MEASURES if kind == "daily" else MEASURES


def _statement(kind, scope, bands):
    people = _people(bands)
    arms = [_click_source(kind, scope, people), _order_source(kind, scope, people)]
    if kind != "daily":
        arms.insert(0, _enrolment_source(kind, scope, people))
    parts = union_all(*arms).subquery("parts")
    keys = [parts.c.k0, parts.c.k1] if kind == "creators" else [parts.c.k0]
    sums = [func.sum(parts.c[m]).label(m) for m in measures_of(kind)]
    grouped = select(*keys, *sums).group_by(*keys).subquery("grouped")
    g = grouped.c
    values = [g[m] for m in measures_of(kind)]
    if kind == "creators":
        labels = [Creator.handle.label("creator"), Campaign.slug.label("campaign"),
                  people.c.tier, Creator.platform, Campaign.currency]  # fmt: skip
        query = select(*labels, *values).select_from(grouped)
        query = query.join(Campaign, Campaign.id == g.k0).join(Creator, Creator.id == g.k1)
        query = query.join(people, people.c.id == g.k1)
        return query.order_by(Campaign.slug, Creator.handle)
    if kind == "campaigns":
        labels = [Campaign.slug.label("campaign"), Campaign.currency]
        query = select(*labels, *values).select_from(grouped)
        return query.join(Campaign, Campaign.id == g.k0).order_by(Campaign.slug)
    label = {"tiers": "tier", "platforms": "platform", "daily": "day"}[kind]
    return select(g.k0.label(label), *values).order_by(g.k0)


def iter_rows(session, *, kind, scope, bands):
    """Yield the report's rows as plain dicts of integer sums, in order, from one query.

    Tiers come back named; daily rows fill the days without activity between the first and
    the last active day with zeros, so a chart's time axis has no holes.
    """
    check_kind(kind)
    stmt = _statement(kind, scope, bands).execution_options(yield_per=1000)
    names = measures_of(kind)
    previous = None
    for row in session.execute(stmt):
        record = dict(row._mapping)
        for name in names:
            record[name] = int(record[name] or 0)
        if "tier" in record:  # tiers and creators rows: the band index becomes its name
            record["tier"] = bands[int(record["tier"])][1]
        if kind == "daily":
            record["day"] = day = _as_date(record["day"])
            gap = previous and previous + timedelta(days=1)
            while gap and gap < day:
                yield {"day": gap, **dict.fromkeys(names, 0)}
                gap += timedelta(days=1)
            previous = day
        yield record


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def enrolment_totals(session, *, scope, bands):
    """Sums of the enrolment measures (creators, followers, fee, product cost) in scope."""
    arm = _enrolment_source("campaigns", scope, _people(bands)).subquery("arm")
    row = session.execute(select(*[func.sum(arm.c[m]).label(m) for m in ENROLMENT_MEASURES]))
    return {k: int(v or 0) for k, v in row.one()._mapping.items()}


def totals(rows, *, kind, extra=None):
    """Sum the measures over a report's rows (every enrolment is in exactly one row)."""
    result = dict.fromkeys(measures_of(kind), 0)
    for row in rows:
        for name in result:
            result[name] += row[name]
    return {**(extra or {}), **result}


def _prepare(session, query, bands):
    check_kind(query.kind)
    scope = resolve_scope(
        session, campaign=query.campaign, creator=query.creator, currency=query.currency,
        start=query.start, end=query.end,
    )  # fmt: skip
    if scope.mixed and query.kind in ("tiers", "platforms", "daily"):
        # these rows would add amounts in different currencies: make the caller choose
        raise Invalid(
            f"the campaigns in this report use several currencies; {query.kind} rows would "
            "add them together: choose one with currency= or campaign=", "currency",
        )  # fmt: skip
    try:
        click_days.refresh(session, campaign_id=scope.campaign_id, start=scope.start,
                           end=scope.end)  # fmt: skip
        scope = replace(scope, rolled_up=True)
    except (IntegrityError, OperationalError):
        # another report refreshed the same days at the same moment (or the database is
        # busy): count from the raw click rows this time, which is slower but just as exact
        session.rollback()
    return scope, bands or current_app.config["TIER_BANDS"]


def build(session, kind, *, campaign=None, creator=None, currency=None, start=None, end=None,
          bands=None):  # fmt: skip
    """A report as the API answers it: rows, totals, currency and the filters used."""
    query = Query(kind=kind, campaign=campaign, creator=creator, currency=currency,
                  start=start, end=end)  # fmt: skip
    scope, bands = _prepare(session, query, bands)
    raw = list(iter_rows(session, kind=kind, scope=scope, bands=bands))
    extra = enrolment_totals(session, scope=scope, bands=bands) if kind == "daily" else None
    columns, summed = views.COLUMNS[kind], totals(raw, kind=kind, extra=extra)
    return {
        "report": kind, "currency": scope.currency,
        "from": start and start.isoformat(), "to": end and end.isoformat(),
        "campaign": campaign, "creator": creator,
        "rows": [views.present(r, columns, scope.currency) for r in raw],
        "totals": views.present(summed, views.TOTAL_COLUMNS, scope.currency),
    }  # fmt: skip


def run(session, query, *, bands=None):
    """The JSON report for a parsed Query (what GET /api/v1/reports/<kind> answers)."""
    filters = {"campaign": query.campaign, "creator": query.creator, "currency": query.currency}
    return build(session, query.kind, start=query.start, end=query.end, bands=bands, **filters)


def export_csv(session, query, *, bands=None):
    """(file name, generator of CSV chunks); filters are checked before anything streams."""
    scope, bands = _prepare(session, query, bands)
    rows = iter_rows(session, kind=query.kind, scope=scope, bands=bands)
    return views.filename(query), views.csv_chunks(rows, views.COLUMNS[query.kind], scope.currency)
