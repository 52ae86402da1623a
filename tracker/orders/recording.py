"""Record an order event exactly once, attribute it, and apply refunds and cancellations.

Exactly once comes from the database, never from locks in memory: orders are unique by
(platform, store, external_id) and refunds by (platform, store, order, refund id). When two
processes race, the loser's insert fails, it rolls back and re-reads what the winner stored.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tracker import money
from tracker.models import Enrolment, Order, Refund
from tracker.orders import attribution as attr
from tracker.orders.credit import attribute, attribution_for, keeps_purged_click, stored_attribution
from tracker.stores.events import Kind, PayloadError

RETRIES = 4  # re-reads after losing an insert race; more would mean something else is wrong
CANCELLED = "cancelled"
MAX_MINOR = 2**31 - 1  # INTEGER columns: 21,474,836.47 in a two-decimal currency
STATUS_RANK = {"pending": 0, "paid": 1, CANCELLED: 2}


class Status(StrEnum):
    RECORDED = "recorded"  # a new order, or a refund kept until its order arrives
    UPDATED = "updated"  # an existing order changed (newer state, a new refund, re-attribution)
    DUPLICATE = "duplicate"  # nothing new: a retry, the same order again, or a stale payload
    IGNORED = "ignored"  # a topic we do not act on


@dataclass(frozen=True)
class Outcome:
    status: Status
    order: Order | None = None
    attribution: attr.Attribution | None = None


def record_event(session, event, *, now):
    """Store what an OrderEvent says, at most once, and return what happened."""
    if event.kind is Kind.IGNORED:
        return Outcome(Status.IGNORED)
    for attempt in range(RETRIES):
        try:
            outcome = _apply(session, event, now=now)
            session.commit()
            return _resettle(session, event, outcome, now=now)
        except IntegrityError:
            # another delivery of the same order or refund committed first: start again
            # from what it stored, which turns this one into an update or a duplicate
            session.rollback()
            if attempt == RETRIES - 1:
                raise
        except Exception:
            session.rollback()  # nothing half-applied may ride along with a later commit
            raise
    raise AssertionError("unreachable")


def _apply(session, event, *, now):
    order = session.exec(_order_query(event).with_for_update()).first()
    currency = event.currency or (order.currency if order else None)
    new_refunds = _store_refunds(session, event, currency=currency, now=now)
    has_data = None not in (event.amount, event.currency, event.placed_at)
    if order is None and not has_data:
        # a refund (or a bare cancellation) before its order: the refund waits in its table
        status = Status.RECORDED if new_refunds else Status.DUPLICATE
        return Outcome(status)
    fresh = has_data and (order is None or not _stale(event, order))
    before = None if order is None else _snapshot(order)
    if order is None:
        order = Order(platform=event.platform, store=event.store, external_id=event.order_id,
                      created_at=now, updated_at=now, **_order_fields(event))
        session.add(order)
    elif fresh:
        _update_fields(order, event)
    if fresh:
        # attribution is re-run on every fresh payload, so `tracker reprocess` can credit
        # orders to codes or enrolments added after they arrived
        found = attribution_for(session, event)
        if keeps_purged_click(session, order, event, found):
            found = stored_attribution(session, order)
        attribute(order, found)
    _settle(session, order)
    if before is None:
        status = Status.RECORDED
    else:
        status = Status.UPDATED if _snapshot(order) != before else Status.DUPLICATE
    if status is not Status.DUPLICATE:
        order.updated_at = now
    session.flush()  # an insert race shows up here, inside the retry loop
    return Outcome(status, order, stored_attribution(session, order))


def _resettle(session, event, outcome, *, now):
    """Settle the order once more after committing: a refund and its order arriving at the
    same moment each miss the other's uncommitted row, but whichever commits last sees both."""
    order = session.exec(_order_query(event).with_for_update()).first()
    if order is None:
        return outcome
    before = _snapshot(order)
    _settle(session, order)
    if _snapshot(order) == before:
        session.rollback()  # nothing to write; ends the transaction (and its row lock)
        if outcome.order is None:  # the order arrived meanwhile and took the refund in
            status = Status.UPDATED if outcome.status is Status.RECORDED else outcome.status
            return Outcome(status, order, stored_attribution(session, order))
        return outcome
    order.updated_at = now
    session.commit()
    created = outcome.status is Status.RECORDED and outcome.order is not None
    status = Status.RECORDED if created else Status.UPDATED
    return Outcome(status, order, stored_attribution(session, order))


