"""tracker.platforms: signatures and payload parsing, as plain tables of cases (no Flask)."""

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from werkzeug.datastructures import Headers

from tests.signing import (
    payload,
    php_json,
    sign_generic,
    sign_shopify,
    sign_stripe,
    sign_woocommerce,
    woocommerce_ping,
)
from tracker.stores import platforms
from tracker.stores.events import Kind, OrderEvent, PayloadError, Refund, SignatureError
from tracker.stores.platforms import verify
from tracker.stores.woocommerce import is_woocommerce_ping

NOW = datetime(2026, 11, 20, 9, 31, 30, tzinfo=UTC)
SECRET, OLD = "shpss_current_secret", "shpss_previous_secret"
CLICK = "AZqS0pWKc3Vu1xQz_a9Lr-Eh"
JO = hashlib.sha256(b"jo.bloggs@example.com").hexdigest()


def parse(platform, body, headers, *, now, click_param="tclid"):
    """The parser as the webhooks call it, with the default TRACKER_CLICK_PARAM."""
    return platforms.parse(platform, body, headers, now=now, click_param=click_param)


def signed(platform, body, secret=SECRET, topic=None, **kw):
    """Headers as the platform would send them with `body`, signed with `secret`."""
    if platform == "shopify":
        return sign_shopify(body, secret, topic=topic or "orders/create", **kw)
    if platform == "woocommerce":
        return sign_woocommerce(body, secret, topic=topic or "order.created", **kw)
    if platform == "stripe":
        return sign_stripe(body, secret, kw.pop("timestamp", NOW), **kw)
    return sign_generic(body, secret, **kw)


ONE_PER_PLATFORM = [
    ("shopify", "shopify/orders_create.json"),
    ("woocommerce", "woocommerce/order_created.json"),
    ("stripe", "stripe/checkout_session_completed.json"),
    ("generic", "generic/paid.json"),
]


# Signatures ------------------------------------------------------------------------------


@pytest.mark.parametrize("platform,name", ONE_PER_PLATFORM)
def test_valid_signature_passes(platform, name):
    body = payload(name)
    verify(platform, body, signed(platform, body), [SECRET], now=NOW)


@pytest.mark.parametrize("platform,name", ONE_PER_PLATFORM)
def test_forged_body_is_refused(platform, name):
    body = payload(name)
    headers = signed(platform, body)
    forged = body
    swaps = [(b"72.25", b"7.25"), (b"92.58", b"9.58"), (b"8500", b"850"), (b"97.2", b"9.2")]
    for real, fake in swaps:
        forged = forged.replace(real, fake)
    assert forged != body
    with pytest.raises(SignatureError):
        verify(platform, forged, headers, [SECRET], now=NOW)


@pytest.mark.parametrize("platform,name", ONE_PER_PLATFORM)
def test_wrong_secret_is_refused(platform, name):
    body = payload(name)
    with pytest.raises(SignatureError):
        verify(platform, body, signed(platform, body, "someone-elses"), [SECRET, OLD], now=NOW)


@pytest.mark.parametrize("platform,name", ONE_PER_PLATFORM)
@pytest.mark.parametrize("secrets", [[SECRET, OLD], [OLD, SECRET]])
def test_rotated_secret_either_position(platform, name, secrets):
    body = payload(name)
    verify(platform, body, signed(platform, body, OLD), secrets, now=NOW)


@pytest.mark.parametrize("platform,name", ONE_PER_PLATFORM)
def test_configured_secrets_are_stripped(platform, name):
    body = payload(name)
    verify(platform, body, signed(platform, body), [f" {SECRET}\n"], now=NOW)


@pytest.mark.parametrize("platform,name", ONE_PER_PLATFORM)
@pytest.mark.parametrize("secrets", [[], [""], [" "], None])
def test_no_configured_secret_accepts_nothing(platform, name, secrets):
    body = payload(name)
    with pytest.raises(SignatureError):
        verify(platform, body, signed(platform, body, ""), secrets, now=NOW)


@pytest.mark.parametrize("platform,header", [
    ("shopify", "X-Shopify-Hmac-Sha256"), ("woocommerce", "X-WC-Webhook-Signature"),
    ("stripe", "Stripe-Signature"), ("generic", "X-Tracker-Signature"),
])
def test_missing_signature_header(platform, header):
    body = payload(dict(ONE_PER_PLATFORM)[platform])
    headers = {k: v for k, v in signed(platform, body).items() if k != header}
    with pytest.raises(SignatureError, match="missing"):
        verify(platform, body, headers, [SECRET], now=NOW)


