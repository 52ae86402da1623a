"""Read-only listings the dashboard shows: creators, enrolments with links and codes, orders."""

from sqlalchemy import func
from sqlmodel import select

from tracker.models import Campaign, Code, Creator, Enrolment, Link, Order

PAGE = 100


def creators_page(session, *, search=None, page=1):
    """A page of creators by handle, optionally those whose handle or name contains search."""
    query = select(Creator)
    if search:
        pattern = f"%{search.strip().lstrip('@').lower()}%"
        query = query.where(Creator.handle.like(pattern) | func.lower(Creator.name).like(pattern))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Creator.handle).limit(PAGE).offset((page - 1) * PAGE))
    return rows.all(), total


def not_enrolled(session, campaign, limit=500):
    """Handles of creators not yet in the campaign, for the enrol form's suggestions."""
    enrolled = select(Enrolment.creator_id).where(Enrolment.campaign_id == campaign.id)
    query = select(Creator.handle).where(Creator.id.not_in(enrolled)).order_by(Creator.handle)
    return session.exec(query.limit(limit)).all()


def enrolled_count(session, campaign_id):
    """How many creators a campaign has."""
    query = select(func.count()).where(Enrolment.campaign_id == campaign_id)
    return session.exec(query).one()


def links_and_codes(session, enrolment):
    """The enrolment's links and codes, oldest first."""
    links = session.exec(
        select(Link).where(Link.enrolment_id == enrolment.id).order_by(Link.id)
    ).all()
    codes = session.exec(
        select(Code).where(Code.enrolment_id == enrolment.id).order_by(Code.id)
    ).all()
    return links, codes


def first_links_and_codes(session, campaign_id):
    """{(Link or Code, enrolment id): the first one} for a campaign: those issued at enrolment."""
    enrolled = select(Enrolment.id).where(Enrolment.campaign_id == campaign_id)
    first = {}
    for model in (Link, Code):
        issued = select(model).where(model.enrolment_id.in_(enrolled)).order_by(model.id)
        for item in session.exec(issued).all():
            first.setdefault((model, item.enrolment_id), item)
    return first


def enrolments_of(session, creator):
    """[(enrolment, campaign, links, codes)] for every campaign the creator is in."""
    rows = session.exec(
        select(Enrolment, Campaign)
        .join(Campaign, Enrolment.campaign_id == Campaign.id)
        .where(Enrolment.creator_id == creator.id)
        .order_by(Campaign.created_at.desc())
    ).all()
    return [(e, c, *links_and_codes(session, e)) for e, c in rows]


def orders_of(session, creator, limit=PAGE):
    """The creator's latest orders with their campaign's slug."""
    query = (
        select(Order, Campaign.slug)
        .outerjoin(Campaign, Order.campaign_id == Campaign.id)
        .where(Order.creator_id == creator.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )
    return session.exec(query.limit(limit)).all()


def unattributed(session, *, page=1):
    """A page of orders no creator was credited with, newest first, and how many there are."""
    condition = Order.method == "none"
    total = session.exec(select(func.count()).select_from(Order).where(condition)).one()
    query = select(Order).where(condition).order_by(Order.placed_at.desc(), Order.id.desc())
    rows = session.exec(query.limit(PAGE).offset((page - 1) * PAGE)).all()
    return rows, total


def link_by_slug(session, slug):
    """The link with this slug (any case), or None."""
    return session.exec(select(Link).where(Link.slug == str(slug).lower())).first()
