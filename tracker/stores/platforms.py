"""PURE: which platform's check and parser a delivery goes through, and the failures named.

No Flask, no session, no clock: `now` is passed in. Each platform's module (shopify,
woocommerce, stripe, generic) verifies its signature and parses its body into one
small OrderEvent that tracker.orders records and attributes.
"""

from tracker.stores.events import PayloadError, SignatureError
from tracker.stores.generic import parse_generic, verify_generic
from tracker.stores.shopify import parse_shopify, verify_shopify
from tracker.stores.stripe import parse_stripe, verify_stripe
from tracker.stores.woocommerce import parse_woocommerce, verify_woocommerce

PLATFORMS = {
    "shopify": (verify_shopify, parse_shopify),
    "woocommerce": (verify_woocommerce, parse_woocommerce),
    "stripe": (verify_stripe, parse_stripe),
    "generic": (verify_generic, parse_generic),
}
_UNFORESEEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError,
               RecursionError)


def _raw(body, error):
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise error("the body must be the raw request bytes")


def verify(platform, body, headers, secrets, *, now):
    """Raise SignatureError unless one of `secrets` signed these exact bytes as `platform` does."""
    check, _ = PLATFORMS[platform]
    check(_raw(body, SignatureError), headers, secrets, now=now)


def parse(platform, body, headers, *, now, click_param):
    """Turn a verified delivery into an OrderEvent, or raise PayloadError naming the field."""
    _, read = PLATFORMS[platform]
    try:
        return read(_raw(body, PayloadError), headers, now=now,
                    click_param=click_param)
    except PayloadError:
        raise
    except _UNFORESEEN as error:
        raise PayloadError(f"unreadable payload ({type(error).__name__})", "body") from error