@pytest.mark.parametrize("platform,name", ONE_PER_PLATFORM)
@pytest.mark.parametrize("case", ["lower", "upper", "werkzeug"])
def test_header_names_are_case_insensitive(platform, name, case):
    body = payload(name)
    headers = signed(platform, body)
    if case == "werkzeug":
        headers = Headers(list(headers.items()))
    else:
        headers = {getattr(k, case)(): v for k, v in headers.items()}
    verify(platform, body, headers, [SECRET], now=NOW)
    assert parse(platform, body, headers, now=NOW).kind is Kind.ORDER


def test_shopify_unprefixed_header_names():
    body = payload("shopify/orders_create.json")
    headers = {k.replace("X-Shopify-", "shopify-").lower(): v
               for k, v in sign_shopify(body, SECRET, event_id="evt-1").items()}
    assert "shopify-hmac-sha256" in headers
    verify("shopify", body, headers, [SECRET], now=NOW)
    event = parse("shopify", body, headers, now=NOW)
    assert (event.store, event.event_id, event.topic) == (
        "maya-skin.myshopify.com", "evt-1", "orders/create")


def test_shopify_event_id_falls_back_to_webhook_id():
    body = payload("shopify/orders_create.json")
    headers = sign_shopify(body, SECRET, webhook_id="wh-9")
    del headers["X-Shopify-Event-Id"]
    assert parse("shopify", body, headers, now=NOW).event_id == "wh-9"


def test_woocommerce_signs_the_php_escaped_bytes():
    body = payload("woocommerce/order_created.json")
    assert b"https:\\/\\/shop.example.com" in body and b"Zo\\u00eb" in body
    headers = sign_woocommerce(body, SECRET)
    verify("woocommerce", body, headers, [SECRET], now=NOW)
    reencoded = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
    assert json.loads(reencoded) == json.loads(body)  # same data, other bytes: must not verify
    with pytest.raises(SignatureError):
        verify("woocommerce", reencoded, headers, [SECRET], now=NOW)
    event = parse("woocommerce", body, headers, now=NOW)
    assert event.landing_url.startswith("https://shop.example.com/product/glow-serum/?")


def test_stripe_several_v1_signatures_any_may_match():
    body = payload("stripe/checkout_session_completed.json")
    headers = sign_stripe(body, "whsec_rolled_off", NOW, also=(SECRET,))
    assert headers["Stripe-Signature"].count("v1=") == 2
    verify("stripe", body, headers, [SECRET], now=NOW)


@pytest.mark.parametrize("value", [
    "v1=abc", "t=1795000000", "t=,v1=00", "t=abc,v1=00", "t=1,t=2,v1=00", "garbage", "t=1;v1=2",
    "t=１２３,v1=00", "t=1795000000,v0=" + "0" * 64,
])
def test_stripe_malformed_signature_header(value):
    body = payload("stripe/checkout_session_completed.json")
    with pytest.raises(SignatureError):
        verify("stripe", body, {"Stripe-Signature": value}, [SECRET], now=NOW)


def test_stripe_signature_covers_the_timestamp():
    body = payload("stripe/checkout_session_completed.json")
    good = sign_stripe(body, SECRET, NOW)["Stripe-Signature"]
    moved = good.replace(f"t={int(NOW.timestamp())}", f"t={int(NOW.timestamp()) + 1}")
    with pytest.raises(SignatureError, match="no v1"):
        verify("stripe", body, {"Stripe-Signature": moved}, [SECRET], now=NOW)


@pytest.mark.parametrize("transform,ok", [
    (lambda v: v, True),
    (lambda v: v.upper().replace("SHA256=", "sha256="), True),  # hex case does not matter
    (lambda v: v.removeprefix("sha256="), False),
    (lambda v: v.replace("sha256=", "sha1="), False),
    (lambda v: v[:-1], False),
])
def test_generic_signature_format(transform, ok):
    body = payload("generic/paid.json")
    headers = sign_generic(body, SECRET)
    headers["X-Tracker-Signature"] = transform(headers["X-Tracker-Signature"])
    if ok:
        verify("generic", body, headers, [SECRET], now=NOW)
    else:
        with pytest.raises(SignatureError):
            verify("generic", body, headers, [SECRET], now=NOW)


