"""Enrolments: a creator in a campaign, with the links and codes issued to them."""

from sqlalchemy import func
from sqlmodel import select

from tracker.catalog.campaigns import get_campaign
from tracker.catalog.codes import (
    check_discount,
    check_promotion_code,
    checked_minor,
    code_taken,
    new_code,
)
from tracker.catalog.creators import get_creator
from tracker.catalog.links import new_link
from tracker.clock import utcnow
from tracker.db import commit_or_conflict
from tracker.errors import Conflict, NotFound
from tracker.models import Campaign, Code, Creator, Enrolment, Link


def get_enrolment(session, campaign, creator):
    """The enrolment of a creator in a campaign, or NotFound."""
    enrolment = session.exec(
        select(Enrolment).where(
            Enrolment.campaign_id == campaign.id, Enrolment.creator_id == creator.id
        )
    ).first()
    if enrolment is None:
        raise NotFound(f"'{creator.handle}' is not enrolled in '{campaign.slug}'", "creator")
    return enrolment


def enrol(session, *, campaign, data):
    """Enrol a creator in a campaign and issue their first link and code."""
    creator = get_creator(session, data.creator)
    exists = session.exec(
        select(Enrolment.id).where(
            Enrolment.campaign_id == campaign.id, Enrolment.creator_id == creator.id
        )
    ).first()
    if exists:
        raise Conflict(f"'{creator.handle}' is already enrolled in '{campaign.slug}'", "creator")
    if data.code and code_taken(session, data.code):
        raise Conflict(f"code '{data.code}' is taken", "code")
    fee = checked_minor(data.fee, campaign.currency, "fee")
    product_cost = checked_minor(data.product_cost, campaign.currency, "product_cost")
    check_discount(data.discount, campaign.currency)
    enrolment = Enrolment(
        campaign_id=campaign.id,
        creator_id=creator.id,
        fee_minor=fee,
        product_cost_minor=product_cost,
        commission_bp=int(data.commission_rate.scaleb(4)),
        created_at=utcnow(),
    )
    session.add(enrolment)
    session.flush()
    link = new_link(session, enrolment, campaign, creator, slug=None, destination=None)
    code = new_code(session, enrolment, creator, code=data.code, discount=data.discount)
    commit_or_conflict(session, "enrolment, link or code already exists", "creator")
    return enrolment, link, code


def issue_link(session, *, data):
    """Issue another link for an enrolled creator."""
    campaign = get_campaign(session, data.campaign)
    creator = get_creator(session, data.creator)
    enrolment = get_enrolment(session, campaign, creator)
    if data.slug and session.exec(select(Link.id).where(Link.slug == data.slug)).first():
        raise Conflict(f"a link with slug '{data.slug}' exists", "slug")
    link = new_link(
        session, enrolment, campaign, creator, slug=data.slug, destination=data.destination_url
    )
    link.channel = data.channel
    commit_or_conflict(session, f"a link with slug '{data.slug}' exists", "slug")
    return link


def issue_code(session, *, data):
    """Issue another discount code for an enrolled creator."""
    campaign = get_campaign(session, data.campaign)
    creator = get_creator(session, data.creator)
    enrolment = get_enrolment(session, campaign, creator)
    if data.code and code_taken(session, data.code):
        raise Conflict(f"code '{data.code}' is taken", "code")
    check_promotion_code(session, data.stripe_promotion_code)
    check_discount(data.discount, campaign.currency)
    code = new_code(session, enrolment, creator, code=data.code, discount=data.discount)
    code.stripe_promotion_code = data.stripe_promotion_code
    commit_or_conflict(session, "code or promotion code already taken", "code")
    return code


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
