"""PURE: verify and parse Shopify, WooCommerce, Stripe and generic order webhooks.

No Flask, no session, no clock: `now` is passed in. Each platform's raw body and headers
become one small normalised OrderEvent that tracker.orders records and attributes.

The event types live in tracker.order_events, the value readers in tracker.payload, the
parsers in tracker.shop_parsers and tracker.stripe_parsers; callers import all from here.
"""

import base64
import hashlib
import hmac
import re

from tracker.stores.events import Kind, OrderEvent, PayloadError, Refund, SignatureError
from tracker.stores.fields import CLICK_PARAM, first_header, header_map
from tracker.stores.shopify import parse_generic, parse_shopify, parse_woocommerce
from tracker.stores.stripe import parse_stripe

__all__ = [
    "CLICK_PARAM",
    "PLATFORMS",
    "Kind",
    "OrderEvent",
    "PayloadError",
    "Refund",
    "SignatureError",
    "is_woocommerce_ping",
    "parse",
    "verify",
]

STRIPE_TOLERANCE = 300  # seconds between Stripe's signing time and ours, as Stripe's libraries
_PING = re.compile(rb"webhook_id=[0-9]{1,20}")


# Signatures ------------------------------------------------------------------------------


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
    given = first_header(header_map(headers), "x-shopify-hmac-sha256", "shopify-hmac-sha256")
    _signed_base64(body, given, secrets, "X-Shopify-Hmac-Sha256")


def verify_woocommerce(body, headers, secrets, *, now):
    """Check WooCommerce's base64 HMAC-SHA256 of the raw (PHP-escaped) body."""
    given = first_header(header_map(headers), "x-wc-webhook-signature")
    _signed_base64(body, given, secrets, "X-WC-Webhook-Signature")


def verify_generic(body, headers, secrets, *, now):
    """Check `X-Tracker-Signature: sha256=<hex HMAC-SHA256 of the body>`."""
    given = first_header(header_map(headers), "x-tracker-signature")
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
    header = first_header(header_map(headers), "stripe-signature")
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
