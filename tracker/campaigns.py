"""Creators, campaigns, enrolments, links and codes: the domain functions behind API and CLI."""

import re
import secrets
import unicodedata
from datetime import UTC, datetime
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tracker import money
from tracker.errors import Conflict, Invalid, NotFound
from tracker.models import Campaign, Code, Creator, Enrolment, Link, Order
from tracker.schemas import RESERVED

SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud or typed from a story


def utcnow():
    """Current time, aware, in UTC."""
    return datetime.now(UTC)


def tier_of(followers, bands):
    """Name of the follower tier band a follower count falls in."""
    name = bands[0][1]
    for low, band in bands:
        if followers >= low:
            name = band
    return name


def tier_range(tier, bands):
    """(min, max-exclusive or None) followers for a tier name, or None if unknown."""
    for i, (low, name) in enumerate(bands):
        if name == tier:
            return low, bands[i + 1][0] if i + 1 < len(bands) else None
    return None


def _commit(session, conflict_message, field):
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(conflict_message, field) from None


# --- creators ---------------------------------------------------------------------------


def get_creator(session, handle):
    """Find a creator by handle (case-insensitive, leading @ ignored) or raise NotFound."""
    key = str(handle).strip().lstrip("@").lower()
    creator = session.exec(select(Creator).where(Creator.handle == key)).first()
    if creator is None:
        raise NotFound(f"no creator with handle '{key}'", "creator")
    return creator


def create_creator(session, *, data):
    """Create a creator from a validated CreatorIn."""
    if session.exec(select(Creator.id).where(Creator.handle == data.handle)).first():
        raise Conflict(f"a creator with handle '{data.handle}' exists", "handle")
    now = utcnow()
    creator = Creator(**_plain(data.model_dump()), created_at=now, updated_at=now)
    session.add(creator)
    _commit(session, f"a creator with handle '{data.handle}' exists", "handle")
    return creator


def update_creator(session, creator, *, changes):
    """Apply a validated CreatorPatch; re-derive link UTMs if handle or platform changed."""
    fields = _plain(changes.model_dump(exclude_unset=True))
    if fields.get("handle") and fields["handle"] != creator.handle:
        if session.exec(select(Creator.id).where(Creator.handle == fields["handle"])).first():
            raise Conflict(f"a creator with handle '{fields['handle']}' exists", "handle")
    for name, value in fields.items():
        if value is not None or name in ("email", "engagement_rate", "niche"):
            setattr(creator, name, value)
    creator.updated_at = utcnow()
    session.add(creator)
    if {"handle", "platform"} & fields.keys():
        _refresh_targets(session, Link.creator_id == creator.id)
    _commit(session, "handle already taken", "handle")
    return creator


def _plain(fields):
    if fields.get("engagement_rate") is not None:
        fields["engagement_rate"] = float(fields["engagement_rate"])
    return fields


# --- campaigns --------------------------------------------------------------------------


def get_campaign(session, slug):
    """Find a campaign by slug (case-insensitive) or raise NotFound."""
    key = str(slug).strip().lower()
    campaign = session.exec(select(Campaign).where(Campaign.slug == key)).first()
    if campaign is None:
        raise NotFound(f"no campaign with slug '{key}'", "campaign")
    return campaign


