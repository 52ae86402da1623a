"""Keep every verified webhook delivery before acting on it, and replay them (`reprocess`).

The raw body is committed before the order is touched, so an acknowledged delivery is never
lost: if recording fails half way, the store's retry (or `tracker reprocess`) finishes it.
"""

import json
from collections import Counter

from sqlalchemy.exc import IntegrityError
from sqlmodel import select, update

from tracker.models import Delivery
from tracker.orders import recording as orders
from tracker.stores import platforms
from tracker.stores.events import PayloadError

FINAL = {"recorded", "updated", "duplicate", "ignored"}  # outcomes that need no second look
PRIVATE_HEADERS = {"cookie", "authorization"}
TOPIC_HEADERS = ("x-shopify-topic", "shopify-topic", "x-wc-webhook-topic")
# WooCommerce's X-WC-Webhook-Delivery-ID is a hash of the webhook id and the current second,
# so two orders sent in the same second share it; it never retries either. Its deliveries are
# therefore not deduplicated by that id (orders and refunds still are, by their own ids).
SHARED_DELIVERY_IDS = {"woocommerce"}


def receive(session, *, platform, body, headers, now, click_param):
    """Store a verified delivery, then parse and record it; PayloadError for a bad body."""
    kept = dict((k, v) for k, v in headers.items() if k.lower() not in PRIVATE_HEADERS)
    try:
        event = platforms.parse(platform, body, kept, now=now, click_param=click_param)
    except PayloadError as err:
        _keep(session, Delivery(platform=platform, topic=_topic_hint(kept), received_at=now,
                                headers=json.dumps(kept), body=body, outcome="invalid",
                                error=err.message[:500]))
        raise
    event_id = None if platform in SHARED_DELIVERY_IDS else event.event_id
    delivery = _keep(session, Delivery(
        platform=platform, event_id=event_id, topic=event.topic[:100], received_at=now,
        headers=json.dumps(kept), body=body, order_ref=event.order_id[:255] or None))
    if delivery is None:
        # this event id was stored before; unless that delivery never finished, it is a retry
        first = session.exec(select(Delivery.outcome).where(
            Delivery.platform == platform, Delivery.event_id == event_id,
            Delivery.topic == event.topic[:100])).first()
        if first in FINAL:
            return orders.duplicate_of(session, event)
        # its process died between keeping and recording it: this retry records it, and the
        # stored delivery gets the outcome it never got (else it reads "received" for ever)
        delivery = (Delivery.platform == platform, Delivery.event_id == event_id,
                    Delivery.topic == event.topic[:100])
    try:
        outcome = orders.record_event(session, event, now=now)
    except PayloadError as err:
        _finish(session, delivery, "invalid", err.message)
        raise
    _finish(session, delivery, outcome.status.value)
    return outcome


def _topic_hint(headers):
    lower = {k.lower(): v for k, v in headers.items()}
    topic = next((lower[h] for h in TOPIC_HEADERS if lower.get(h)), "")
    return topic.replace("\x00", "")[:100]  # PostgreSQL cannot store a NUL


def _keep(session, delivery):
    """Commit a delivery row; None when its (platform, event id) is already stored."""
    session.add(delivery)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return delivery


def _finish(session, delivery, outcome, error=None):
    # only the delivery that stored the row writes its outcome: a concurrent retry of the same
    # event id would otherwise overwrite "recorded" with "duplicate"
    if delivery is None:
        return
    error = error[:500] if error else None
    if isinstance(delivery, tuple):  # a retry finishing an unfinished delivery: the first wins
        session.exec(update(Delivery).where(*delivery, Delivery.outcome.not_in(FINAL))
                     .values(outcome=outcome, error=error))
    else:
        delivery.outcome, delivery.error = outcome, error
    session.commit()


def reprocess(session, *, now, click_param, platform=None):
    """Re-parse and re-record stored deliveries in the order received; returns counts."""
    query = select(Delivery.id).order_by(Delivery.received_at, Delivery.id)
    if platform:
        query = query.where(Delivery.platform == platform)
    counts = Counter()
    for delivery_id in session.exec(query).all():
        delivery = session.get(Delivery, delivery_id)
        headers = json.loads(delivery.headers)
        try:
            event = platforms.parse(delivery.platform, delivery.body, headers,
                                    now=delivery.received_at, click_param=click_param)
            status = orders.record_event(session, event, now=now)
            status, error = status.status.value, None
        except PayloadError as err:
            session.rollback()
            status, error = "invalid", err.message
        if delivery.outcome not in FINAL and (delivery.outcome, delivery.error) != (status, error):
            # a delivery that never finished (or was unreadable) gets its outcome now
            _finish(session, delivery, status, error)
        counts[status] += 1
        session.expunge_all()  # keep memory flat over a long history
    return counts