def test_non_ascii_signature_header_is_refused_not_crashed():
    body = payload("shopify/orders_create.json")
    with pytest.raises(SignatureError):
        verify("shopify", body, {"X-Shopify-Hmac-Sha256": "é" * 44}, [SECRET], now=NOW)


# Parsing: recorded payloads, hand-worked expectations ------------------------------------


def at(text):
    return datetime.fromisoformat(text).astimezone(UTC)


PARSED = [
    ("shopify", "shopify/orders_create.json", "orders/create", dict(
        kind=Kind.ORDER, order_id="5820305473812", store="maya-skin.myshopify.com",
        amount=Decimal("72.25"), currency="EUR", status="paid", codes=("MAYA15",),
        placed_at=at("2026-11-20T09:31:00+00:00"), updated_at=at("2026-11-20T09:31:03+00:00"),
        click_id=CLICK, utm={"utm_source": "instagram", "utm_medium": "influencer",
                             "utm_campaign": "spring-glow", "utm_content": "maya"},
        customer_hash=JO, refunds=())),
    ("shopify", "shopify/orders_create.json", "orders/paid", dict(kind=Kind.ORDER)),
    ("shopify", "shopify/orders_updated_partial_refund.json", "orders/updated", dict(
        kind=Kind.UPDATE, status="paid", amount=Decimal("72.25"),
        updated_at=at("2026-11-24T15:02:12+00:00"),
        refunds=(Refund("998877665544", Decimal("25.50")),))),
    ("shopify", "shopify/orders_cancelled.json", "orders/cancelled", dict(
        kind=Kind.CANCEL, order_id="5820305473999", status="cancelled", amount=Decimal("85.00"),
        codes=(), click_id=CLICK, landing_url=None, utm={})),
    ("shopify", "shopify/refunds_create.json", "refunds/create", dict(
        kind=Kind.REFUND, order_id="5820305473812", currency="EUR", amount=None, placed_at=None,
        refunds=(Refund("998877665544", Decimal("25.50")),))),
    ("shopify", "shopify/refunds_create_no_line_items.json", "refunds/create", dict(
        kind=Kind.REFUND, refunds=(Refund("998877665545", Decimal("10.00")),))),
    ("woocommerce", "woocommerce/order_created.json", "order.created", dict(
        kind=Kind.ORDER, order_id="4750", store="https://shop.example.com/", currency="EUR",
        amount=Decimal("72.25"), status="paid", codes=("maya15",),
        placed_at=at("2026-11-20T09:31:00+00:00"), updated_at=at("2026-11-20T09:31:04+00:00"),
        click_id=CLICK, utm={"utm_source": "tiktok", "utm_medium": "influencer",
                             "utm_campaign": "spring-glow", "utm_content": "zoe"},
        customer_hash=hashlib.sha256(b"zoe.mueller@example.de").hexdigest())),
    ("woocommerce", "woocommerce/order_updated_partial_refund.json", "order.updated", dict(
        kind=Kind.UPDATE, status="paid", refunded_total=None,
        refunds=(Refund("4751", Decimal("30.60")),))),
    ("woocommerce", "woocommerce/order_updated_cancelled.json", "order.updated", dict(
        kind=Kind.CANCEL, status="cancelled", amount=Decimal("72.25"))),
    ("woocommerce", "woocommerce/order_updated_refunded.json", "order.updated", dict(
        kind=Kind.REFUND, status="paid", refunds=(), refunded_total=Decimal("72.25"))),
    ("stripe", "stripe/checkout_session_completed.json", None, dict(
        kind=Kind.ORDER, topic="checkout.session.completed", event_id="evt_1QmCoMpLeTeD00000001",
        store="", order_id="pi_3QwErTyUiOp12345", currency="USD", amount=Decimal("72.25"),
        status="paid", codes=("MAYA15",), promotion_ids=("promo_1QmAyA15xYzAbCdE",),
        click_id=CLICK, placed_at=at("2026-11-20T09:31:00+00:00"),
        object_id="cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ",
        customer_hash=hashlib.sha256(b"sam.lee@example.com").hexdigest())),
    ("stripe", "stripe/checkout_session_completed_jpy_unpaid.json", None, dict(
        kind=Kind.ORDER, currency="JPY", amount=Decimal("10200"), status="pending",
        order_id="pi_3QwKoNbIn1Jpy00001", click_id=CLICK, codes=(), promotion_ids=())),
    ("stripe", "stripe/checkout_session_async_payment_succeeded_jpy.json", None, dict(
        kind=Kind.UPDATE, currency="JPY", amount=Decimal("10200"), status="paid",
        order_id="pi_3QwKoNbIn1Jpy00001")),
    ("stripe", "stripe/charge_refunded.json", None, dict(
        kind=Kind.REFUND, order_id="pi_3QwErTyUiOp12345", currency="USD", amount=None,
        refunded_total=Decimal("30.60"), object_id="ch_3QwErTyUiOp12345",
        refunds=(Refund("re_3QwErTyUiOp1234501", Decimal("30.60")),))),
    ("generic", "generic/paid.json", None, dict(
        kind=Kind.ORDER, order_id="A-10042", store="", amount=Decimal("97.20"), currency="USD",
        status="paid", codes=("MAYA15",), click_id=CLICK, refunded_total=None,
        placed_at=at("2026-11-20T09:31:00+00:00"),
        utm={"utm_campaign": "spring-glow", "utm_content": "maya"})),
    ("generic", "generic/refunded_partial.json", None, dict(
        kind=Kind.REFUND, order_id="A-10042", amount=Decimal("97.20"), status="paid",
        refunded_total=Decimal("30.00"), event_id="gen-evt-0002")),
    ("generic", "generic/cancelled.json", None, dict(
        kind=Kind.CANCEL, order_id="A-10043", amount=Decimal("45.00"), status="cancelled",
        placed_at=at("2026-11-20T16:02:00+00:00"))),
]