def slugify(text):
    """Make a URL slug out of a name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()  # é -> e
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:50].strip("-")
    return slug or "campaign"


def create_campaign(session, *, data):
    """Create a campaign from a validated CampaignIn; derive a free slug when none is given."""
    slug = data.slug
    if slug is None:
        base = slugify(data.name)
        base = f"{base}-campaign" if base in RESERVED else base
        slug, n = base, 1
        while session.exec(select(Campaign.id).where(Campaign.slug == slug)).first():
            n += 1
            slug = f"{base}-{n}"
    elif session.exec(select(Campaign.id).where(Campaign.slug == slug)).first():
        raise Conflict(f"a campaign with slug '{slug}' exists", "slug")
    now = utcnow()
    fields = data.model_dump(exclude={"slug", "utm_campaign"})
    campaign = Campaign(
        **fields, slug=slug, utm_campaign=data.utm_campaign or slug, created_at=now, updated_at=now
    )
    session.add(campaign)
    _commit(session, f"a campaign with slug '{slug}' exists", "slug")
    return campaign


def _has_money(session, campaign):
    enrolled = select(Enrolment.id).where(Enrolment.campaign_id == campaign.id)
    ordered = select(Order.id).where(Order.campaign_id == campaign.id)
    return bool(session.exec(enrolled).first() or session.exec(ordered).first())


def update_campaign(session, campaign, *, changes):
    """Apply a validated CampaignPatch; re-derive link UTMs when they depend on it."""
    fields = changes.model_dump(exclude_unset=True)
    old_destination = campaign.destination_url
    if fields.get("slug") and fields["slug"] != campaign.slug:
        if session.exec(select(Campaign.id).where(Campaign.slug == fields["slug"])).first():
            raise Conflict(f"a campaign with slug '{fields['slug']}' exists", "slug")
    if fields.get("currency") and fields["currency"] != campaign.currency and _has_money(
        session, campaign
    ):
        # Fees, costs and orders are stored in minor units of the old currency.
        raise Conflict(
            f"the campaign has enrolments or orders in {campaign.currency}; "
            "create a new campaign for another currency", "currency",
        )  # fmt: skip
    for name, value in fields.items():
        if value is not None or name in ("starts_on", "ends_on"):
            setattr(campaign, name, value)
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise Invalid("must not be before starts_on", "ends_on")
    campaign.updated_at = utcnow()
    session.add(campaign)
    if campaign.destination_url != old_destination:
        # Links issued with the campaign's destination follow it; links given their own keep it.
        for link in session.exec(
            select(Link).where(
                Link.campaign_id == campaign.id, Link.destination_url == old_destination
            )
        ).all():
            link.destination_url = campaign.destination_url
            session.add(link)
    if {"utm_medium", "utm_campaign", "destination_url"} & fields.keys():
        _refresh_targets(session, Link.campaign_id == campaign.id)
    _commit(session, "slug already taken", "slug")
    return campaign


# --- enrolment, links, codes -----------------------------------------------------------


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
    if data.code and _code_taken(session, data.code):
        raise Conflict(f"code '{data.code}' is taken", "code")
    fee = _minor(data.fee, campaign.currency, "fee")
    product_cost = _minor(data.product_cost, campaign.currency, "product_cost")
    _check_discount(data.discount, campaign.currency)
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
    link = _new_link(session, enrolment, campaign, creator, slug=None, destination=None)
    code = _new_code(session, enrolment, creator, code=data.code, discount=data.discount)
    _commit(session, "enrolment, link or code already exists", "creator")
    return enrolment, link, code


def _minor(amount, currency, field):
    try:
        return money.to_minor(amount, currency)
    except money.MoneyError as err:
        raise Invalid(f"{field}: {err}", field) from None


def _check_discount(discount, currency):
    # A fixed discount is an amount of the campaign's currency: no sub-cent values.
    if discount is not None and discount.type == "fixed":
        _minor(discount.value, currency, "discount.value")


def create_link(session, *, data):
    """Issue another link for an enrolled creator."""
    campaign = get_campaign(session, data.campaign)
    creator = get_creator(session, data.creator)
    enrolment = get_enrolment(session, campaign, creator)
    if data.slug and session.exec(select(Link.id).where(Link.slug == data.slug)).first():
        raise Conflict(f"a link with slug '{data.slug}' exists", "slug")
    link = _new_link(
        session, enrolment, campaign, creator, slug=data.slug, destination=data.destination_url
    )
    link.channel = data.channel
    _commit(session, f"a link with slug '{data.slug}' exists", "slug")
    return link


def update_link(session, link, *, changes):
    """Change a link's destination, channel or disabled flag."""
    fields = changes.model_dump(exclude_unset=True)
    for name, value in fields.items():
        if value is not None or name == "channel":
            setattr(link, name, value)
    if fields.get("destination_url"):
        campaign = session.get(Campaign, link.campaign_id)
        creator = session.get(Creator, link.creator_id)
        link.target_url = tracked_url(link.destination_url, campaign, creator)
    session.add(link)
    session.commit()
    return link


