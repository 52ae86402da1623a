"""orders.record_event on OrderEvent values: exactly once, newest state wins, refunds, money."""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from tracker.models import Order, Refund
from tracker.orders import recording as orders
from tracker.stores.events import Kind, OrderEvent
from tracker.stores.events import Refund as RefundItem

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def event(**fields):
    base = {"platform": "shopify", "store": "glow.myshopify.com", "event_id": "e1",
            "topic": "orders/create", "kind": Kind.ORDER, "order_id": "1001", "placed_at": T0,
            "updated_at": T0, "currency": "USD", "amount": Decimal("100.00"),
            "status": "paid"}
    return OrderEvent(**{**base, **fields})


def refund_event(**fields):
    return event(**{"topic": "refunds/create", "kind": Kind.REFUND, "amount": None,
                    "placed_at": None, "updated_at": None, "status": None, **fields})


@pytest.fixture
def shop(api):
    """maya enrolled at 10 % commission with code MAYA15 in a USD campaign."""
    api.creator("maya")
    api.creator("leo")
    api.campaign(starts_on="2026-11-01", ends_on="2026-11-30")
    api.enrol("glow-serum-launch", "maya", commission_rate="0.10",
              discount={"type": "percent", "value": "15"})
    return api.enrol("glow-serum-launch", "leo", commission_rate="0.05", code="LEO5")


@pytest.fixture
def record(session):
    def run(ev, **kw):
        outcome = orders.record_event(session, ev, now=NOW, **kw)
        return outcome

    return run


def all_orders(session):
    session.expire_all()
    return session.exec(select(Order)).all()


def test_new_order_with_a_lower_case_code(shop, record, session):
    out = record(event(codes=("maya15",)))
    assert out.status == "recorded"
    assert (out.attribution.method, out.attribution.creator) == ("code", "maya")
    order = all_orders(session)[0]
    assert (order.amount_minor, order.commission_minor, order.code) == (10000, 1000, "MAYA15")
    assert (order.status, order.day, order.unconverted) == ("paid", T0.date(), False)


@pytest.mark.parametrize("amount,currency,minor", [
    ("10.005", "USD", 1001), ("10.004", "USD", 1000), ("1234.5", "JPY", 1235),
    ("1.0005", "KWD", 1001),
])
def test_an_amount_finer_than_the_currency_is_stored_rounded_half_up(
        shop, record, session, amount, currency, minor):
    record(event(amount=Decimal(amount), currency=currency))
    assert all_orders(session)[0].amount_minor == minor


def test_same_event_twice_is_one_order(shop, record, session):
    assert record(event(codes=("MAYA15",))).status == "recorded"
    again = record(event(codes=("MAYA15",)))
    assert again.status == "duplicate" and again.attribution.creator == "maya"
    assert len(all_orders(session)) == 1


def test_same_order_through_another_topic(shop, record, session):
    record(event(codes=("MAYA15",)))
    paid = event(event_id="e2", topic="orders/paid", codes=("MAYA15",))
    assert record(paid).status == "duplicate"  # same state: nothing to change
    newer = replace(paid, event_id="e3", topic="orders/updated", amount=Decimal("80.00"),
                    updated_at=T0 + timedelta(hours=1))
    assert record(newer).status == "updated"
    [order] = all_orders(session)
    assert (order.amount_minor, order.commission_minor) == (8000, 800)


def test_stale_payload_never_overwrites_newer_state(shop, record, session):
    record(event(updated_at=T0 + timedelta(hours=2), amount=Decimal("80.00"), codes=("LEO5",)))
    stale = event(event_id="e0", amount=Decimal("100.00"), codes=("MAYA15",))
    assert record(stale).status == "duplicate"
    [order] = all_orders(session)
    assert (order.amount_minor, order.code, order.method) == (8000, "LEO5", "code")


def test_refund_before_its_order(shop, record, session):
    early = refund_event(event_id="r-e1", refunds=(RefundItem("r1", Decimal("30.00")),))
    out = record(early)
    assert (out.status, out.order) == ("recorded", None)
    assert record(early).status == "duplicate"
    out = record(event(codes=("MAYA15",)))
    assert out.status == "recorded"
    assert (out.order.refunded_minor, out.order.commission_minor) == (3000, 700)


def test_partial_refunds_count_once_each_and_are_capped(shop, record, session):
    record(event(codes=("MAYA15",)))
    first = refund_event(event_id="r-e1", refunds=(RefundItem("r1", Decimal("25.50")),))
    assert record(first).status == "updated"
    # the same refund again under a new event id (a retry or another topic) counts once
    assert record(replace(first, event_id="r-e2")).status == "duplicate"
    second = refund_event(event_id="r-e3", refunds=(RefundItem("r2", Decimal("100.00")),))
    assert record(second).status == "updated"
    [order] = all_orders(session)
    assert (order.refunded_minor, order.commission_minor, order.status) == (10000, 0, "paid")
    assert len(session.exec(select(Refund)).all()) == 2


def test_cumulative_refund_totals_take_the_largest(shop, record, session):
    base = event(platform="stripe", store="acct_1", order_id="pi_1", codes=("MAYA15",))
    record(base)
    for event_id, total, status in [("c1", "20.00", "updated"), ("c2", "50.00", "updated"),
                                    ("c3", "20.00", "duplicate")]:
        ev = refund_event(platform="stripe", store="acct_1", order_id="pi_1", event_id=event_id,
                          refunded_total=Decimal(total), currency="USD")
        assert record(ev).status == status
    [order] = all_orders(session)
    assert (order.refunded_minor, order.commission_minor) == (5000, 500)


