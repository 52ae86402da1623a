"""Creators, campaigns and enrolments: the domain functions behind API and CLI.

Links live in tracker.links, codes in tracker.codes, lookups in tracker.lookups.
"""

import re
import unicodedata

from sqlmodel import select

from tracker.catalog.codes import check_discount, code_taken, minor, new_code
from tracker.catalog.links import new_link, refresh_targets
from tracker.catalog.lookups import commit_or_conflict, get_campaign, get_creator, get_enrolment
from tracker.catalog.schemas import RESERVED
from tracker.clock import utcnow
from tracker.errors import Conflict, Invalid
from tracker.models import Campaign, Creator, Enrolment, Link, Order

# The lookups are part of this module's API (api, pages, reports call domain.get_campaign).
__all__ = [
    "create_campaign", "create_creator", "creator_fields", "enrol", "get_campaign",
    "get_creator", "get_enrolment", "slugify", "tier_of", "tier_range", "update_campaign",
    "update_creator",
]


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


# --- creators ---------------------------------------------------------------------------


def create_creator(session, *, data):
    """Create a creator from a validated CreatorIn."""
    if session.exec(select(Creator.id).where(Creator.handle == data.handle)).first():
        raise Conflict(f"a creator with handle '{data.handle}' exists", "handle")
    now = utcnow()
    creator = Creator(**creator_fields(data.model_dump()), created_at=now, updated_at=now)
    session.add(creator)
    commit_or_conflict(session, f"a creator with handle '{data.handle}' exists", "handle")
    return creator


def update_creator(session, creator, *, changes):
    """Apply a validated CreatorPatch; re-derive link UTMs if handle or platform changed."""
    fields = creator_fields(changes.model_dump(exclude_unset=True))
    if fields.get("handle") and fields["handle"] != creator.handle:
        if session.exec(select(Creator.id).where(Creator.handle == fields["handle"])).first():
            raise Conflict(f"a creator with handle '{fields['handle']}' exists", "handle")
    for name, value in fields.items():
        if value is not None or name in ("email", "engagement_rate", "niche"):
            setattr(creator, name, value)
    creator.updated_at = utcnow()
    session.add(creator)
    if {"handle", "platform"} & fields.keys():
        refresh_targets(session, Link.creator_id == creator.id)
    commit_or_conflict(session, "handle already taken", "handle")
    return creator


def creator_fields(fields):
    """Creator fields as stored: the engagement rate column holds a float, not a Decimal."""
    if fields.get("engagement_rate") is not None:
        fields["engagement_rate"] = float(fields["engagement_rate"])
    return fields


# --- campaigns --------------------------------------------------------------------------


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
    commit_or_conflict(session, f"a campaign with slug '{slug}' exists", "slug")
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
        refresh_targets(session, Link.campaign_id == campaign.id)
    commit_or_conflict(session, "slug already taken", "slug")
    return campaign


# --- enrolment --------------------------------------------------------------------------


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
    fee = minor(data.fee, campaign.currency, "fee")
    product_cost = minor(data.product_cost, campaign.currency, "product_cost")
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