def create_code(session, *, data):
    """Issue another discount code for an enrolled creator."""
    campaign = get_campaign(session, data.campaign)
    creator = get_creator(session, data.creator)
    enrolment = get_enrolment(session, campaign, creator)
    if data.code and _code_taken(session, data.code):
        raise Conflict(f"code '{data.code}' is taken", "code")
    _check_promotion_code(session, data.stripe_promotion_code)
    _check_discount(data.discount, campaign.currency)
    code = _new_code(session, enrolment, creator, code=data.code, discount=data.discount)
    code.stripe_promotion_code = data.stripe_promotion_code
    _commit(session, "code or promotion code already taken", "code")
    return code


def update_code(session, code, *, changes):
    """Map a Stripe promotion code or change the recorded discount."""
    fields = changes.model_dump(exclude_unset=True)
    if "stripe_promotion_code" in fields:
        if fields["stripe_promotion_code"] != code.stripe_promotion_code:
            _check_promotion_code(session, fields["stripe_promotion_code"])
        code.stripe_promotion_code = fields["stripe_promotion_code"]
    if "discount" in fields:
        _check_discount(changes.discount, session.get(Campaign, code.campaign_id).currency)
        code.discount_type, code.discount_value = _discount_fields(changes.discount)
    session.add(code)
    _commit(session, "promotion code already mapped", "stripe_promotion_code")
    return code


def _check_promotion_code(session, promo):
    if promo and session.exec(select(Code.id).where(Code.stripe_promotion_code == promo)).first():
        raise Conflict(f"promotion code '{promo}' is mapped already", "stripe_promotion_code")


def _code_taken(session, code):
    return session.exec(select(Code.id).where(Code.code == code.upper())).first() is not None


def _discount_fields(discount):
    if discount is None:
        return None, None
    return discount.type, format(discount.value.normalize(), "f")


def _new_code(session, enrolment, creator, *, code, discount):
    if code is None:
        code = generate_code(session, creator.handle, discount)
    kind, value = _discount_fields(discount)
    row = Code(
        code=code,
        enrolment_id=enrolment.id,
        campaign_id=enrolment.campaign_id,
        creator_id=creator.id,
        discount_type=kind,
        discount_value=value,
        created_at=utcnow(),
    )
    session.add(row)
    return row


def generate_code(session, handle, discount):
    """A readable code from the handle (MAYA15), suffixed -2, -3... when taken."""
    stem = re.sub(r"[^A-Z0-9]", "", handle.upper())[:16] or "CODE"
    percent = discount is not None and discount.type == "percent"
    if percent and discount.value == int(discount.value):
        stem += str(int(discount.value))
    if len(stem) < 2:
        stem += "X"
    candidate, n = stem, 1
    while _code_taken(session, candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _new_link(session, enrolment, campaign, creator, *, slug, destination):
    if slug is None:
        slug = generate_slug(session)
    destination = destination or campaign.destination_url
    link = Link(
        slug=slug,
        enrolment_id=enrolment.id,
        campaign_id=campaign.id,
        creator_id=creator.id,
        destination_url=destination,
        target_url=tracked_url(destination, campaign, creator),
        created_at=utcnow(),
    )
    session.add(link)
    return link


def generate_slug(session, length=7):
    """An unused random slug that is easy to type."""
    while True:
        slug = "".join(secrets.choice(SLUG_ALPHABET) for _ in range(length))
        if slug in RESERVED:  # e.g. "metrics" is 7 letters of the alphabet
            continue
        if not session.exec(select(Link.id).where(Link.slug == slug)).first():
            return slug


def tracked_url(destination, campaign, creator):
    """The destination with UTM parameters merged into its own query (ours win on clashes)."""
    parts = urlsplit(destination)
    utm = {
        "utm_source": creator.platform,
        "utm_medium": campaign.utm_medium,
        "utm_campaign": campaign.utm_campaign,
        "utm_content": creator.handle,
    }
    # The destination's own parameters are kept byte for byte (decoding and re-encoding them
    # would alter values the shop relies on, e.g. a non-UTF-8 %E9 or a bare `?preview`).
    kept = [
        p for p in parts.query.split("&")
        if p and unquote_plus(p.partition("=")[0]) not in utm
    ]  # fmt: skip
    return urlunsplit(parts._replace(query="&".join([*kept, urlencode(utm)])))


def _refresh_targets(session, condition):
    session.flush()
    for link in session.exec(select(Link).where(condition)).all():
        campaign = session.get(Campaign, link.campaign_id)
        creator = session.get(Creator, link.creator_id)
        link.target_url = tracked_url(link.destination_url, campaign, creator)
        session.add(link)
