"""Blueprint for programs: the JSON API under /api/v1."""

from decimal import Decimal

from flask import Blueprint, Response, current_app, request
from pydantic import ValidationError
from sqlmodel import select

from tracker import money
from tracker.api.keys import require_api_key
from tracker.catalog import campaigns, codes, creators, enrolments, links, schemas, tiers
from tracker.config import public_origin
from tracker.db import get_session
from tracker.errors import BadRequest, Invalid, NotFound
from tracker.models import Campaign, Code, Creator, Enrolment, Link
from tracker.reports import build as reports
from tracker.reports import present

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate():
    require_api_key(get_session())


def parse(schema):
    """Validate the JSON body against a schema: 400 if unreadable, 422 naming the field."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser's stack: unreadable, not a crash
        data = None
    if data is None:
        raise BadRequest("the body must be a JSON object (Content-Type: application/json)")
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object, not a list or a value")
    try:
        return schema.model_validate(data)
    except ValidationError as err:
        field, message = schemas.field_errors(err)[0]
        raise Invalid(f"{field}: {message}" if field else message, field) from None


def page():
    """limit/offset from the query string."""
    try:
        limit = min(max(int(request.args.get("limit", 100)), 1), 1000)
        offset = max(int(request.args.get("offset", 0)), 0)
    except ValueError:
        raise Invalid("limit and offset must be integers", "limit") from None
    return limit, offset


def iso(dt):
    return None if dt is None else dt.isoformat()


def creator_json(c):
    return {
        "id": c.id, "handle": c.handle, "name": c.name, "platform": c.platform,
        "followers": c.followers,
        "tier": tiers.tier_of(c.followers, current_app.config["TIER_BANDS"]),
        "email": c.email, "engagement_rate": c.engagement_rate, "niche": c.niche,
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
    }


def campaign_json(c):
    return {
        "id": c.id, "name": c.name, "slug": c.slug, "destination_url": c.destination_url,
        "currency": c.currency, "attribution_window_days": c.attribution_window_days,
        "starts_on": c.starts_on and c.starts_on.isoformat(),
        "ends_on": c.ends_on and c.ends_on.isoformat(),
        "utm_medium": c.utm_medium, "utm_campaign": c.utm_campaign,
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
    }


def link_json(link, campaign_slug, handle):
    short = f"{public_origin()}/{link.slug}"
    return {
        "slug": link.slug, "short_url": short, "destination_url": link.destination_url,
        "tracked_url": link.target_url, "campaign": campaign_slug, "creator": handle,
        "channel": link.channel, "disabled": link.disabled,
        "qr_svg": f"{public_origin()}/api/v1/links/{link.slug}/qr.svg",
        "qr_png": f"{public_origin()}/api/v1/links/{link.slug}/qr.png",
        "created_at": iso(link.created_at),
    }


def code_json(code, campaign_slug, handle):
    discount = None
    if code.discount_type:
        discount = {"type": code.discount_type, "value": code.discount_value}
    return {
        "code": code.code, "campaign": campaign_slug, "creator": handle, "discount": discount,
        "stripe_promotion_code": code.stripe_promotion_code, "created_at": iso(code.created_at),
    }


def enrolment_json(session, enrolment, link=None, code=None):
    campaign = session.get(Campaign, enrolment.campaign_id)
    creator = session.get(Creator, enrolment.creator_id)
    cur = campaign.currency
    return {
        "creator": creator_json(creator),
        "campaign": campaign_json(campaign),
        "fee": money.format_minor(enrolment.fee_minor, cur),
        "product_cost": money.format_minor(enrolment.product_cost_minor, cur),
        "commission_rate": f"{Decimal(enrolment.commission_bp).scaleb(-4):.4f}",
        "currency": cur,
        "link": link and link_json(link, campaign.slug, creator.handle),
        "code": code and code_json(code, campaign.slug, creator.handle),
        "created_at": iso(enrolment.created_at),
    }


# --- creators ---------------------------------------------------------------------------


@bp.get("/creators")
def list_creators():
    session, (limit, offset) = get_session(), page()
    query = select(Creator).order_by(Creator.id)
    if platform := request.args.get("platform"):
        query = query.where(Creator.platform == platform.lower())
    if tier := request.args.get("tier"):
        band = tiers.tier_range(tier, current_app.config["TIER_BANDS"])
        if band is None:
            raise Invalid(f"unknown tier '{tier}'", "tier")
        query = query.where(Creator.followers >= band[0])
        query = query if band[1] is None else query.where(Creator.followers < band[1])
    if campaign := request.args.get("campaign"):
        camp = campaigns.get_campaign(session, campaign)
        query = query.join(Enrolment).where(Enrolment.campaign_id == camp.id)
    rows = session.exec(query.limit(limit).offset(offset)).all()
    return {"creators": [creator_json(c) for c in rows]}


@bp.post("/creators")
def create_creator():
    creator = creators.create_creator(get_session(), data=parse(schemas.CreatorIn))
    return creator_json(creator), 201


@bp.get("/creators/<handle>")
def read_creator(handle):
    return creator_json(creators.get_creator(get_session(), handle))


@bp.patch("/creators/<handle>")
def update_creator(handle):
    session = get_session()
    creator = creators.get_creator(session, handle)
    changes = parse(schemas.CreatorPatch)
    return creator_json(creators.update_creator(session, creator, changes=changes))


# --- campaigns and enrolment -----------------------------------------------------------


@bp.get("/campaigns")
def list_campaigns():
    session, (limit, offset) = get_session(), page()
    query = select(Campaign).order_by(Campaign.id)
    if handle := request.args.get("creator"):
        creator = creators.get_creator(session, handle)
        query = query.join(Enrolment).where(Enrolment.creator_id == creator.id)
    rows = session.exec(query.limit(limit).offset(offset)).all()
    return {"campaigns": [campaign_json(c) for c in rows]}


@bp.post("/campaigns")
def create_campaign():
    campaign = campaigns.create_campaign(get_session(), data=parse(schemas.CampaignIn))
    return campaign_json(campaign), 201


@bp.get("/campaigns/<slug>")
def read_campaign(slug):
    return campaign_json(campaigns.get_campaign(get_session(), slug))


@bp.patch("/campaigns/<slug>")
def update_campaign(slug):
    session = get_session()
    campaign = campaigns.get_campaign(session, slug)
    changes = parse(schemas.CampaignPatch)
    return campaign_json(campaigns.update_campaign(session, campaign, changes=changes))


@bp.get("/campaigns/<slug>/creators")
def list_enrolments(slug):
    session = get_session()
    campaign = campaigns.get_campaign(session, slug)
    rows = session.exec(select(Enrolment).where(Enrolment.campaign_id == campaign.id)).all()
    first = enrolments.first_links_and_codes(session, campaign.id)
    return {"enrolments": [enrolment_json(session, e, first.get((Link, e.id)),
                                          first.get((Code, e.id))) for e in rows]}


@bp.post("/campaigns/<slug>/creators")
def enrol(slug):
    session = get_session()
    campaign = campaigns.get_campaign(session, slug)
    data = parse(schemas.EnrolIn)
    enrolment, link, code = enrolments.enrol(session, campaign=campaign, data=data)
    return enrolment_json(session, enrolment, link, code), 201


# --- links and codes -------------------------------------------------------------------


def _filtered(model):
    session, (limit, offset) = get_session(), page()
    query = select(model, Campaign.slug, Creator.handle).join(Campaign).join(Creator)
    if slug := request.args.get("campaign"):
        query = query.where(Campaign.id == campaigns.get_campaign(session, slug).id)
    if handle := request.args.get("creator"):
        query = query.where(Creator.id == creators.get_creator(session, handle).id)
    return session.exec(query.order_by(model.id).limit(limit).offset(offset)).all()


def _one(model, column, value):
    session = get_session()
    query = select(model, Campaign.slug, Creator.handle).join(Campaign).join(Creator)
    row = session.exec(query.where(column == value)).first()
    if row is None:
        raise NotFound(f"no {model.__tablename__} '{value}'", model.__tablename__)
    return row


@bp.get("/links")
def list_links():
    return {"links": [link_json(*row) for row in _filtered(Link)]}


@bp.post("/links")
def create_link():
    session = get_session()
    link = enrolments.issue_link(session, data=parse(schemas.LinkIn))
    return link_json(*_one(Link, Link.id, link.id)), 201


@bp.get("/links/<slug>")
def read_link(slug):
    return link_json(*_one(Link, Link.slug, slug.lower()))


@bp.patch("/links/<slug>")
def update_link(slug):
    link, campaign, handle = _one(Link, Link.slug, slug.lower())
    link = links.update_link(get_session(), link, changes=parse(schemas.LinkPatch))
    return link_json(link, campaign, handle)


@bp.get("/links/<slug>/qr.<kind>")
def link_qr(slug, kind):
    if kind not in ("svg", "png"):
        raise NotFound("QR codes come as qr.svg or qr.png", "format")
    link = _one(Link, Link.slug, slug.lower())[0]
    image = links.qr_code(f"{public_origin()}/{link.slug}", kind=kind, scale=8)
    return Response(image, mimetype="image/svg+xml" if kind == "svg" else "image/png")


@bp.get("/codes")
def list_codes():
    return {"codes": [code_json(*row) for row in _filtered(Code)]}


@bp.post("/codes")
def create_code():
    code = enrolments.issue_code(get_session(), data=parse(schemas.CodeIn))
    return code_json(*_one(Code, Code.id, code.id)), 201


@bp.get("/codes/<code>")
def read_code(code):
    return code_json(*_one(Code, Code.code, code.upper()))


@bp.patch("/codes/<code>")
def update_code(code):
    row, campaign, handle = _one(Code, Code.code, code.upper())
    row = codes.update_code(get_session(), row, changes=parse(schemas.CodePatch))
    return code_json(row, campaign, handle)


# --- reports ---------------------------------------------------------------------------


@bp.get("/reports/<kind>")
def report(kind):
    query = present.parse_query(kind, request.args)
    if query.format == "json":
        return reports.run(get_session(), query, bands=current_app.config["TIER_BANDS"])
    return reports.csv_download(get_session(), query, bands=current_app.config["TIER_BANDS"])
