"""Retention: delete old click rows in batches. Orders are never purged."""

from datetime import UTC, datetime, time

from sqlalchemy import delete, select

from tracker.models import Click


def purge_clicks(engine, *, before, batch_size=5000, progress=None):
    """Delete clicks made before the UTC date `before`, one short transaction per batch."""
    cutoff = datetime.combine(before, time.min, tzinfo=UTC)
    old = select(Click.id).where(Click.created_at < cutoff).order_by(Click.id).limit(batch_size)
    total = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.execute(old).scalars())
            if not ids:
                return total
            conn.execute(delete(Click).where(Click.id.in_(ids)))
        total += len(ids)
        if progress:
            progress(len(ids))
