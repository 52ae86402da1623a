"""PURE: verify and parse Shopify, WooCommerce, Stripe and generic order webhooks.

No Flask, no session, no clock: `now` is passed in. Each platform's raw body and headers
become one small normalised OrderEvent that tracker.orders records and attributes.
"""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from tracker.money import MoneyError, currency_code, exponent, to_decimal


class Kind(StrEnum):
    ORDER = "order"  # a new paid (or pending) order
    UPDATE = "update"  # newer state of an order: amounts, codes, status
    CANCEL = "cancel"  # the order no longer counts
    REFUND = "refund"  # money given back; the order still counts
    IGNORED = "ignored"  # a topic we do not act on (answered 200 "ignored")


class SignatureError(Exception):
    """Missing or wrong signature, or a stale Stripe timestamp (answered 401)."""


class PayloadError(Exception):
    """A correctly signed body we cannot read (answered 400); `field` names the culprit."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Refund:
    refund_id: str  # the platform's refund id: repeated deliveries of it count once
    amount: Decimal  # positive, major units of the order's currency


@dataclass(frozen=True)
class OrderEvent:
    platform: str  # shopify | woocommerce | stripe | generic
    store: str  # shop domain, WooCommerce site URL, Stripe account id, or ""
    event_id: str | None  # the delivery's own id (dedupe of retries), None if the platform has none
    topic: str  # as the platform names it, e.g. "orders/paid", "charge.refunded"
    kind: Kind
    order_id: str  # the platform's order id; Stripe: the payment_intent (else the session id)
    placed_at: datetime | None = None  # aware UTC
    updated_at: datetime | None = None  # aware UTC; an older one never overwrites newer state
    currency: str | None = None  # upper-case ISO 4217
    amount: Decimal | None = None  # merchandise after discounts, no tax or shipping; major units
    status: str | None = None  # paid | pending | cancelled (what the order is now)
    refunds: tuple[Refund, ...] = ()  # every refund the payload lists (increments, by id)
    refunded_total: Decimal | None = None  # cumulative refunded so far, where the platform says so
    codes: tuple[str, ...] = ()  # discount codes as sent (matched case-insensitively)
    promotion_ids: tuple[str, ...] = ()  # Stripe promo_… ids, matched via stripe_promotion_code
    click_id: str | None = None
    landing_url: str | None = None
    utm: dict = field(default_factory=dict)  # utm_campaign / utm_content from the landing URL
    customer_hash: str | None = None  # sha256 of the lower-cased email, never the email
    object_id: str | None = None  # Stripe: the session or charge the event is about


CLICK_PARAM = "tclid"
STRIPE_TOLERANCE = 300  # seconds between Stripe's signing time and ours, as Stripe's libraries
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
ID_MAX, CODE_MAX, CLICK_MAX, URL_MAX = 255, 64, 64, 2048  # the widths of the stored columns
_PING = re.compile(rb"webhook_id=[0-9]{1,20}")
_UNSTORABLE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")  # a NUL or a surrogate, JSON-escaped


# Signatures ------------------------------------------------------------------------------


def _headers(headers):
    """Header names lower-cased (werkzeug Headers or a plain mapping), values stripped."""
    try:
        items = list(headers.items())
    except (AttributeError, TypeError, ValueError):
        return {}
    out = {}
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            name, value = item
            if isinstance(name, str) and isinstance(value, str):
                out.setdefault(name.lower(), value.strip())
    return out


def _first(h, *names):
    return next((h[name] for name in names if h.get(name)), None)


def _mac(secret, message):
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _same(given, expected):
    # bytes on both sides: compare_digest refuses non-ASCII str, and a header may hold any
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii"))


def _usable(secrets):
    usable = [s.strip() for s in secrets or () if isinstance(s, str) and s.strip()]
    if not usable:
        raise SignatureError("no webhook secret is configured for this platform")
    return usable


def _signed_base64(body, given, secrets, header):
    if not given:
        raise SignatureError(f"missing {header} header")
    for secret in _usable(secrets):
        if _same(given, base64.b64encode(_mac(secret, body)).decode()):
            return
    raise SignatureError(f"{header} does not match the body under any configured secret")


def verify_shopify(body, headers, secrets, *, now):
    """Check Shopify's base64 HMAC-SHA256 of the raw body (prefixed or unprefixed header)."""
    given = _first(_headers(headers), "x-shopify-hmac-sha256", "shopify-hmac-sha256")
    _signed_base64(body, given, secrets, "X-Shopify-Hmac-Sha256")


