"""POST /webhooks/<platform> through the test client, with bodies signed as the stores sign them."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from freezegun import freeze_time
from sqlmodel import Session, create_engine, func, select

from tests.signing import (
    payload,
    php_json,
    sign_generic,
    sign_shopify,
    sign_stripe,
    sign_woocommerce,
    woocommerce_ping,
)
from tracker.models import Delivery, Order, Refund

SECRETS = {"SHOPIFY_SECRETS": ["shpss_new", "shpss_old"], "WOOCOMMERCE_SECRETS": ["wc_secret"],
           "STRIPE_SECRETS": ["whsec_test"], "WEBHOOK_SECRETS": ["generic_secret"]}
SHOP = "glow-skin.myshopify.com"


@pytest.fixture
def hooks(make_app, shop):
    """A client of an app with every webhook secret configured, on the test database."""
    return make_app(**SECRETS).test_client()


@pytest.fixture
def shop(api):
    """maya (10 %, code MAYA15) and leo enrolled in a USD campaign running all November."""
    api.creator("maya")
    api.creator("leo")
    api.campaign(starts_on="2026-11-01", ends_on="2026-11-30")
    leo = api.enrol("glow-serum-launch", "leo")
    api.enrol("glow-serum-launch", "maya", commission_rate="0.10",
              discount={"type": "percent", "value": "15"})
    return leo


def count(session, model):
    session.rollback()  # a fresh read: see what the requests committed
    return session.exec(select(func.count()).select_from(model)).one()


def generic(client, secret="generic_secret", event_id=None, **fields):
    data = {"order_id": "G-1", "amount": "100.00", "currency": "USD",
            "created_at": "2026-11-20T10:00:00Z", "status": "paid", **fields}
    body = json.dumps(data).encode()
    return client.post("/webhooks/generic", data=body,
                       headers=sign_generic(body, secret, event_id=event_id))


def shopify_order(order_id=820982911946154508, *, updated="2026-11-20T10:05:00-05:00", **extra):
    return {
        "id": order_id, "name": "#1001", "email": "Ana@Example.com",
        "created_at": "2026-11-20T10:00:00-05:00", "updated_at": updated,
        "currency": "USD", "subtotal_price": "85.00", "total_price": "97.20",
        "total_tax": "6.80", "financial_status": "paid", "cancelled_at": None,
        "discount_codes": [{"code": "maya15", "amount": "15.00", "type": "percentage"}],
        "note_attributes": [], "landing_site": "/products/serum?utm_source=instagram",
        "customer": {"id": 115310627314723954, "email": "ana@example.com"}, "refunds": [],
        **extra,
    }


def shopify(client, data, *, topic="orders/create", event_id=None, secret="shpss_new"):
    body = json.dumps(data).encode()
    headers = sign_shopify(body, secret, topic=topic, shop=SHOP, event_id=event_id)
    return client.post("/webhooks/shopify", data=body, headers=headers)


def shopify_refund(refund_id, amount, order_id=820982911946154508):
    return {"id": refund_id, "order_id": order_id, "created_at": "2026-11-21T09:00:00-05:00",
            "refund_line_items": [{"id": refund_id + 1, "quantity": 1, "subtotal": amount}],
            "transactions": [{"id": 1, "kind": "refund", "status": "success",
                              "amount": f"{amount:.2f}", "currency": "USD"}]}


# --- configuration, signatures ------------------------------------------------------------


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "stripe", "generic"])
def test_no_secret_configured_is_503(client, platform, session):
    r = client.post(f"/webhooks/{platform}", data=b"{}")
    assert r.status_code == 503 and r.json["error"]["code"] == "unavailable"
    assert r.json["error"]["field"].startswith("TRACKER_") and count(session, Delivery) == 0


def test_unknown_platform_is_404(hooks):
    assert hooks.post("/webhooks/magento", data=b"{}").status_code == 404


def test_valid_generic_order(hooks, session):
    r = generic(hooks, code="maya15")
    assert r.status_code == 200
    assert r.json["status"] == "recorded"
    assert r.json["order"] | {"placed_at": None} == {
        "id": "G-1", "platform": "generic", "store": "", "status": "paid", "placed_at": None,
        "currency": "USD", "amount": "100.00", "refunded": "0.00", "net": "100.00",
        "commission": "10.00", "unconverted": False}
    assert r.json["attribution"] == {"method": "code", "reason": None, "creator": "maya",
                                     "campaign": "glow-serum-launch"}
    [delivery] = session.exec(select(Delivery)).all()
    assert (delivery.outcome, delivery.topic, delivery.order_ref) == ("recorded", "paid", "G-1")
    assert json.loads(delivery.body)["code"] == "maya15"


def test_forged_body_is_401_and_nothing_is_stored(hooks, session):
    body = json.dumps({"order_id": "G-1", "amount": "1.00"}).encode()
    headers = sign_generic(body, "generic_secret")
    r = hooks.post("/webhooks/generic", data=body.replace(b"1.00", b"9.00"), headers=headers)
    assert r.status_code == 401 and r.json["error"]["field"] == "signature"
    assert count(session, Delivery) == count(session, Order) == 0


@pytest.mark.parametrize("secret", ["wrong", "shpss_old", "shpss_new"])
def test_shopify_wrong_and_rotated_secrets(hooks, session, secret):
    r = shopify(hooks, shopify_order(), secret=secret)
    assert r.status_code == (401 if secret == "wrong" else 200)
    assert count(session, Order) == (0 if secret == "wrong" else 1)


def test_missing_signature_is_401(hooks):
    r = hooks.post("/webhooks/shopify", data=b"{}", headers={"X-Shopify-Topic": "orders/create"})
    assert r.status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    (b'{"order_id": "G-1", "amount": ', "body"),
    (json.dumps({"order_id": "G-1", "amount": "x", "currency": "USD", "status": "paid",
                 "created_at": "2026-11-20T10:00:00Z"}).encode(), "amount"),
])
def test_malformed_but_signed_body_is_400_and_kept_as_invalid(hooks, session, body, field):
    r = hooks.post("/webhooks/generic", data=body, headers=sign_generic(body, "generic_secret"))
    assert r.status_code == 400 and r.json["error"]["field"] == field
    [delivery] = session.exec(select(Delivery)).all()
    assert (delivery.outcome, delivery.body) == ("invalid", body)
    assert count(session, Order) == 0


def test_amount_too_large_to_store_is_400(hooks, session):
    r = generic(hooks, amount="99999999999.00", code="MAYA15")
    assert r.status_code == 400 and r.json["error"]["field"] == "amount"
    assert count(session, Order) == 0
    assert session.exec(select(Delivery.outcome)).one() == "invalid"


def test_woocommerce_ping_is_200(hooks, session):
    body, headers = woocommerce_ping()
    r = hooks.post("/webhooks/woocommerce", data=body, headers=headers)
    assert r.status_code == 200 and count(session, Delivery) == 0


# --- exactly once ------------------------------------------------------------------------


def test_repeated_event_id_is_a_duplicate(hooks, session):
    first = shopify(hooks, shopify_order(), event_id="evt-1")
    again = shopify(hooks, shopify_order(), event_id="evt-1")
    assert (first.json["status"], again.json["status"]) == ("recorded", "duplicate")
    assert again.json["order"] == first.json["order"]
    assert count(session, Delivery) == count(session, Order) == 1


def test_one_event_id_under_two_topics_is_not_a_retry(hooks, session):
    """A store event fanned out to several topics may share its id; each topic counts."""
    shopify(hooks, shopify_order(), event_id="evt-9")
    r = shopify(hooks, shopify_refund(901, 30.0), topic="refunds/create", event_id="evt-9")
    assert (r.json["status"], r.json["order"]["refunded"]) == ("updated", "30.00")
    assert count(session, Delivery) == 2


def test_same_order_through_other_topics(hooks, session):
    assert shopify(hooks, shopify_order()).json["status"] == "recorded"
    paid = shopify(hooks, shopify_order(), topic="orders/paid")
    assert paid.json["status"] == "duplicate"
    newer = shopify_order(subtotal_price="70.00", updated="2026-11-20T11:00:00-05:00")
    assert shopify(hooks, newer, topic="orders/updated").json["status"] == "updated"
    assert count(session, Order) == 1 and count(session, Delivery) == 3


def test_stale_update_never_overwrites(hooks, session):
    newer = shopify_order(subtotal_price="70.00", updated="2026-11-20T11:00:00-05:00")
    shopify(hooks, newer, topic="orders/updated")
    r = shopify(hooks, shopify_order(), topic="orders/create")  # a late retry of the original
    assert (r.json["status"], r.json["order"]["amount"]) == ("duplicate", "70.00")


def test_refund_before_its_order_then_partial_and_full(hooks, session):
    early = shopify(hooks, shopify_refund(901, 30.0), topic="refunds/create")
    assert early.status_code == 200 and early.json == {"status": "recorded", "order": None,
                                                       "attribution": None}
    r = shopify(hooks, shopify_order())
    assert (r.json["order"]["refunded"], r.json["order"]["commission"]) == ("30.00", "5.50")
    # the same refund again under a new event id counts once
    again = shopify(hooks, shopify_refund(901, 30.0), topic="refunds/create")
    assert again.json["status"] == "duplicate"
    rest = shopify(hooks, shopify_refund(902, 55.0), topic="refunds/create")
    assert rest.json["status"] == "updated"
    assert rest.json["order"] | {"placed_at": None} == {
        "id": "820982911946154508", "platform": "shopify", "store": SHOP, "status": "paid",
        "placed_at": None, "currency": "USD", "amount": "85.00", "refunded": "85.00",
        "net": "0.00", "commission": "0.00", "unconverted": False}
    assert count(session, Refund) == 2


def test_generic_cumulative_refunds(hooks):
    generic(hooks, code="MAYA15")
    r = generic(hooks, code="MAYA15", status="refunded", refunded_amount="40.00")
    assert (r.json["status"], r.json["order"]["refunded"]) == ("updated", "40.00")
    r = generic(hooks, code="MAYA15", status="refunded", refunded_amount="25.00")  # stale total
    assert (r.json["status"], r.json["order"]["refunded"]) == ("duplicate", "40.00")
    r = generic(hooks, code="MAYA15", status="refunded")  # no amount: refunded in full
    assert (r.json["order"]["refunded"], r.json["order"]["commission"]) == ("100.00", "0.00")


def test_cancellation(hooks, session):
    shopify(hooks, shopify_order())
    cancelled = shopify_order(cancelled_at="2026-11-20T12:00:00-05:00",
                              updated="2026-11-20T12:00:00-05:00")
    r = shopify(hooks, cancelled, topic="orders/cancelled")
    assert (r.json["status"], r.json["order"]["status"]) == ("updated", "cancelled")
    assert r.json["attribution"]["creator"] == "maya"  # still credited, just not counted


def test_jpy_order_is_attributed_but_unconverted(hooks):
    r = generic(hooks, amount="1500", currency="JPY", code="MAYA15")
    assert r.json["order"] | {"placed_at": None} == {
        "id": "G-1", "platform": "generic", "store": "", "status": "paid", "placed_at": None,
        "currency": "JPY", "amount": "1500", "refunded": "0", "net": "1500",
        "commission": "150", "unconverted": True}
    assert r.json["attribution"]["creator"] == "maya"


def test_unknown_topic_is_200_ignored(hooks, session):
    r = shopify(hooks, {"id": 1, "title": "Serum"}, topic="products/update")
    assert r.status_code == 200 and r.json["status"] == "ignored"
    assert count(session, Order) == 0
    assert session.exec(select(Delivery.outcome)).one() == "ignored"


# --- attribution through the endpoint -------------------------------------------------------


def click_id(client, shop):
    location = client.get(f"/{shop['link']['slug']}").headers["Location"]
    return parse_qs(urlsplit(location).query)["tclid"][0]


def test_click_id_in_shopify_note_attributes(client, hooks, shop):
    cid = click_id(client, shop)
    now = datetime.now(UTC)
    data = shopify_order(discount_codes=[], note_attributes=[{"name": "tclid", "value": cid}],
                         created_at=now.isoformat(), updated_at=now.isoformat())
    r = shopify(hooks, data)
    assert r.json["attribution"] == {"method": "click", "reason": None, "creator": "leo",
                                     "campaign": "glow-serum-launch"}


def test_click_id_older_than_the_window(client, hooks, shop):
    cid = click_id(client, shop)
    later = (datetime.now(UTC) + timedelta(days=31)).isoformat()
    r = generic(hooks, click_id=cid, created_at=later)
    assert r.json["attribution"]["reason"] == "click_outside_window"


def test_utm_on_the_landing_url(hooks):
    url = "https://shop.example.com/?utm_campaign=glow-serum-launch&utm_content=leo"
    r = generic(hooks, landing_url=url)
    assert (r.json["attribution"]["method"], r.json["attribution"]["creator"]) == ("utm", "leo")


def test_unattributed_order_names_why(hooks):
    r = generic(hooks, code="BLACKFRIDAY")
    assert r.json["attribution"] == {"method": "none", "reason": "unknown_code",
                                     "creator": None, "campaign": None}


# --- failure modes, replay ----------------------------------------------------------------


def test_database_unavailable_is_503_not_500(make_app, tmp_path):
    app = make_app(**SECRETS)
    app.extensions["tracker.engine"].dispose()
    app.extensions["tracker.engine"] = create_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    r = generic(app.test_client(), code="MAYA15")
    assert r.status_code == 503 and r.json["error"]["code"] == "unavailable"


def test_reprocess_reattributes_and_is_idempotent(api, hooks, runner, session):
    assert generic(hooks, code="SPRING").json["attribution"]["method"] == "none"
    shopify(hooks, shopify_order())
    api.post("/api/v1/codes", {"campaign": "glow-serum-launch", "creator": "leo",
                               "code": "SPRING"})
    first = runner.invoke(args=["reprocess"])
    assert first.exit_code == 0, first.output
    assert "2 deliveries: 0 recorded, 1 updated, 1 duplicate" in first.output
    session.rollback()
    order = session.exec(select(Order).where(Order.external_id == "G-1")).one()
    assert (order.method, order.code) == ("code", "SPRING")
    snapshot = [tuple(r) for r in session.connection().execute(select(Order.__table__))]
    second = runner.invoke(args=["reprocess", "--platform", "generic"])
    assert "1 deliveries: 0 recorded, 0 updated, 1 duplicate" in second.output
    session.rollback()
    assert [tuple(r) for r in session.connection().execute(select(Order.__table__))] == snapshot


def test_reprocess_finishes_a_delivery_that_never_finished(app, hooks, runner, session):
    """A delivery whose process died after keeping the body is recorded by reprocess."""
    generic(hooks, code="MAYA15", event_id="d-1")
    session.exec(select(Order)).one()
    with Session(app.extensions["tracker.engine"]) as s:
        s.delete(s.exec(select(Order)).one())
        delivery = s.exec(select(Delivery)).one()
        delivery.outcome = "received"
        s.commit()
    result = runner.invoke(args=["reprocess"])
    assert "1 recorded" in result.output
    session.rollback()
    assert session.exec(select(Delivery.outcome)).one() == "recorded"
    assert count(session, Order) == 1


# --- recorded platform payloads (tests/payloads), signed as each platform signs them --------


@pytest.fixture
def stores(make_app, api):
    """maya (10 %, code MAYA15) in the EUR campaign the recorded payloads point at."""
    api.creator("maya")
    api.creator("leo")
    api.campaign("Spring Glow", currency="EUR")
    api.enrol("spring-glow", "maya", commission_rate="0.10",
              discount={"type": "percent", "value": "15"})
    api.enrol("spring-glow", "leo")
    return make_app(**SECRETS).test_client()


def post_shopify(client, name, topic, event_id=None):
    body = payload(f"shopify/{name}.json")
    headers = sign_shopify(body, "shpss_old", topic=topic, event_id=event_id)
    return client.post("/webhooks/shopify", data=body, headers=headers)


def post_woo(client, name, topic="order.updated"):
    body = payload(f"woocommerce/{name}.json")
    return client.post("/webhooks/woocommerce", data=body,
                       headers=sign_woocommerce(body, "wc_secret", topic=topic))


def post_stripe(client, name=None, *, body=None, at=None):
    body = body or payload(f"stripe/{name}.json")
    at = at or datetime.now(UTC)
    return client.post("/webhooks/stripe", data=body,
                       headers=sign_stripe(body, "whsec_test", at))


def test_shopify_recorded_payloads(stores, session):
    r = post_shopify(stores, "orders_create", "orders/create")
    assert (r.json["status"], r.json["order"]["amount"], r.json["order"]["currency"]) == (
        "recorded", "72.25", "EUR")
    assert r.json["attribution"] == {"method": "code", "reason": None, "creator": "maya",
                                     "campaign": "spring-glow"}
    r = post_shopify(stores, "orders_updated_partial_refund", "orders/updated")
    assert (r.json["status"], r.json["order"]["refunded"]) == ("updated", "25.50")
    # the same refund through refunds/create (another topic, another event id) counts once
    assert post_shopify(stores, "refunds_create", "refunds/create").json["status"] == "duplicate"
    r = post_shopify(stores, "refunds_create_no_line_items", "refunds/create")
    assert (r.json["order"]["refunded"], r.json["order"]["commission"]) == ("35.50", "3.68")
    late = post_shopify(stores, "orders_create", "orders/paid")  # older updated_at: stale
    assert (late.json["status"], late.json["order"]["refunded"]) == ("duplicate", "35.50")
    assert count(session, Order) == 1


def test_shopify_cancelled_payload(stores):
    r = post_shopify(stores, "orders_cancelled", "orders/cancelled")
    assert (r.json["order"]["status"], r.json["order"]["commission"]) == ("cancelled", "0.00")


def test_woocommerce_recorded_payloads(stores, session):
    r = post_woo(stores, "order_created", "order.created")
    assert (r.status_code, r.json["status"]) == (200, "recorded")
    assert r.json["attribution"]["creator"] == "maya"  # coupon arrives lower-cased
    r = post_woo(stores, "order_updated_partial_refund")
    assert (r.json["status"], r.json["order"]["refunded"]) == ("updated", "30.60")
    r = post_woo(stores, "order_updated_refunded")
    assert (r.json["order"]["refunded"], r.json["order"]["net"]) == ("72.25", "0.00")
    r = post_woo(stores, "order_updated_cancelled")  # modified before the refunds: stale
    assert (r.json["status"], r.json["order"]["status"]) == ("duplicate", "paid")


def test_woocommerce_cancellation(stores):
    post_woo(stores, "order_created", "order.created")
    r = post_woo(stores, "order_updated_cancelled")
    assert (r.json["status"], r.json["order"]["status"]) == ("updated", "cancelled")


def test_woocommerce_orders_sharing_a_delivery_id_are_both_recorded(stores, session):
    """WooCommerce's delivery id is a hash of webhook id and second: not unique per order."""
    first = json.loads(payload("woocommerce/order_created.json"))
    for order_id in (4750, 4751):
        body = php_json({**first, "id": order_id})
        headers = sign_woocommerce(body, "wc_secret", topic="order.created", delivery_id="same")
        r = stores.post("/webhooks/woocommerce", data=body, headers=headers)
        assert r.json["status"] == "recorded"
    assert count(session, Order) == 2


