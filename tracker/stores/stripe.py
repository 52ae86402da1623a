"""PURE: verify Stripe-Signature and parse Stripe events (Checkout Sessions, refunded charges)."""

import re
from decimal import Decimal

from tracker.money import exponent
from tracker.stores.events import Kind, OrderEvent, PayloadError, Refund, SignatureError
from tracker.stores.fields import (
    click_id,
    codes,
    crop_url,
    customer_hash,
    first_header,
    header_map,
    ident,
    iso_currency,
    items,
    load_json,
    obj_at,
    query_params,
    ref,
    text,
    unix_time,
    utm,
)
from tracker.stores.signatures import mac, same, usable

# Where Stripe's minor units differ from ISO 4217: ISK keeps two (always-zero) decimals in
# Stripe's API, MGA is on its zero-decimal list.
STRIPE_EXPONENTS = {"ISK": 2, "MGA": 0}


def minor_units(data, key, name, currency):
    """Stripe's integer minor units as a Decimal in major units (JPY has none)."""
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**15:
        raise PayloadError(f"{name} must be a non-negative integer of minor units", name)
    return Decimal(value).scaleb(-STRIPE_EXPONENTS.get(currency, exponent(currency)))



STRIPE_TOLERANCE = 300  # seconds between Stripe's signing time and ours, as Stripe's libraries


def verify_stripe(body, headers, secrets, *, now):
    """Check `Stripe-Signature: t=..,v1=..` (hex HMAC of `t.body`) and refuse stale times."""
    header = first_header(header_map(headers), "stripe-signature")
    if not header:
        raise SignatureError("missing Stripe-Signature header")
    pairs = [part.strip().partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in pairs if key == "t"]
    given = [value for key, _, value in pairs if key == "v1" and value]
    if len(stamps) != 1 or not re.fullmatch(r"[0-9]{1,12}", stamps[0]) or not given:
        raise SignatureError("Stripe-Signature needs t=<unix time> and v1=<signature>")
    signed = stamps[0].encode() + b"." + body
    expected = [mac(secret, signed).hex() for secret in usable(secrets)]
    if not any(same(sig, digest) for sig in given for digest in expected):
        raise SignatureError("no v1 signature in Stripe-Signature matches the body")
    if abs(now.timestamp() - int(stamps[0])) > STRIPE_TOLERANCE:
        raise SignatureError("Stripe-Signature timestamp is more than 300 s from now (replay?)")


# Stripe ----------------------------------------------------------------------------------

STRIPE_TOPICS = {
    "checkout.session.completed": Kind.ORDER,
    "checkout.session.async_payment_succeeded": Kind.UPDATE,
    "checkout.session.async_payment_failed": Kind.CANCEL,  # a bank debit that bounced
    "charge.refunded": Kind.REFUND,
}
STRIPE_PAID = {"paid", "no_payment_required"}  # a 100 % discount needs no payment yet counts


def parse_stripe(body, headers, *, now, click_param):
    """Read a Stripe event: a Checkout Session becomes an order, a refunded charge a refund."""
    event = load_json(body)
    topic = text(event, "type", required=True)[:100]
    store = ident(event["account"], "account") if event.get("account") else ""
    base = {"platform": "stripe", "topic": topic, "event_id": ident(event.get("id"), "id"),
            "store": store}
    kind = STRIPE_TOPICS.get(topic)
    if kind is None:
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    data = obj_at(event, "data", "data", required=True)
    obj = obj_at(data, "object", "data.object", required=True)
    if obj.get("mode") == "setup":  # a session that only saves a card is no order
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    currency = iso_currency(obj.get("currency"), "data.object.currency")
    object_id = ident(obj.get("id"), "data.object.id")
    if kind is Kind.REFUND:
        return _stripe_refund(obj, base, currency, object_id)
    metadata = obj_at(obj, "metadata", "data.object.metadata")
    totals = obj_at(obj, "total_details", "data.object.total_details")
    amount = minor_units(obj, "amount_subtotal", "data.object.amount_subtotal", currency)
    if totals.get("amount_discount") is not None:
        amount -= minor_units(totals, "amount_discount",
                              "data.object.total_details.amount_discount", currency)
    if amount < 0:
        raise PayloadError("amount_discount is more than amount_subtotal", "data.object")
    payment = text(obj, "payment_status", "data.object.payment_status")
    paid = kind is Kind.UPDATE or payment in STRIPE_PAID
    status = "cancelled" if kind is Kind.CANCEL else "paid" if paid else "pending"
    promotions = [ref(d.get("promotion_code"), "data.object.discounts[].promotion_code")
                  for d in items(obj, "discounts", "data.object.discounts")]
    landing = crop_url(metadata.get("landing_url"))
    params = query_params(landing)
    return OrderEvent(
        **base, kind=kind, object_id=object_id,
        order_id=ref(obj.get("payment_intent"), "data.object.payment_intent") or object_id,
        placed_at=unix_time(obj.get("created"), "data.object.created"),
        currency=currency, amount=amount, status=status,
        codes=codes([metadata.get("code")]), promotion_ids=tuple(filter(None, promotions)),
        click_id=click_id(obj.get("client_reference_id"), metadata.get(click_param),
                          params.get(click_param)),
        landing_url=landing, utm=utm(params),
        customer_hash=customer_hash(obj_at(obj, "customer_details", "data.object.customer_details")
                                .get("email"), obj.get("customer_email")),
    )


def _stripe_refund(charge, base, currency, charge_id):
    """charge.refunded: the cumulative amount_refunded, and each refund it lists by id."""
    listed = items(obj_at(charge, "refunds", "data.object.refunds"), "data", "data.object.refunds")
    refunds = tuple(
        Refund(ident(r.get("id"), "data.object.refunds.data[].id"),
               minor_units(r, "amount", "data.object.refunds.data[].amount", currency))
        for r in listed if r.get("status") not in ("failed", "canceled")
    )
    return OrderEvent(
        **base, kind=Kind.REFUND, object_id=charge_id, currency=currency, refunds=refunds,
        order_id=ref(charge.get("payment_intent"), "data.object.payment_intent") or charge_id,
        refunded_total=minor_units(charge, "amount_refunded", "data.object.amount_refunded",
                                   currency),
        customer_hash=customer_hash(obj_at(charge, "billing_details", "data.object.billing_details")
                                .get("email")),
    )
