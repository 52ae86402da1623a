"""Find creators, campaigns and enrolments by their public keys; commit or name the clash."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tracker.errors import Conflict, NotFound
from tracker.models import Campaign, Creator, Enrolment


def commit_or_conflict(session, conflict_message, field):
    """Commit; a unique constraint hit between check and insert becomes a 409 on `field`."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(conflict_message, field) from None


def get_creator(session, handle):
    """Find a creator by handle (case-insensitive, leading @ ignored) or raise NotFound."""
    key = str(handle).strip().lstrip("@").lower()
    creator = session.exec(select(Creator).where(Creator.handle == key)).first()
    if creator is None:
        raise NotFound(f"no creator with handle '{key}'", "creator")
    return creator


def get_campaign(session, slug):
    """Find a campaign by slug (case-insensitive) or raise NotFound."""
    key = str(slug).strip().lower()
    campaign = session.exec(select(Campaign).where(Campaign.slug == key)).first()
    if campaign is None:
        raise NotFound(f"no campaign with slug '{key}'", "campaign")
    return campaign


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
