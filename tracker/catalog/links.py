"""Tracked links: issue, change, and derive the UTM-tagged target a short link redirects to."""

import io
import secrets
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

import segno
from sqlmodel import select

from tracker.clock import utcnow
from tracker.models import Campaign, Creator, Link

# First path segments that belong to the service, never to a short link.
RESERVED = frozenset(
    "api webhooks dashboard login logout static healthz metrics admin assets favicon.ico "
    "robots.txt docs help settings".split()
)
SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud or typed from a story


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


def new_link(session, enrolment, campaign, creator, *, slug, destination):
    """Add (uncommitted) a link for an enrolment; a free slug when none is given."""
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
    ]
    return urlunsplit(parts._replace(query="&".join([*kept, urlencode(utm)])))


def qr_code(url, *, kind, scale):
    """A QR code of `url` as an SVG document or PNG image (bytes), 2 modules of margin."""
    # A standalone SVG document (with xmlns): browsers show nothing in an <img> without it.
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind=kind, scale=scale, border=2)
    return buffer.getvalue()


def refresh_targets(session, condition):
    """Re-derive the target URL of every link matching `condition` (uncommitted)."""
    session.flush()
    for link in session.exec(select(Link).where(condition)).all():
        campaign = session.get(Campaign, link.campaign_id)
        creator = session.get(Creator, link.creator_id)
        link.target_url = tracked_url(link.destination_url, campaign, creator)
        session.add(link)


def link_by_slug(session, slug):
    """The link with this slug (any case), or None."""
    return session.exec(select(Link).where(Link.slug == str(slug).lower())).first()