@pytest.mark.parametrize("platform,name,topic,expected", PARSED,
                         ids=[f"{c[1]}:{c[2] or ''}" for c in PARSED])
def test_recorded_payloads_parse(platform, name, topic, expected):
    body = payload(name)
    headers = signed(platform, body, topic=topic)
    verify(platform, body, headers, [SECRET], now=NOW)
    event = parse(platform, body, headers, now=NOW)
    assert isinstance(event, OrderEvent) and event.platform == platform
    for field, value in expected.items():
        assert getattr(event, field) == value, field
    assert event.placed_at is None or event.placed_at.utcoffset() == timedelta(0)


def test_delivery_ids_come_from_the_headers():
    body = payload("woocommerce/order_created.json")
    headers = sign_woocommerce(body, SECRET, delivery_id="d-41")
    assert parse("woocommerce", body, headers, now=NOW).event_id == "d-41"
    body = payload("generic/paid.json")
    assert parse("generic", body, sign_generic(body, SECRET, event_id="g-1"), now=NOW).event_id \
        == "g-1"
    assert parse("generic", body, sign_generic(body, SECRET), now=NOW).event_id is None


@pytest.mark.parametrize("platform,name,topic", [
    ("shopify", "shopify/products_update.json", "products/update"),
    ("shopify", "shopify/orders_create.json", "customers/create"),
    ("woocommerce", "woocommerce/product_updated.json", "product.updated"),
    ("woocommerce", "woocommerce/order_created.json", "order.deleted"),
    ("stripe", "stripe/customer_created.json", None),
])
def test_unknown_topics_are_ignored(platform, name, topic):
    body = payload(name)
    event = parse(platform, body, signed(platform, body, topic=topic), now=NOW)
    assert event.kind is Kind.IGNORED and event.order_id == ""


def test_ignored_shopify_topic_needs_no_readable_body():
    headers = sign_shopify(b"not json", SECRET, topic="app/uninstalled")
    assert parse("shopify", b"not json", headers, now=NOW).kind is Kind.IGNORED


@pytest.mark.parametrize("platform,topic", [
    ("shopify", "orders/create"), ("shopify", "refunds/create"), ("woocommerce", "order.updated"),
    ("stripe", None), ("generic", None),
])
@pytest.mark.parametrize("body", [b'{"id": 1,', b"", b"\xff\xfe\x00garbage", b"[1, 2]", b"null",
                                  b'{"amount": NaN}', b"[" * 100_000])
def test_malformed_json_with_a_valid_signature(platform, topic, body):
    headers = signed(platform, body, topic=topic)
    verify(platform, body, headers, [SECRET], now=NOW)
    with pytest.raises(PayloadError) as caught:
        parse(platform, body, headers, now=NOW)
    assert caught.value.field == "body"


# Shopify click id and landing_site -------------------------------------------------------


def shopify_order(**changes):
    data = json.loads(payload("shopify/orders_create.json"))
    data.update(changes)
    body = json.dumps(data).encode()
    return parse("shopify", body, sign_shopify(body, SECRET), now=NOW)


