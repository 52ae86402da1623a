"""Campaigns: find, create and change them; a campaign's slug is its public key."""

import re
import unicodedata

from sqlmodel import select

from tracker.catalog.links import RESERVED, refresh_targets
from tracker.clock import utcnow
from tracker.db import commit_or_conflict
from tracker.errors import Conflict, Invalid, NotFound
from tracker.models import Campaign, Enrolment, Link, Order


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
        )
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
