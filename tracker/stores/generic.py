"""PURE: verify and parse the generic signed JSON order webhook any shop can send."""


from tracker.money import MoneyError, to_minor
from tracker.stores.events import Kind, OrderEvent, PayloadError, SignatureError
from tracker.stores.fields import (
    amount_value,
    click_id,
    codes,
    crop_url,
    first_header,
    header_map,
    ident,
    iso_currency,
    load_json,
    query_params,
    text,
    utm,
    when,
)
from tracker.stores.signatures import mac, same, usable


def verify_generic(body, headers, secrets, *, now):
    """Check `X-Tracker-Signature: sha256=<hex HMAC-SHA256 of the body>`."""
    given = first_header(header_map(headers), "x-tracker-signature")
    if not given:
        raise SignatureError("missing X-Tracker-Signature header")
    scheme, _, digest = given.partition("=")
    if scheme.strip().lower() != "sha256":
        raise SignatureError('X-Tracker-Signature must read "sha256=<hex digest>"')
    for secret in usable(secrets):
        if same(digest.strip().lower(), mac(secret, body).hex()):
            return
    raise SignatureError("X-Tracker-Signature does not match the body under any configured secret")


GENERIC_KINDS = {"paid": Kind.ORDER, "cancelled": Kind.CANCEL, "refunded": Kind.REFUND}


def _exact(value, name, currency):
    """A decimal string with no more places than the currency has: the sender can fix it."""
    amount = amount_value(value, name, numbers=False)
    try:
        to_minor(amount, currency)
    except MoneyError:
        raise PayloadError(f"{name} has more decimals than {currency} allows", name) from None
    return amount


def parse_generic(body, headers, *, now, click_param):
    """Read the generic body; every status carries the full order, so any can create it."""
    data = load_json(body)
    status = text(data, "status", required=True)
    kind = GENERIC_KINDS.get(status)
    if kind is None:
        raise PayloadError("status must be paid, cancelled or refunded", "status")
    currency = iso_currency(data.get("currency"))
    amount = _exact(data.get("amount"), "amount", currency)
    refunded = data.get("refunded_amount")
    if refunded is not None:
        refunded = _exact(refunded, "refunded_amount", currency)
        if refunded > amount:
            raise PayloadError("refunded_amount is more than amount", "refunded_amount")
    landing = crop_url(text(data, "landing_url"))
    params = query_params(landing)
    event_id = first_header(header_map(headers), "x-tracker-event-id") or text(data, "event_id")
    return OrderEvent(
        platform="generic", store="", topic=status, kind=kind,
        event_id=None if event_id is None else ident(event_id, "event_id"),
        order_id=ident(data.get("order_id"), "order_id"),
        placed_at=when(data.get("created_at"), "created_at"),
        currency=currency, amount=amount,
        status="cancelled" if kind is Kind.CANCEL else "paid",
        refunded_total=amount if kind is Kind.REFUND and refunded is None else refunded,
        codes=codes([text(data, "code")]),
        click_id=click_id(text(data, "click_id"), params.get(click_param)),
        landing_url=landing, utm=utm(params),
    )