@pytest.mark.parametrize("landing_site,click,utm_campaign", [
    ("/products/x?tclid=abc123&utm_campaign=spring", "abc123", "spring"),
    ("https://maya-skin.com/products/x?utm_campaign=spring&tclid=abc123", "abc123", "spring"),
    ("https://maya-skin.com/", None, None),
    ("/", None, None),
    (None, None, None),
    ("", None, None),
    ("http://[broken", None, None),
    ("/?tclid=" + "x" * 65, None, None),  # longer than any click id we issue
])
def test_shopify_landing_site_forms(landing_site, click, utm_campaign):
    event = shopify_order(landing_site=landing_site)
    assert event.click_id == click
    assert event.utm.get("utm_campaign") == utm_campaign


def test_shopify_note_attribute_beats_landing_site():
    event = shopify_order(note_attributes=[{"name": "tclid", "value": "fromcart"}],
                          landing_site="/?tclid=fromurl")
    assert event.click_id == "fromcart"


def test_shopify_click_param_is_configurable():
    data = json.loads(payload("shopify/orders_create.json"))
    data["landing_site"] = "/?ref=r1&tclid=t1"
    body = json.dumps(data).encode()
    headers = sign_shopify(body, SECRET)
    assert parse("shopify", body, headers, now=NOW, click_param="ref").click_id == "r1"


@pytest.mark.parametrize("financial_status,cancelled_at,status", [
    ("paid", None, "paid"), ("partially_refunded", None, "paid"), ("refunded", None, "paid"),
    ("pending", None, "pending"), ("authorized", None, "pending"),
    ("paid", "2026-11-21T08:00:05+01:00", "cancelled"),
])
def test_shopify_status(financial_status, cancelled_at, status):
    event = shopify_order(financial_status=financial_status, cancelled_at=cancelled_at)
    assert event.status == status


@pytest.mark.parametrize("topic,cancelled_at,kind", [
    ("orders/updated", None, Kind.UPDATE),
    ("orders/updated", "2026-11-21T08:00:05+01:00", Kind.CANCEL),
    ("orders/cancelled", "2026-11-21T08:00:05+01:00", Kind.CANCEL),
])
def test_shopify_a_cancelled_order_is_a_cancel_whichever_topic_says_so(topic, cancelled_at, kind):
    data = dict(json.loads(payload("shopify/orders_create.json")), cancelled_at=cancelled_at)
    body = json.dumps(data).encode()
    assert parse("shopify", body, sign_shopify(body, SECRET, topic=topic), now=NOW).kind is kind


def test_shopify_order_lists_every_refund():
    refund = json.loads(payload("shopify/refunds_create.json"))
    second = dict(refund, id=1001, refund_line_items=[
        dict(refund["refund_line_items"][0], subtotal=12.5)])  # a JSON number
    event = shopify_order(refunds=[refund, second], financial_status="partially_refunded")
    assert event.refunds == (Refund("998877665544", Decimal("25.50")),
                             Refund("1001", Decimal("12.50")))


# WooCommerce specifics -------------------------------------------------------------------


def woo_order(topic="order.created", **changes):
    data = json.loads(payload("woocommerce/order_created.json"))
    data.update(changes)
    body = php_json(data)
    return parse("woocommerce", body, sign_woocommerce(body, SECRET, topic=topic), now=NOW)


@pytest.mark.parametrize("status,kind,state", [
    ("processing", Kind.ORDER, "paid"), ("completed", Kind.ORDER, "paid"),
    ("on-hold", Kind.ORDER, "pending"), ("pending", Kind.ORDER, "pending"),
    ("cancelled", Kind.CANCEL, "cancelled"), ("failed", Kind.CANCEL, "cancelled"),
    ("refunded", Kind.REFUND, "paid"),
])
def test_woocommerce_status(status, kind, state):
    event = woo_order(status=status)
    assert (event.kind, event.status) == (kind, state)


def test_woocommerce_refunds_and_refunded_status():
    refunds = [{"id": 11, "reason": "", "total": "-10.00"},
               {"id": 12, "reason": "", "total": "-5.5"}]
    event = woo_order("order.updated", status="refunded", refunds=refunds)
    assert event.refunds == (Refund("11", Decimal("10.00")), Refund("12", Decimal("5.50")))
    assert event.refunded_total is None  # the listed refunds say it already


