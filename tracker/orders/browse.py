"""Orders as marketers browse them: a creator's latest, and those no creator was credited with."""

from sqlalchemy import func
from sqlmodel import select

from tracker.models import Campaign, Order


def orders_of(session, creator, *, limit):
    """The creator's latest orders with their campaign's slug."""
    query = (
        select(Order, Campaign.slug)
        .outerjoin(Campaign, Order.campaign_id == Campaign.id)
        .where(Order.creator_id == creator.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )
    return session.exec(query.limit(limit)).all()


def unattributed(session, *, size, page=1):
    """A page of orders no creator was credited with, newest first, and how many there are."""
    condition = Order.method == "none"
    total = session.exec(select(func.count()).select_from(Order).where(condition)).one()
    query = select(Order).where(condition).order_by(Order.placed_at.desc(), Order.id.desc())
    rows = session.exec(query.limit(size).offset((page - 1) * size)).all()
    return rows, total