def test_woocommerce_unknown_topic_is_ignored(stores):
    assert post_woo(stores, "product_updated", "product.updated").json["status"] == "ignored"


def test_stripe_order_then_refund_and_retry(stores, session):
    r = post_stripe(stores, "checkout_session_completed")
    assert (r.json["status"], r.json["order"]["id"]) == ("recorded", "pi_3QwErTyUiOp12345")
    # a USD order in an EUR campaign: credited, but kept out of money totals
    assert (r.json["attribution"]["creator"], r.json["order"]["unconverted"]) == ("maya", True)
    r = post_stripe(stores, "charge_refunded")
    assert (r.json["status"], r.json["order"]["refunded"]) == ("updated", "30.60")
    assert post_stripe(stores, "charge_refunded").json["status"] == "duplicate"
    assert count(session, Delivery) == 2 and count(session, Refund) == 2  # by id + cumulative


def test_stripe_jpy_async_payment(stores):
    r = post_stripe(stores, "checkout_session_completed_jpy_unpaid")
    assert (r.json["order"]["status"], r.json["order"]["amount"]) == ("pending", "10200")
    r = post_stripe(stores, "checkout_session_async_payment_succeeded_jpy")
    assert (r.json["status"], r.json["order"]["status"]) == ("updated", "paid")
    assert r.json["order"]["currency"] == "JPY"