def test_woocommerce_click_id_from_meta_first_and_coupons_lower_cased():
    data = json.loads(payload("woocommerce/order_created.json"))
    meta = data["meta_data"] + [{"id": 1, "key": "tclid", "value": "frommeta"}]
    event = woo_order(meta_data=meta, coupon_lines=[{"id": 1, "code": "MAYA15"}])
    assert event.click_id == "frommeta" and event.codes == ("maya15",)


def test_woocommerce_dates_without_offset_are_utc_and_with_offset_are_kept():
    assert woo_order(date_created_gmt="2026-11-20T23:59:59").placed_at == at(
        "2026-11-20T23:59:59+00:00")
    assert woo_order(date_created_gmt="2026-11-20T23:59:59+02:00").placed_at == at(
        "2026-11-20T21:59:59+00:00")


# Stripe specifics ------------------------------------------------------------------------


def stripe_event(name="stripe/checkout_session_completed.json", **changes):
    data = json.loads(payload(name))
    data["data"]["object"].update(changes)
    body = json.dumps(data).encode()
    return parse("stripe", body, sign_stripe(body, SECRET, NOW), now=NOW)


@pytest.mark.parametrize("currency,subtotal,discount,amount", [
    ("jpy", 12000, 1800, Decimal("10200")), ("krw", 50000, 0, Decimal("50000")),
    ("usd", 8500, 1275, Decimal("72.25")), ("kwd", 12345, 345, Decimal("12.000")),
    ("eur", 100, 100, Decimal("0.00")), ("isk", 50000, 0, Decimal("500.00")),
    ("mga", 50000, 0, Decimal("50000")), ("ugx", 50000, 0, Decimal("50000")),
])
def test_stripe_minor_units_by_currency(currency, subtotal, discount, amount):
    event = stripe_event(currency=currency, amount_subtotal=subtotal,
                         total_details={"amount_discount": discount})
    assert (event.currency, event.amount) == (currency.upper(), amount)


def test_stripe_without_payment_intent_uses_the_session_and_metadata_click():
    event = stripe_event(payment_intent=None, client_reference_id=None,
                         metadata={"tclid": "m1"}, payment_status="no_payment_required")
    assert event.order_id == event.object_id == "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ"
    assert (event.click_id, event.status) == ("m1", "paid")


def test_stripe_landing_url_metadata_carries_the_click_id():
    landing = "https://shop.example.com/serum?utm_campaign=glow&tclid=fromurl"
    event = stripe_event(client_reference_id=None, metadata={"landing_url": landing})
    assert (event.click_id, event.utm) == ("fromurl", {"utm_campaign": "glow"})
    data = json.loads(payload("stripe/checkout_session_completed.json"))
    metadata = {"landing_url": landing.replace("tclid", "cid")}
    data["data"]["object"].update(client_reference_id=None, metadata=metadata)
    body = json.dumps(data).encode()
    headers = sign_stripe(body, SECRET, NOW)
    assert parse("stripe", body, headers, now=NOW, click_param="cid").click_id == "fromurl"


def test_stripe_expanded_references_and_connect_account():
    data = json.loads(payload("stripe/checkout_session_completed.json"))
    data["account"] = "acct_1Q0Connected"
    data["data"]["object"]["payment_intent"] = {"id": "pi_expanded", "object": "payment_intent"}
    data["data"]["object"]["discounts"] = [{"promotion_code": {"id": "promo_X"}}, {"coupon": "c"}]
    body = json.dumps(data).encode()
    event = parse("stripe", body, sign_stripe(body, SECRET, NOW), now=NOW)
    assert (event.store, event.order_id, event.promotion_ids) == (
        "acct_1Q0Connected", "pi_expanded", ("promo_X",))


def test_stripe_setup_session_is_ignored():
    assert stripe_event(mode="setup", amount_subtotal=None).kind is Kind.IGNORED


def test_stripe_refund_skips_failed_refunds_and_keeps_the_cumulative_total():
    data = json.loads(payload("stripe/charge_refunded.json"))
    listed = data["data"]["object"]["refunds"]["data"]
    listed.append(dict(listed[0], id="re_failed", amount=999, status="failed"))
    listed.append(dict(listed[0], id="re_second", amount=1000))
    data["data"]["object"]["amount_refunded"] = 4060
    body = json.dumps(data).encode()
    event = parse("stripe", body, sign_stripe(body, SECRET, NOW), now=NOW)
    assert event.refunded_total == Decimal("40.60")
    assert [r.refund_id for r in event.refunds] == ["re_3QwErTyUiOp1234501", "re_second"]


