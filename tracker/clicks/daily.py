"""Click sums per link and UTC day, kept exactly in step with the raw click rows.

Counting distinct visitors over a year of raw clicks is most of a report's cost (~0.3 s per
million clicks on SQLite), so reports read these sums instead. Before a report reads a range,
refresh() compares, for every (campaign, day) in it, a fingerprint of the raw rows (how many
and the sum of their ids, read from the (campaign_id, day) index) with the fingerprint stored
beside the sums, and recounts from the raw rows every day that differs: today's new clicks,
late bulk inserts, purged days. Clicks are append-only apart from purges by date, so a day with
the same count and id sum holds the same rows.
"""

from datetime import date

from sqlalchemy import and_, case, delete, distinct, func, insert, or_, select

from tracker.models import Click, ClickDay

WHOLE_RANGE = 40  # more stale days than this: recount the range in one statement


def day_filters(day_col, *, start, end):
    """Conditions keeping `day_col` within the inclusive UTC days start..end (None: open)."""
    conds = []
    if start is not None:
        conds.append(day_col >= start)
    if end is not None:
        conds.append(day_col <= end)
    return conds


def _in_scope(campaign_col, day_col, *, campaign_id, start, end):
    conds = [] if campaign_id is None else [campaign_col == campaign_id]
    return conds + day_filters(day_col, start=start, end=end)


def _raw_fingerprints(session, **scope):
    c = Click.__table__.c
    query = (
        select(c.campaign_id, c.day, func.count(), func.sum(c.id))
        .where(*_in_scope(c.campaign_id, c.day, **scope))
        .group_by(c.campaign_id, c.day)
    )
    return {(k, as_date(d)): (int(n), int(s)) for k, d, n, s in session.execute(query)}


def _stored_fingerprints(session, **scope):
    t = ClickDay.__table__.c
    query = (
        select(t.campaign_id, t.day, func.sum(t.rows), func.sum(t.id_sum))
        .where(*_in_scope(t.campaign_id, t.day, **scope))
        .group_by(t.campaign_id, t.day)
    )
    return {(k, as_date(d)): (int(n), int(s)) for k, d, n, s in session.execute(query)}


def as_date(value):
    """A day column's value as a date (SQLite hands back ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def click_sums():
    """Human clicks, distinct human visitors and bot clicks over raw click rows, labelled.

    Grouped by link and UTC day these are a day's sums (unique clicks are distinct visitors
    per link per day): the rollup stores them and the raw-row report path counts them.
    """
    c = Click.__table__.c
    return (
        func.sum(case((c.is_bot, 0), else_=1)).label("clicks"),
        func.count(distinct(case((c.is_bot, None), else_=c.visitor))).label("unique_clicks"),
        func.sum(case((c.is_bot, 1), else_=0)).label("bot_clicks"),
    )


def _recount_statement(*where):
    c = Click.__table__.c
    sums = select(
        c.link_id, c.day, c.campaign_id, c.creator_id, *click_sums(), func.count(), func.sum(c.id),
    ).where(*where).group_by(c.campaign_id, c.day, c.link_id, c.creator_id)
    columns = ["link_id", "day", "campaign_id", "creator_id", "clicks", "unique_clicks",
               "bot_clicks", "rows", "id_sum"]
    return insert(ClickDay).from_select(columns, sums)


def refresh(session, *, campaign_id=None, start=None, end=None):
    """Recount the stale days of a range (all campaigns when campaign_id is None); commit."""
    scope = {"campaign_id": campaign_id, "start": start, "end": end}
    raw, stored = _raw_fingerprints(session, **scope), _stored_fingerprints(session, **scope)
    stale = sorted(key for key in raw.keys() | stored.keys() if raw.get(key) != stored.get(key))
    if not stale:
        session.rollback()  # end the read transaction
        return 0
    c, t = Click.__table__.c, ClickDay.__table__.c
    if len(stale) > WHOLE_RANGE:
        session.execute(delete(ClickDay).where(*_in_scope(t.campaign_id, t.day, **scope)))
        session.execute(_recount_statement(*_in_scope(c.campaign_id, c.day, **scope)))
    else:
        for key in stale:
            session.execute(delete(ClickDay).where(t.campaign_id == key[0], t.day == key[1]))
        days = or_(*[and_(c.campaign_id == k, c.day == d) for k, d in stale])
        session.execute(_recount_statement(days))
    session.commit()
    return len(stale)