def test_stripe_failed_async_payment_cancels_the_pending_order(stores, api):
    data = json.loads(payload("stripe/checkout_session_completed_jpy_unpaid.json"))
    data["data"]["object"].update(currency="eur", metadata={"code": "MAYA15"})
    r = post_stripe(stores, body=json.dumps(data).encode())
    assert (r.json["order"]["status"], r.json["attribution"]["method"]) == ("pending", "code")
    totals = api.get("/api/v1/reports/campaigns").json["totals"]
    assert (totals["orders"], totals["revenue"]) == (1, "102.00")  # pending counts until it fails
    data.update(id="evt_failed_1", type="checkout.session.async_payment_failed")
    r = post_stripe(stores, body=json.dumps(data).encode())
    assert (r.json["status"], r.json["order"]["status"]) == ("updated", "cancelled")
    totals = api.get("/api/v1/reports/campaigns").json["totals"]
    assert (totals["orders"], totals["revenue"]) == (0, "0.00")


def test_stripe_late_unpaid_event_never_unpays(stores):
    post_stripe(stores, "checkout_session_async_payment_succeeded_jpy")
    r = post_stripe(stores, "checkout_session_completed_jpy_unpaid")
    assert (r.json["status"], r.json["order"]["status"]) == ("duplicate", "paid")