def test_refund_without_a_currency_for_an_unknown_order_is_refused(shop, record):
    ev = refund_event(currency=None, refunds=(RefundItem("r1", Decimal("1.00")),))
    with pytest.raises(orders.PayloadError) as err:
        record(ev)
    assert err.value.field == "currency"


def test_cancellation_and_a_stale_retry(shop, record, session):
    record(event(codes=("MAYA15",)))
    cancel = event(event_id="e2", topic="orders/cancelled", kind=Kind.CANCEL,
                   updated_at=T0 + timedelta(hours=1), codes=("MAYA15",))
    assert record(cancel).status == "updated"
    assert record(event(event_id="e9", codes=("MAYA15",))).status == "duplicate"
    [order] = all_orders(session)
    assert (order.status, order.commission_minor) == ("cancelled", 0)


def test_generic_cancel_without_timestamps_sticks(shop, record, session):
    paid = event(platform="generic", store="", updated_at=None, event_id=None)
    record(paid)
    record(replace(paid, status="cancelled"))
    assert record(paid).status == "duplicate"
    assert all_orders(session)[0].status == "cancelled"


def test_jpy_order_in_a_usd_campaign_is_attributed_but_unconverted(shop, record, session):
    out = record(event(currency="JPY", amount=Decimal("1500"), codes=("MAYA15",)))
    order = out.order
    assert (order.currency, order.amount_minor, order.unconverted) == ("JPY", 1500, True)
    assert out.attribution.creator == "maya"
    assert order.commission_minor == 150  # in yen, kept out of USD totals by `unconverted`


def tclid(client, shop):
    location = client.get(f"/{shop['link']['slug']}").headers["Location"]
    return parse_qs(urlsplit(location).query)["tclid"][0]


def clicked_at(session):
    from tracker.models import Click

    return session.exec(select(Click.created_at)).one()


def test_click_id_on_the_order_credits_the_click(client, shop, record, session):
    cid = tclid(client, shop)
    placed = clicked_at(session) + timedelta(hours=1)
    out = record(event(click_id=cid, placed_at=placed, updated_at=placed))
    assert (out.attribution.method, out.attribution.creator) == ("click", "leo")


@pytest.mark.parametrize(("after", "method", "reason"), [
    (timedelta(days=30) - timedelta(seconds=1), "click", None),
    (timedelta(days=30, seconds=1), "none", "click_outside_window"),
    (-timedelta(seconds=1), "none", "click_after_order"),
])
def test_click_window_edge(client, shop, record, session, after, method, reason):
    cid = tclid(client, shop)
    placed = clicked_at(session) + after
    out = record(event(click_id=cid, placed_at=placed, updated_at=placed))
    assert (out.attribution.method, out.order.reason) == (method, reason)


@pytest.mark.parametrize(("placed", "method", "reason"), [
    (datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), "utm", None),
    (datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC), "none", "outside_campaign_dates"),
    (datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC), "none", "outside_campaign_dates"),
])
def test_utm_inside_the_campaign_dates(shop, record, placed, method, reason):
    landing = "https://shop.example.com/?utm_campaign=Glow-Serum-Launch&utm_content=Maya"
    out = record(event(landing_url=landing, placed_at=placed, updated_at=placed))
    assert (out.attribution.method, out.order.reason) == (method, reason)
    assert out.attribution.creator == ("maya" if method == "utm" else None)


def test_utm_campaign_matches_whatever_its_case_non_ascii_too(shop, api, record):
    api.campaign("Été Glow", utm_campaign="Été-Glow")
    api.enrol("ete-glow", "maya")
    landing = "https://shop.example.com/?utm_campaign=%C3%89T%C3%89-GLOW&utm_content=maya"
    out = record(event(landing_url=landing))
    assert (out.attribution.method, out.attribution.creator) == ("utm", "maya")
    assert out.order.campaign_id == api.get("/api/v1/campaigns/ete-glow").json["id"]


def test_unattributed_order_still_stored_with_a_reason(shop, record):
    out = record(event(codes=("BLACKFRIDAY",)))
    assert (out.status, out.order.method, out.order.reason) == ("recorded", "none", "unknown_code")
    assert out.order.campaign_id is None and out.order.commission_minor == 0


def test_ignored_kind(shop, record, session):
    out = record(event(kind=Kind.IGNORED, topic="products/update"))
    assert (out.status, out.order) == ("ignored", None)
    assert all_orders(session) == []


def test_racing_deliveries_store_one_order_and_one_refund(app, shop):
    """Threads with their own sessions: the unique constraints decide, not memory."""
    engine = app.extensions["tracker.engine"]
    ev = event(codes=("MAYA15",), refunds=(RefundItem("r1", Decimal("10.00")),))
    statuses, barrier = [], threading.Barrier(6)

    def deliver():
        with Session(engine) as s:
            barrier.wait()
            statuses.append(orders.record_event(s, ev, now=NOW).status)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(statuses) == ["duplicate"] * 5 + ["recorded"]
    with Session(engine) as s:
        [order] = s.exec(select(Order)).all()
        assert order.refunded_minor == 1000
        assert len(s.exec(select(Refund)).all()) == 1
