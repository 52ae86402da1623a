"""Credit an order: gather its candidate codes, click and enrolments from the database.

The rules that choose between them are tracker.orders.attribution's (pure, no database); this module
runs the indexed queries that feed them and stores or reads back what they decided.
"""

from urllib.parse import parse_qs, urlsplit

from sqlmodel import select

from tracker.catalog.creators import handle_key
from tracker.models import Campaign, Click, Code, Creator, Enrolment, Link
from tracker.orders import attribution as attr


def clues_of(event):
    """What the order carried: codes, click id (the parser read it) and UTM values."""
    query = {}
    if event.landing_url:
        query = parse_qs(urlsplit(event.landing_url).query)
    first = lambda name: (query.get(name) or [None])[0]  # noqa: E731
    utm = event.utm or {}
    return attr.Clues(
        codes=tuple(event.codes) + tuple(event.promotion_ids),
        click_id=event.click_id,
        utm_campaign=utm.get("utm_campaign") or first("utm_campaign"),
        utm_content=utm.get("utm_content") or first("utm_content"),
    )


def _targets(*columns):
    return (
        select(Enrolment.id, Enrolment.campaign_id, Enrolment.creator_id, Creator.handle,
               Campaign.slug, Campaign.currency, Enrolment.commission_bp, *columns)
        .join(Creator, Creator.id == Enrolment.creator_id)
        .join(Campaign, Campaign.id == Enrolment.campaign_id)
    )


def _target(row):
    return attr.Target(*row[:7])


def attribution_for(session, event):
    """Gather the candidates for an order with indexed queries and apply the rules."""
    clues = clues_of(event)
    codes = []
    upper = [c.strip().upper() for c in event.codes if c and c.strip()]
    promos = [p.strip() for p in event.promotion_ids if p and p.strip()]
    if upper or promos:
        found = session.exec(_targets(Code.code, Code.stripe_promotion_code)
                             .join(Code, Code.enrolment_id == Enrolment.id)
                             .where(Code.code.in_(upper) | Code.stripe_promotion_code.in_(promos))
                             ).all()
        rank = {value: i for i, value in enumerate(upper + promos)}
        found = sorted(found, key=lambda r: min(rank.get(r[7], 1e9), rank.get(r[8], 1e9)))
        codes = [attr.CodeMatch(row[7], _target(row)) for row in found]
    click = None
    if clues.click_id:
        row = session.exec(_targets(Click.click_id, Click.created_at,
                                    Campaign.attribution_window_days)
                           .join(Link, Link.enrolment_id == Enrolment.id)
                           .join(Click, Click.link_id == Link.id)
                           .where(Click.click_id == clues.click_id[:64])).first()
        if row is not None:
            click = attr.ClickMatch(row[7], row[8], row[9], _target(row))
    utms = []
    if clues.utm_campaign and clues.utm_content:
        handle = handle_key(clues.utm_content)
        rows = session.exec(_targets(Campaign.starts_on, Campaign.ends_on, Campaign.utm_campaign)
                            .where(Creator.handle == handle)
                            .order_by(Enrolment.id.desc())).all()
        # the creator's few enrolments, compared here: SQL lower() leaves non-ASCII as it is
        wanted = clues.utm_campaign.strip().casefold()
        utms = [attr.UtmMatch(_target(row), row[7], row[8]) for row in rows
                if row[9].casefold() == wanted]
    return attr.attribute(clues, placed_at=event.placed_at, codes=codes, click=click, utms=utms)


def attribute(order, found):
    """Write an Attribution onto the order's columns."""
    target = found.target
    order.method = found.method.value
    order.reason = found.reason.value if found.reason else None
    order.enrolment_id = target.enrolment_id if target else None
    order.campaign_id = target.campaign_id if target else None
    order.creator_id = target.creator_id if target else None
    order.code = found.code
    order.click_id = found.click_id
    order.unconverted = bool(target) and order.currency != target.campaign_currency


def keeps_purged_click(session, order, event, found):
    """True when the order was credited to a click that retention has since deleted.

    Orders outlive their clicks (`tracker purge`): a later payload or a reprocess that still
    carries that click id no longer finds the click, but the credit it earned stands unless a
    code now outranks it.
    """
    if order.method != attr.Method.CLICK or found.method in (attr.Method.CODE, attr.Method.CLICK):
        return False
    if (clues_of(event).click_id or "")[:64] != order.click_id:
        return False
    return session.exec(select(Click.id).where(Click.click_id == order.click_id)).first() is None


def stored_attribution(session, order):
    """The attribution an order holds, as the webhook reply and the CLI show it."""
    target = None
    if order.enrolment_id is not None:
        row = session.exec(_targets().where(Enrolment.id == order.enrolment_id)).first()
        target = _target(row) if row else None
    reason = attr.Reason(order.reason) if order.reason else None
    return attr.Attribution(attr.Method(order.method), reason, target, order.code, order.click_id)