def test_stripe_promotion_code_id(api, stores, session):
    r = api.post("/api/v1/codes", {"campaign": "spring-glow", "creator": "leo", "code": "LEOVIP",
                                   "stripe_promotion_code": "promo_1QmAyA15xYzAbCdE"})
    assert r.status_code == 201, r.json
    event = json.loads(payload("stripe/checkout_session_completed.json"))
    event["data"]["object"]["metadata"].pop("code")
    r = post_stripe(stores, body=json.dumps(event).encode())
    assert (r.json["attribution"]["method"], r.json["attribution"]["creator"]) == ("code", "leo")
    session.rollback()  # a fresh read: see what the request committed
    assert session.exec(select(Order.code)).one() == "LEOVIP"


@pytest.mark.parametrize(("offset", "status"), [
    (0, 200), (-300, 200), (300, 200), (-301, 401), (301, 401), (-86400, 401),
])
def test_stripe_timestamp_tolerance(stores, session, offset, status):
    """Stripe's signing time may be 300 s either side of ours (as Stripe's libraries allow)."""
    now = datetime(2026, 11, 20, 9, 31, 30, tzinfo=UTC)
    with freeze_time(now):
        r = post_stripe(stores, "checkout_session_completed", at=now + timedelta(seconds=offset))
    assert r.status_code == status
    if status == 401:
        assert r.json["error"]["field"] == "signature" and "300 s" in r.json["error"]["message"]
    assert count(session, Delivery) == (1 if status == 200 else 0)