def test_stripe_refund_without_listed_refunds():
    data = json.loads(payload("stripe/charge_refunded.json"))
    del data["data"]["object"]["refunds"]  # not expanded by default in newer API versions
    body = json.dumps(data).encode()
    event = parse("stripe", body, sign_stripe(body, SECRET, NOW), now=NOW)
    assert (event.refunds, event.refunded_total) == ((), Decimal("30.60"))


def test_unstorable_characters_are_scrubbed_not_fatal():
    body = (b'{"order_id": "A-1\\ud800", "amount": "1.00", "currency": "USD", "status": "paid",'
            b' "created_at": "2026-11-20T09:31:00Z", "code": "MAYA\\u000015 \\ud83d\\ude00"}')
    event = parse("generic", body, sign_generic(body, SECRET), now=NOW)
    assert (event.order_id, event.codes) == ("A-1?", ("MAYA15 \U0001f600",))


def test_shopify_refund_rounds_in_the_shop_currency_not_the_presentment_one():
    data = json.loads(payload("shopify/refunds_create.json"))
    data["transactions"][0]["currency"] = "JPY"  # the buyer paid in yen; the shop keeps euros
    data["refund_line_items"][0]["subtotal"] = 25.505
    body = json.dumps(data).encode()
    event = parse("shopify", body, sign_shopify(body, SECRET, topic="refunds/create"), now=NOW)
    assert (event.currency, event.refunds[0].amount) == ("EUR", Decimal("25.51"))
    del data["refund_line_items"][0]["subtotal_set"]  # then the transactions say it
    body = json.dumps(data).encode()
    event = parse("shopify", body, sign_shopify(body, SECRET, topic="refunds/create"), now=NOW)
    assert (event.currency, event.refunds[0].amount) == ("JPY", Decimal("26"))


# Bad values name their field -------------------------------------------------------------


def generic(**changes):
    data = json.loads(payload("generic/paid.json"))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


BAD = [
    ("generic", generic(amount=...), "amount"),
    ("generic", generic(amount="ninety"), "amount"),
    ("generic", generic(amount=97.2), "amount"),  # a JSON number: money is a decimal string
    ("generic", generic(amount="97.205"), "amount"),  # more places than USD has
    ("generic", generic(amount="-1.00"), "amount"),
    ("generic", generic(amount="1e400"), "amount"),
    ("generic", generic(amount="Infinity"), "amount"),
    ("generic", generic(amount=True), "amount"),
    ("generic", generic(currency="EURO"), "currency"),
    ("generic", generic(currency=None), "currency"),
    ("generic", generic(created_at="2026-11-20T09:31:00"), "created_at"),  # no offset
    ("generic", generic(created_at="yesterday"), "created_at"),
    ("generic", generic(created_at=1795606260), "created_at"),
    ("generic", generic(status="shipped"), "status"),
    ("generic", generic(status=...), "status"),
    ("generic", generic(order_id=...), "order_id"),
    ("generic", generic(order_id={"id": 1}), "order_id"),
    ("generic", generic(order_id="x" * 256), "order_id"),
    ("generic", generic(status="refunded", refunded_amount="97.21"), "refunded_amount"),
    ("generic", generic(code=15), "code"),
    ("shopify", {"id": 1, "currency": "EUR", "created_at": "2026-11-20T10:31:00+01:00"},
     "subtotal_price"),
    ("shopify", {"id": 1, "currency": "EUR", "subtotal_price": "1.00"}, "created_at"),
    ("shopify", {"currency": "EUR", "subtotal_price": "1.00",
                 "created_at": "2026-11-20T10:31:00+01:00"}, "id"),
    ("shopify", {"id": 1, "currency": "EUR", "subtotal_price": "1.00", "discount_codes": "MAYA",
                 "created_at": "2026-11-20T10:31:00+01:00"}, "discount_codes"),
    ("woocommerce", {"id": 1, "status": "processing", "currency": "EUR", "total": "1.00",
                     "total_tax": "2.00", "date_created_gmt": "2026-11-20T09:31:00"}, "total"),
    ("woocommerce", {"id": 1, "currency": "EUR", "total": "1.00",
                     "date_created_gmt": "2026-11-20T09:31:00"}, "status"),
    ("stripe", {"id": "evt_1", "type": "checkout.session.completed"}, "data"),
    ("stripe", {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_1", "currency": "usd", "amount_subtotal": "8500", "created": 1}}},
     "data.object.amount_subtotal"),
    ("stripe", {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_1", "currency": "usd", "amount_subtotal": 85.0, "created": 1}}},
     "data.object.amount_subtotal"),
    ("stripe", {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_1", "currency": "usd", "amount_subtotal": 100, "created": 1,
        "total_details": {"amount_discount": 101}}}}, "data.object"),
    ("stripe", {"id": "evt_1", "type": "charge.refunded", "data": {"object": {
        "id": "ch_1", "currency": "usd", "amount_refunded": -5}}}, "data.object.amount_refunded"),
]