def verify_woocommerce(body, headers, secrets, *, now):
    """Check WooCommerce's base64 HMAC-SHA256 of the raw (PHP-escaped) body."""
    given = _first(_headers(headers), "x-wc-webhook-signature")
    _signed_base64(body, given, secrets, "X-WC-Webhook-Signature")


def verify_generic(body, headers, secrets, *, now):
    """Check `X-Tracker-Signature: sha256=<hex HMAC-SHA256 of the body>`."""
    given = _first(_headers(headers), "x-tracker-signature")
    if not given:
        raise SignatureError("missing X-Tracker-Signature header")
    scheme, _, digest = given.partition("=")
    if scheme.strip().lower() != "sha256":
        raise SignatureError('X-Tracker-Signature must read "sha256=<hex digest>"')
    for secret in _usable(secrets):
        if _same(digest.strip().lower(), _mac(secret, body).hex()):
            return
    raise SignatureError("X-Tracker-Signature does not match the body under any configured secret")


def verify_stripe(body, headers, secrets, *, now):
    """Check `Stripe-Signature: t=..,v1=..` (hex HMAC of `t.body`) and refuse stale times."""
    header = _first(_headers(headers), "stripe-signature")
    if not header:
        raise SignatureError("missing Stripe-Signature header")
    pairs = [part.strip().partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in pairs if key == "t"]
    given = [value for key, _, value in pairs if key == "v1" and value]
    if len(stamps) != 1 or not re.fullmatch(r"[0-9]{1,12}", stamps[0]) or not given:
        raise SignatureError("Stripe-Signature needs t=<unix time> and v1=<signature>")
    signed = stamps[0].encode() + b"." + body
    expected = [_mac(secret, signed).hex() for secret in _usable(secrets)]
    if not any(_same(sig, digest) for sig in given for digest in expected):
        raise SignatureError("no v1 signature in Stripe-Signature matches the body")
    if abs(now.timestamp() - int(stamps[0])) > STRIPE_TOLERANCE:
        raise SignatureError("Stripe-Signature timestamp is more than 300 s from now (replay?)")


def is_woocommerce_ping(body, headers):
    """True for the unsigned `webhook_id=N` form WooCommerce posts when a webhook is saved."""
    return isinstance(body, bytes) and _PING.fullmatch(body.strip()) is not None


# Reading values --------------------------------------------------------------------------


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _scrub(value):
    """Lone surrogates to "?" and NULs dropped: neither can be stored (UTF-8, PostgreSQL)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode().replace("\x00", "")
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {_scrub(key): _scrub(item) for key, item in value.items()}
    return value


def _load(body):
    """The JSON object in a raw body; fractional numbers become Decimal, never float."""
    try:
        data = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
        if _UNSTORABLE.search(body):
            data = _scrub(data)
    except (ValueError, RecursionError) as error:  # JSON, UTF-8 and int-size errors
        raise PayloadError(f"the body is not readable JSON: {error}"[:300], "body") from None
    if not isinstance(data, dict):
        raise PayloadError("the body must be a JSON object", "body")
    return data


def _obj(data, key, name, *, required=False):
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{name} must be an object", name)
    return value


def _items(data, key, name=None):
    """A list of objects, [] when absent or null."""
    name = name or key
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(f"{name} must be a list of objects", name)
    return value


def _text(data, key, name=None, *, required=False):
    name = name or key
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"{name} must be a string", name)
    if value and value.strip():
        return value.strip()
    if required:
        raise PayloadError(f"{name} is missing", name)
    return None


def _ident(value, name):
    """A platform id: a non-empty string or an integer, as a string that fits its column."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{name} is missing or not an id", name)
    if len(value.strip()) > ID_MAX:
        raise PayloadError(f"{name} is longer than {ID_MAX} characters", name)
    return value.strip()


def _ref(value, name):
    """A Stripe reference: an id string, an expanded object's id, or None."""
    if isinstance(value, dict):
        value = value.get("id")
    return None if value is None else _ident(value, name)


def _currency(value, name="currency"):
    try:
        return currency_code(value if isinstance(value, str) else "")
    except MoneyError:
        raise PayloadError(f"{name} is not an ISO 4217 currency code", name) from None


