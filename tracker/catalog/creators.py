"""Creators: find, add and change them; the handle is their public key."""

from sqlalchemy import func
from sqlmodel import select

from tracker.catalog.links import refresh_targets
from tracker.clock import utcnow
from tracker.db import commit_or_conflict
from tracker.errors import Conflict, NotFound
from tracker.models import Creator, Link


def handle_key(handle):
    """A handle as stored: lower case, without the leading @ (platforms ignore case)."""
    return str(handle).strip().lstrip("@").lower()


def get_creator(session, handle):
    """Find a creator by handle (case-insensitive, leading @ ignored) or raise NotFound."""
    key = handle_key(handle)
    creator = session.exec(select(Creator).where(Creator.handle == key)).first()
    if creator is None:
        raise NotFound(f"no creator with handle '{key}'", "creator")
    return creator


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


def creators_page(session, *, size, search=None, page=1):
    """A page of creators by handle, optionally those whose handle or name contains search."""
    query = select(Creator)
    if search:
        pattern = f"%{handle_key(search)}%"
        query = query.where(Creator.handle.like(pattern) | func.lower(Creator.name).like(pattern))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Creator.handle).limit(size).offset((page - 1) * size))
    return rows.all(), total
