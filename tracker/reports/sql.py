"""The SQL behind the reports: one UNION ALL of three sources summed by the report's key.

Sources: enrolments, click sums per link and UTC day (from click_day when `scope.rolled_up`,
else from the raw clicks) and orders, each reduced to the report's group key (k0, k1) with
zeros for the other sources' measures. Same text on SQLite and PostgreSQL.
"""

from sqlalchemy import BigInteger, and_, case, func, literal_column, select, union_all

from tracker.catalog.tiers import tier_index_sql
from tracker.clicks.daily import click_sums, day_filters
from tracker.models import Campaign, Click, ClickDay, Creator, Enrolment, Order

ENROLMENT_MEASURES = ("creators", "followers", "fee", "product_cost")
CLICK_MEASURES = ("clicks", "unique_clicks", "bot_clicks")
ORDER_MEASURES = (
    "orders", "orders_by_code", "orders_by_click", "orders_by_utm", "unconverted_orders",
    "revenue", "refunded", "commission",
)
MEASURES = ENROLMENT_MEASURES + CLICK_MEASURES + ORDER_MEASURES


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


def _days(scope, day_col):
    return day_filters(day_col, start=scope.start, end=scope.end)


def people_table(bands):
    """Creators with their tier as the index of their follower band (orderable, groupable)."""
    tier = tier_index_sql(Creator.followers, bands)
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


def enrolment_source(kind, scope, people):
    """One row per enrolment in scope: its group key and enrolment measures (others zero)."""
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
    if scope.rolled_up:  # the same sums, kept per link and day by tracker.clicks.daily
        t = ClickDay.__table__.c
        per_link_day = (
            select(t.campaign_id, t.creator_id, t.day, t.clicks, t.unique_clicks, t.bot_clicks)
            .where(*_campaign_filters(scope, t.campaign_id, t.creator_id))
            .where(*_days(scope, t.day))
            .subquery("link_days")
        )
        return _click_sums(kind, people, per_link_day)
    c = Click.__table__.c
    # unique_clicks: distinct visitors per link per UTC day, so group by link and day first
    per_link_day = (
        select(
            c.campaign_id, c.creator_id, c.day, *click_sums()
        )
        .where(*_campaign_filters(scope, c.campaign_id, c.creator_id))
        .where(*_days(scope, c.day))
        .group_by(c.campaign_id, c.day, c.link_id, c.creator_id)  # ix_click_report order
        .subquery("link_days")
    )
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
    query = query.where(*_days(scope, o.day))
    return query.group_by(*[k.element for k in keys])


def measures_of(kind):
    """The summed measures a report kind has (daily rows carry no enrolment sums)."""
    return CLICK_MEASURES + ORDER_MEASURES if kind == "daily" else MEASURES


def statement(kind, scope, bands):
    """The whole report of a kind as one SELECT, labelled and ordered for display."""
    people = people_table(bands)
    arms = [_click_source(kind, scope, people), _order_source(kind, scope, people)]
    if kind != "daily":
        arms.insert(0, enrolment_source(kind, scope, people))
    parts = union_all(*arms).subquery("parts")
    keys = [parts.c.k0, parts.c.k1] if kind == "creators" else [parts.c.k0]
    sums = [func.sum(parts.c[m]).label(m) for m in measures_of(kind)]
    grouped = select(*keys, *sums).group_by(*keys).subquery("grouped")
    g = grouped.c
    values = [g[m] for m in measures_of(kind)]
    if kind == "creators":
        labels = [Creator.handle.label("creator"), Campaign.slug.label("campaign"),
                  people.c.tier, Creator.platform, Campaign.currency]
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