@pytest.mark.parametrize("platform,data,field", BAD, ids=[f"{c[0]}-{c[2]}-{i}"
                                                        for i, c in enumerate(BAD)])
def test_bad_values_name_their_field(platform, data, field):
    body = json.dumps(data).encode()
    with pytest.raises(PayloadError) as caught:
        parse(platform, body, signed(platform, body), now=NOW)
    assert caught.value.field == field, caught.value.message


@pytest.mark.parametrize("platform,header", [
    ("shopify", "X-Shopify-Topic"), ("woocommerce", "X-WC-Webhook-Topic"),
])
def test_missing_topic_header(platform, header):
    body = payload(dict(ONE_PER_PLATFORM)[platform])
    headers = {k: v for k, v in signed(platform, body).items() if k != header}
    with pytest.raises(PayloadError) as caught:
        parse(platform, body, headers, now=NOW)
    assert caught.value.field == header


def test_an_event_id_longer_than_its_column_is_refused():
    body = payload("shopify/orders_create.json")
    with pytest.raises(PayloadError) as caught:
        parse("shopify", body, sign_shopify(body, SECRET, event_id="e" * 256), now=NOW)
    assert caught.value.field == "X-Shopify-Event-Id"


# WooCommerce ping ------------------------------------------------------------------------


@pytest.mark.parametrize("body,expected", [
    (woocommerce_ping(7)[0], True), (b"webhook_id=123\n", True), (b"webhook_id=", False),
    (b"webhook_id=abc", False), (b'{"webhook_id":7}', False), (b"", False),
    (b"webhook_id=7&x=1", False), (payload("woocommerce/order_created.json"), False),
])
def test_woocommerce_ping(body, expected):
    assert is_woocommerce_ping(body, woocommerce_ping()[1]) is expected


# Garbage in, only our two errors out ----------------------------------------------------


def mutate(value, rng):
    """Replace one random leaf or member of a JSON value with something of the wrong shape."""
    junk = [None, "", "x" * 300, -1, 10**30, Decimal("1.5"), True, [], {}, [{}], "NaN",
            "2026-13-45T99:99:99", "\u0000", {"id": None}, "-0.001"]
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        return {**value, key: mutate(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        return value[:i] + [mutate(value[i], rng)] + value[i + 1:]
    return rng.choice(junk)


FUZZ_SOURCES = [(p, n, t) for p, n, t, _ in PARSED]


@pytest.mark.parametrize("seed", range(6))
def test_garbage_never_raises_anything_else(seed):
    rng = random.Random(seed)
    for platform, name, topic in FUZZ_SOURCES:
        original = json.loads(payload(name), parse_float=Decimal)
        for _ in range(25):
            data = original
            for _ in range(rng.randint(1, 4)):
                data = mutate(data, rng)
            body = json.dumps(data, default=float).encode()  # Decimal: a JSON number
            if rng.random() < 0.2:
                body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
            headers = signed(platform, body, topic=topic)
            if rng.random() < 0.3:
                headers = {rng.choice(list(headers)): rng.choice(["", "é", "t=,v1=", "\x00"])}
            try:
                verify(platform, body, headers, [SECRET], now=NOW)
            except SignatureError:
                pass
            try:
                assert isinstance(parse(platform, body, headers, now=NOW), OrderEvent)
            except PayloadError as error:
                assert error.message and error.field


@pytest.mark.parametrize("headers", [None, 42, [("a", "b")], {1: 2}, {"X-Shopify-Topic": None}])
def test_odd_header_containers(headers):
    body = payload("shopify/orders_create.json")
    with pytest.raises(SignatureError):
        verify("shopify", body, headers, [SECRET], now=NOW)
    with pytest.raises(PayloadError):
        parse("shopify", body, headers, now=NOW)


@pytest.mark.parametrize("body", ["a str", None, 12])
def test_a_body_must_be_bytes(body):
    with pytest.raises(SignatureError):
        verify("generic", body, {}, [SECRET], now=NOW)
    with pytest.raises(PayloadError):
        parse("generic", body, {}, now=NOW)