def _money(value, name, currency=None, *, numbers=True, negative=False):
    """A Decimal amount; rounded to the currency's minor unit when `currency` is given."""
    if value is None:
        raise PayloadError(f"{name} is missing", name)
    if isinstance(value, Decimal) and not numbers:
        raise PayloadError(f'{name} must be a decimal string such as "97.20"', name)
    if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
        raise PayloadError(f"{name} must be a decimal amount", name)
    try:
        amount = to_decimal(value)
    except MoneyError as error:
        raise PayloadError(f"{name}: {error}", name) from None
    if amount.adjusted() > 14 or (amount < 0 and not negative):
        raise PayloadError(f"{name} must be a non-negative amount of sane size", name)
    if currency is None:
        return amount
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


def _minor(data, key, name, currency):
    """Stripe's integer minor units as a Decimal in major units (JPY has none)."""
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**15:
        raise PayloadError(f"{name} must be a non-negative integer of minor units", name)
    return Decimal(value).scaleb(-exponent(currency))


def _when(value, name, *, naive_is_utc=False, required=True):
    """An aware UTC datetime from ISO 8601; naive values only where the platform means UTC."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{name} must be an ISO 8601 date-time", name)
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None and naive_is_utc:
            moment = moment.replace(tzinfo=UTC)
        if moment.tzinfo is None:
            raise PayloadError(f"{name} needs a UTC offset, e.g. 2026-11-22T09:30:00+00:00", name)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise PayloadError(f"{name} is not an ISO 8601 date-time", name) from None


def _unix(value, name):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**11:
        raise PayloadError(f"{name} must be a Unix time in seconds", name)
    return datetime.fromtimestamp(value, UTC)


def _query(url):
    """First value of each query parameter of a URL or a path; {} when unreadable."""
    if not url:
        return {}
    try:
        return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    except ValueError:
        return {}


def _url(value):
    return value.strip()[:URL_MAX] if isinstance(value, str) and value.strip() else None


def _utm(params):
    return {key: params[key][:100] for key in UTM_KEYS if params.get(key)}


def _click(*candidates):
    """The first plausible click id; one longer than any we issue can match nothing."""
    for value in candidates:
        if isinstance(value, str) and 0 < len(value.strip()) <= CLICK_MAX:
            return value.strip()
    return None


def _codes(values):
    found = (v.strip() for v in values if isinstance(v, str) and v.strip())
    return tuple(dict.fromkeys(code for code in found if len(code) <= CODE_MAX))


def _customer(*emails):
    email = next((e for e in emails if isinstance(e, str) and e.strip()), None)
    return hashlib.sha256(email.strip().lower().encode()).hexdigest() if email else None


def _header_value(h, names, label):
    value = _first(h, *names)
    if value is not None and len(value) > ID_MAX:
        raise PayloadError(f"{label} is longer than {ID_MAX} characters", label)
    return value


def _topic(h, names, label):
    topic = _first(h, *names)
    if not topic:
        raise PayloadError(f"missing {label} header", label)
    return topic[:100]


# Shopify ---------------------------------------------------------------------------------

SHOPIFY_TOPICS = {
    "orders/create": Kind.ORDER,
    "orders/paid": Kind.ORDER,
    "orders/updated": Kind.UPDATE,
    "orders/cancelled": Kind.CANCEL,
    "refunds/create": Kind.REFUND,
}
SHOPIFY_PAID = {"paid", "partially_refunded", "refunded"}  # money was taken at some point


def parse_shopify(body, headers, *, now, click_param=CLICK_PARAM):
    """Read an orders/* or refunds/create delivery; other topics are IGNORED unread."""
    h = _headers(headers)
    topic = _topic(h, ("x-shopify-topic", "shopify-topic"), "X-Shopify-Topic")
    shop = _header_value(
        h, ("x-shopify-shop-domain", "shopify-shop-domain"), "X-Shopify-Shop-Domain"
    )
    event_id = _header_value(
        h, ("x-shopify-event-id", "shopify-event-id", "x-shopify-webhook-id", "shopify-webhook-id"),
        "X-Shopify-Event-Id",
    )
    base = {"platform": "shopify", "store": (shop or "").lower(), "event_id": event_id,
            "topic": topic}  # fmt: skip
    kind = SHOPIFY_TOPICS.get(topic)
    if kind is None:
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    data = _load(body)
    if kind is Kind.REFUND:
        currency = _shopify_refund_currency(data)
        return OrderEvent(**base, kind=kind, order_id=_ident(data.get("order_id"), "order_id"),
                          currency=currency, refunds=(_shopify_refund(data, "", currency),))
    return _shopify_order(data, base, kind, click_param)


def _shopify_order(data, base, kind, click_param):
    cancelled = bool(data.get("cancelled_at"))
    if cancelled:
        kind = Kind.CANCEL  # orders/updated of a cancelled order too: as WooCommerce's status
    currency = _currency(data.get("currency"))
    landing = _url(data.get("landing_site"))
    params = _query(landing)
    notes = {n["name"]: n.get("value") for n in _items(data, "note_attributes")
             if isinstance(n.get("name"), str)}  # fmt: skip
    discounts = _items(data, "discount_codes")
    listed = _items(data, "refunds")
    customer = _obj(data, "customer", "customer")
    return OrderEvent(
        **base, kind=kind, order_id=_ident(data.get("id"), "id"),
        placed_at=_when(data.get("created_at"), "created_at"),
        updated_at=_when(data.get("updated_at"), "updated_at", required=False),
        currency=currency, amount=_money(data.get("subtotal_price"), "subtotal_price", currency),
        status="cancelled" if cancelled else
        "paid" if _text(data, "financial_status") in SHOPIFY_PAID else "pending",
        refunds=tuple(_shopify_refund(r, f"refunds[{i}].", currency) for i, r in enumerate(listed)),
        codes=_codes(d.get("code") for d in discounts),
        click_id=_click(notes.get(click_param), params.get(click_param)),
        landing_url=landing, utm=_utm(params),
        customer_hash=_customer(customer.get("email"), data.get("email")),
    )  # fmt: skip


def _shopify_refund(data, prefix, currency=None):
    """One refund: its line items' subtotals, or else its successful refund transactions."""
    lines = _items(data, "refund_line_items", f"{prefix}refund_line_items")
    if lines:
        amounts = [_money(line.get("subtotal"), f"{prefix}refund_line_items[{i}].subtotal")
                   for i, line in enumerate(lines)]  # fmt: skip
    else:
        paid_back = [t for t in _items(data, "transactions", f"{prefix}transactions")
                     if t.get("kind") == "refund" and t.get("status") == "success"]  # fmt: skip
        amounts = [_money(t.get("amount"), f"{prefix}transactions[].amount") for t in paid_back]
    total = sum(amounts, Decimal(0))
    if currency is not None:
        total = _money(total, f"{prefix}amount", currency)
    return Refund(refund_id=_ident(data.get("id"), f"{prefix}id"), amount=total)


def _shopify_refund_currency(data):
    """The shop currency of a refund's line items, else its transactions' currency, or None."""
    stated = [_obj(_obj(line, "subtotal_set", "subtotal_set"), "shop_money", "shop_money")
              .get("currency_code") for line in _items(data, "refund_line_items")]  # fmt: skip
    stated += [t.get("currency") for t in _items(data, "transactions")]
    for value in stated:
        try:
            return _currency(value)
        except PayloadError:
            continue
    return None


# Generic ---------------------------------------------------------------------------------

GENERIC_KINDS = {"paid": Kind.ORDER, "cancelled": Kind.CANCEL, "refunded": Kind.REFUND}


def _exact(value, name, currency):
    """A decimal string with no more places than the currency has: the sender can fix it."""
    amount = _money(value, name, numbers=False)
    if amount != _money(amount, name, currency):
        raise PayloadError(f"{name} has more decimals than {currency} allows", name)
    return amount


def parse_generic(body, headers, *, now, click_param=CLICK_PARAM):
    """Read the generic body; every status carries the full order, so any can create it."""
    data = _load(body)
    status = _text(data, "status", required=True)
    kind = GENERIC_KINDS.get(status)
    if kind is None:
        raise PayloadError("status must be paid, cancelled or refunded", "status")
    currency = _currency(data.get("currency"))
    amount = _exact(data.get("amount"), "amount", currency)
    refunded = data.get("refunded_amount")
    if refunded is not None:
        refunded = _exact(refunded, "refunded_amount", currency)
        if refunded > amount:
            raise PayloadError("refunded_amount is more than amount", "refunded_amount")
    landing = _url(_text(data, "landing_url"))
    params = _query(landing)
    event_id = _first(_headers(headers), "x-tracker-event-id") or _text(data, "event_id")
    return OrderEvent(
        platform="generic", store="", topic=status, kind=kind,
        event_id=None if event_id is None else _ident(event_id, "event_id"),
        order_id=_ident(data.get("order_id"), "order_id"),
        placed_at=_when(data.get("created_at"), "created_at"),
        currency=currency, amount=amount,
        status="cancelled" if kind is Kind.CANCEL else "paid",
        refunded_total=amount if kind is Kind.REFUND and refunded is None else refunded,
        codes=_codes([_text(data, "code")]),
        click_id=_click(_text(data, "click_id"), params.get(click_param)),
        landing_url=landing, utm=_utm(params),
    )  # fmt: skip


# WooCommerce -----------------------------------------------------------------------------

WOO_TOPICS = {"order.created": Kind.ORDER, "order.updated": Kind.UPDATE}
WOO_PAID = {"processing", "completed", "refunded"}  # money was taken at some point
WOO_CANCELLED = {"cancelled", "failed", "trash"}
WOO_SESSION_ENTRY = "_wc_order_attribution_session_entry"  # the landing URL, with its query


def parse_woocommerce(body, headers, *, now, click_param=CLICK_PARAM):
    """Read order.created/updated (PHP JSON); cancelled or failed orders become CANCEL."""
    h = _headers(headers)
    topic = _topic(h, ("x-wc-webhook-topic",), "X-WC-Webhook-Topic")
    store = _header_value(h, ("x-wc-webhook-source",), "X-WC-Webhook-Source")
    event_id = _header_value(h, ("x-wc-webhook-delivery-id",), "X-WC-Webhook-Delivery-ID")
    base = {"platform": "woocommerce", "topic": topic, "store": store or "", "event_id": event_id}
    kind = WOO_TOPICS.get(topic)
    if kind is None:
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    data = _load(body)
    status = _text(data, "status", required=True)
    currency = _currency(data.get("currency"))
    amount = _money(data.get("total"), "total", currency) - _money(
        data.get("total_tax") or "0", "total_tax", currency
    ) - _money(data.get("shipping_total") or "0", "shipping_total", currency)
    if amount < 0:
        raise PayloadError("total - total_tax - shipping_total is negative", "total")
    refunds = tuple(
        Refund(_ident(r.get("id"), f"refunds[{i}].id"),
               _money(r.get("total"), f"refunds[{i}].total", currency, negative=True).copy_abs())
        for i, r in enumerate(_items(data, "refunds"))
    )  # fmt: skip
    meta = {m["key"]: m.get("value") for m in _items(data, "meta_data")
            if isinstance(m.get("key"), str)}  # fmt: skip
    landing = _url(meta.get(WOO_SESSION_ENTRY))
    params = _query(landing)
    if status in WOO_CANCELLED:
        kind = Kind.CANCEL
    elif status == "refunded":
        kind = Kind.REFUND
    return OrderEvent(
        **base, kind=kind, order_id=_ident(data.get("id"), "id"),
        placed_at=_when(data.get("date_created_gmt"), "date_created_gmt", naive_is_utc=True),
        updated_at=_when(data.get("date_modified_gmt"), "date_modified_gmt", naive_is_utc=True,
                         required=False),
        currency=currency, amount=amount,
        status="cancelled" if status in WOO_CANCELLED else "paid" if status in WOO_PAID else
        "pending",
        refunds=refunds,
        refunded_total=amount if status == "refunded" and not refunds else None,
        codes=_codes(c.get("code", "").lower() for c in _items(data, "coupon_lines")
                     if isinstance(c.get("code"), str)),
        click_id=_click(meta.get(click_param), meta.get(f"_{click_param}"),
                        params.get(click_param)),
        landing_url=landing, utm=_utm(params),
        customer_hash=_customer(_obj(data, "billing", "billing").get("email")),
    )  # fmt: skip


# Stripe ----------------------------------------------------------------------------------

STRIPE_TOPICS = {
    "checkout.session.completed": Kind.ORDER,
    "checkout.session.async_payment_succeeded": Kind.UPDATE,
    "charge.refunded": Kind.REFUND,
}
STRIPE_PAID = {"paid", "no_payment_required"}  # a 100 % discount needs no payment yet counts


def parse_stripe(body, headers, *, now, click_param=CLICK_PARAM):
    """Read a Stripe event: a Checkout Session becomes an order, a refunded charge a refund."""
    event = _load(body)
    topic = _text(event, "type", required=True)[:100]
    store = _ident(event["account"], "account") if event.get("account") else ""
    base = {"platform": "stripe", "topic": topic, "event_id": _ident(event.get("id"), "id"),
            "store": store}  # fmt: skip
    kind = STRIPE_TOPICS.get(topic)
    if kind is None:
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    obj = _obj(_obj(event, "data", "data", required=True), "object", "data.object", required=True)
    if obj.get("mode") == "setup":  # a session that only saves a card is no order
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    currency = _currency(obj.get("currency"), "data.object.currency")
    object_id = _ident(obj.get("id"), "data.object.id")
    if kind is Kind.REFUND:
        return _stripe_refund(obj, base, currency, object_id)
    metadata = _obj(obj, "metadata", "data.object.metadata")
    totals = _obj(obj, "total_details", "data.object.total_details")
    amount = _minor(obj, "amount_subtotal", "data.object.amount_subtotal", currency)
    if totals.get("amount_discount") is not None:
        amount -= _minor(totals, "amount_discount", "data.object.total_details.amount_discount",
                         currency)  # fmt: skip
    if amount < 0:
        raise PayloadError("amount_discount is more than amount_subtotal", "data.object")
    payment = _text(obj, "payment_status", "data.object.payment_status")
    paid = kind is Kind.UPDATE or payment in STRIPE_PAID
    promotions = [_ref(d.get("promotion_code"), "data.object.discounts[].promotion_code")
                  for d in _items(obj, "discounts", "data.object.discounts")]  # fmt: skip
    landing = _url(metadata.get("landing_url"))
    return OrderEvent(
        **base, kind=kind, object_id=object_id,
        order_id=_ref(obj.get("payment_intent"), "data.object.payment_intent") or object_id,
        placed_at=_unix(obj.get("created"), "data.object.created"),
        currency=currency, amount=amount, status="paid" if paid else "pending",
        codes=_codes([metadata.get("code")]), promotion_ids=tuple(filter(None, promotions)),
        click_id=_click(obj.get("client_reference_id"), metadata.get(click_param)),
        landing_url=landing, utm=_utm(_query(landing)),
        customer_hash=_customer(_obj(obj, "customer_details", "data.object.customer_details")
                                .get("email"), obj.get("customer_email")),
    )  # fmt: skip


def _stripe_refund(charge, base, currency, charge_id):
    """charge.refunded: the cumulative amount_refunded, and each refund it lists by id."""
    listed = _items(_obj(charge, "refunds", "data.object.refunds"), "data", "data.object.refunds")
    refunds = tuple(
        Refund(_ident(r.get("id"), "data.object.refunds.data[].id"),
               _minor(r, "amount", "data.object.refunds.data[].amount", currency))
        for r in listed if r.get("status") not in ("failed", "canceled")
    )  # fmt: skip
    return OrderEvent(
        **base, kind=Kind.REFUND, object_id=charge_id, currency=currency, refunds=refunds,
        order_id=_ref(charge.get("payment_intent"), "data.object.payment_intent") or charge_id,
        refunded_total=_minor(charge, "amount_refunded", "data.object.amount_refunded", currency),
        customer_hash=_customer(_obj(charge, "billing_details", "data.object.billing_details")
                                .get("email")),
    )  # fmt: skip


# Dispatch --------------------------------------------------------------------------------

PLATFORMS = {
    "shopify": (verify_shopify, parse_shopify),
    "woocommerce": (verify_woocommerce, parse_woocommerce),
    "stripe": (verify_stripe, parse_stripe),
    "generic": (verify_generic, parse_generic),
}
# A shape no check above foresaw is still the sender's bad body (400), never our 500.
_UNFORESEEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError,
               RecursionError)  # fmt: skip


def _raw(body, error):
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise error("the body must be the raw request bytes")


def verify(platform, body, headers, secrets, *, now):
    """Raise SignatureError unless one of `secrets` signed these exact bytes as `platform` does."""
    check, _ = PLATFORMS[platform]
    check(_raw(body, SignatureError), headers, secrets, now=now)


def parse(platform, body, headers, *, now, click_param=CLICK_PARAM):
    """Turn a verified delivery into an OrderEvent, or raise PayloadError naming the field."""
    _, read = PLATFORMS[platform]
    try:
        return read(_raw(body, PayloadError), headers, now=now,
                    click_param=click_param or CLICK_PARAM)  # fmt: skip
    except PayloadError:
        raise
    except _UNFORESEEN as error:
        raise PayloadError(f"unreadable payload ({type(error).__name__})", "body") from error