def test_stripe_unknown_type_is_ignored(stores):
    assert post_stripe(stores, "customer_created").json["status"] == "ignored"


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "stripe"])
def test_malformed_json_with_a_valid_signature_on_every_platform(stores, session, platform):
    body = b'{"id": 4750, "currency": "EUR", '
    headers = {
        "shopify": lambda: sign_shopify(body, "shpss_new", topic="orders/create"),
        "woocommerce": lambda: sign_woocommerce(body, "wc_secret", topic="order.created"),
        "stripe": lambda: sign_stripe(body, "whsec_test", datetime.now(UTC)),
    }[platform]()
    r = stores.post(f"/webhooks/{platform}", data=body, headers=headers)
    assert r.status_code == 400 and r.json["error"]["field"]
    assert count(session, Order) == 0
    assert session.exec(select(Delivery.outcome)).one() == "invalid"


def test_an_order_counts_on_the_utc_day_it_was_placed(stores, api):
    r = generic(stores, order_id="G-late", currency="EUR", code="MAYA15",
                created_at="2026-03-01T22:30:00-05:00")  # 03:30 UTC the next day
    assert r.status_code == 200 and r.json["attribution"]["method"] == "code"

    def orders(**filters):
        rows = api.get("/api/v1/reports/daily", query_string=filters).json["rows"]
        return [(row["day"], row["orders"]) for row in rows if row["orders"]]

    assert orders() == [("2026-03-02", 1)]
    assert orders(**{"from": "2026-03-02", "to": "2026-03-02"}) == [("2026-03-02", 1)]
    assert orders(**{"from": "2026-03-01", "to": "2026-03-01"}) == []