def duplicate_of(session, event):
    """The reply to a delivery seen before: its order (if it has one) as it stands now."""
    order = session.exec(_order_query(event)).first()
    attribution = stored_attribution(session, order) if order else None
    return Outcome(Status.DUPLICATE, order, attribution)


def _order_query(event):
    return select(Order).where(
        Order.platform == event.platform,
        Order.store == event.store,
        Order.external_id == event.order_id,
    )


def _status_of(event):
    if event.kind is Kind.CANCEL or event.status == CANCELLED:
        return CANCELLED
    return event.status or "paid"


def _order_fields(event):
    currency = _currency(event.currency)
    return {
        "status": _status_of(event),
        "placed_at": event.placed_at,
        "day": event.placed_at.date(),
        "currency": currency,
        "amount_minor": storable_minor(event.amount, currency),
        "landing_url": (event.landing_url or None) and event.landing_url[:2048],
        "customer_hash": event.customer_hash,
        "source_updated_at": event.updated_at,
    }


def _currency(value):
    try:
        return money.currency_code(value)
    except money.MoneyError as err:
        raise PayloadError(str(err), "currency") from None


def _stale(event, order):
    """True when the event is older than what the order already holds."""
    stored = order.source_updated_at
    return event.updated_at is not None and stored is not None and event.updated_at < stored


def _update_fields(order, event):
    fields = _order_fields(event)
    strictly_newer = event.updated_at is not None and (
        order.source_updated_at is None or event.updated_at > order.source_updated_at
    )
    if not strictly_newer:
        # without a newer timestamp a status only moves forward: a retried "paid" never
        # revives a cancelled order, a late "pending" never un-pays one
        fields["status"] = max(order.status, fields["status"], key=STATUS_RANK.get)
    if event.updated_at is None:
        fields["source_updated_at"] = order.source_updated_at
    if not fields["landing_url"]:
        fields.pop("landing_url")  # some topics omit it; keep what an earlier one said
    for name, value in fields.items():
        setattr(order, name, value)


def _snapshot(order):
    return tuple(getattr(order, c.name) for c in Order.__table__.columns if c.name != "updated_at")


def storable_minor(amount, currency, field="amount"):
    """A store's amount in integer minor units (half up), or PayloadError if it cannot fit."""
    value = money.to_minor(amount, currency, rounding=ROUND_HALF_UP)
    if abs(value) > MAX_MINOR:
        # the columns are 32-bit integers on PostgreSQL: refuse, never fail on every retry
        raise PayloadError(f"{field} is too large to store ({amount} {currency})", field)
    return value


# --- refunds ------------------------------------------------------------------------------


def _store_refunds(session, event, *, currency, now):
    """Insert refunds not stored yet; True if any was new."""
    wanted = {r.refund_id: (False, r.amount) for r in event.refunds}
    if event.refunded_total is not None and event.refunded_total > 0:
        # one row per distinct cumulative total, so "the largest seen" needs no update race
        total = event.refunded_total
        wanted[f"total:{total.normalize():f}"] = (True, total)
    if not wanted:
        return False
    if currency is None:
        raise PayloadError("a refund for an unknown order must say its currency", "currency")
    currency = _currency(currency)
    key = (Refund.platform == event.platform, Refund.store == event.store,
           Refund.order_ref == event.order_id)
    have = set(session.exec(select(Refund.refund_id).where(*key)).all())
    for refund_id, (cumulative, amount) in wanted.items():
        if refund_id[:255] in have:
            continue
        session.add(Refund(platform=event.platform, store=event.store, order_ref=event.order_id,
                           refund_id=refund_id[:255], cumulative=cumulative, currency=currency,
                           amount_minor=abs(storable_minor(amount, currency, "refunds")),
                           created_at=now))
    new = any(refund_id[:255] not in have for refund_id in wanted)
    if new:
        session.flush()
    return new


def _settle(session, order):
    """Recompute refunded and commission from the stored refunds and the enrolment."""
    rows = session.exec(
        select(Refund.cumulative, Refund.amount_minor).where(
            Refund.platform == order.platform,
            Refund.store == order.store,
            Refund.order_ref == order.external_id,
            Refund.currency == order.currency,
        )
    ).all()
    singles = sum(amount for cumulative, amount in rows if not cumulative)
    totals = max((amount for cumulative, amount in rows if cumulative), default=0)
    order.refunded_minor = min(order.amount_minor, max(singles, totals))
    bp = 0
    if order.enrolment_id is not None and order.status != CANCELLED:
        bp = session.get(Enrolment, order.enrolment_id).commission_bp
    net = order.amount_minor - order.refunded_minor
    order.commission_minor = money.round_minor(Decimal(bp) * net / 10000)
