"""PURE: read values out of webhook headers and JSON bodies, or raise PayloadError naming them.

Shared by the per-platform modules (shopify, woocommerce, stripe, generic) of tracker.stores.
"""

import hashlib
import json
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qs, urlsplit

from tracker.money import MoneyError, currency_code, from_minor, to_decimal, to_minor
from tracker.stores.events import PayloadError

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
ID_MAX, CODE_MAX, CLICK_MAX, URL_MAX = 255, 64, 64, 2048  # the widths of the stored columns
_UNSTORABLE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")  # a NUL or a surrogate, JSON-escaped


# Headers ---------------------------------------------------------------------------------


def header_map(headers):
    """Header names lower-cased (werkzeug Headers or a plain mapping), values stripped.

    NULs are dropped from values, as from bodies: PostgreSQL can neither store nor compare them.
    """
    try:
        pairs = list(headers.items())
    except (AttributeError, TypeError, ValueError):
        return {}
    out = {}
    for item in pairs:
        if isinstance(item, tuple) and len(item) == 2:
            name, value = item
            if isinstance(name, str) and isinstance(value, str):
                out.setdefault(name.lower(), value.replace("\x00", "").strip())
    return out


def first_header(h, *names):
    """The first of `names` present with a non-empty value in lower-cased headers `h`."""
    return next((h[name] for name in names if h.get(name)), None)


def header_value(h, names, label):
    """An optional id header, refused when longer than its column."""
    value = first_header(h, *names)
    if value is not None and len(value) > ID_MAX:
        raise PayloadError(f"{label} is longer than {ID_MAX} characters", label)
    return value


def topic_header(h, names, label):
    """The required topic header, cropped to 100 characters."""
    topic = first_header(h, *names)
    if not topic:
        raise PayloadError(f"missing {label} header", label)
    return topic[:100]


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


def load_json(body):
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


def obj_at(data, key, name, *, required=False):
    """The object under `key`, {} when absent or null unless `required`."""
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{name} must be an object", name)
    return value


def items(data, key, name=None):
    """A list of objects, [] when absent or null."""
    name = name or key
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(f"{name} must be a list of objects", name)
    return value


def text(data, key, name=None, *, required=False):
    """A stripped non-empty string, or None (PayloadError when `required`)."""
    name = name or key
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"{name} must be a string", name)
    if value and value.strip():
        return value.strip()
    if required:
        raise PayloadError(f"{name} is missing", name)
    return None


def ident(value, name):
    """A platform id: a non-empty string or an integer, as a string that fits its column."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{name} is missing or not an id", name)
    if len(value.strip()) > ID_MAX:
        raise PayloadError(f"{name} is longer than {ID_MAX} characters", name)
    return value.strip()


def ref(value, name):
    """A Stripe reference: an id string, an expanded object's id, or None."""
    if isinstance(value, dict):
        value = value.get("id")
    return None if value is None else ident(value, name)


def iso_currency(value, name="currency"):
    """The upper-case ISO 4217 code `value` names."""
    try:
        return currency_code(value if isinstance(value, str) else "")
    except MoneyError:
        raise PayloadError(f"{name} is not an ISO 4217 currency code", name) from None


def amount_value(value, name, currency=None, *, numbers=True, negative=False):
    """A Decimal amount; rounded half up to the currency's minor unit when `currency` is given."""
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
    return from_minor(to_minor(amount, currency, rounding=ROUND_HALF_UP), currency)


def when(value, name, *, naive_is_utc=False, required=True):
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


def unix_time(value, name):
    """An aware UTC datetime from integer Unix seconds."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**11:
        raise PayloadError(f"{name} must be a Unix time in seconds", name)
    return datetime.fromtimestamp(value, UTC)


def query_params(url):
    """First value of each query parameter of a URL or a path; {} when unreadable."""
    if not url:
        return {}
    try:
        return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    except ValueError:
        return {}


def crop_url(value):
    """A non-blank URL string cropped to its column, else None."""
    return value.strip()[:URL_MAX] if isinstance(value, str) and value.strip() else None


def utm(params):
    """The utm_* query parameters present, each cropped to 100 characters."""
    return {key: params[key][:100] for key in UTM_KEYS if params.get(key)}


def click_id(*candidates):
    """The first plausible click id; one longer than any we issue can match nothing."""
    for value in candidates:
        if isinstance(value, str) and 0 < len(value.strip()) <= CLICK_MAX:
            return value.strip()
    return None


def codes(values):
    """The distinct non-blank discount codes that fit their column, in order."""
    found = (v.strip() for v in values if isinstance(v, str) and v.strip())
    return tuple(dict.fromkeys(code for code in found if len(code) <= CODE_MAX))


def customer_hash(*emails):
    """The sha256 of the first non-blank email, lower-cased; never the email itself."""
    email = next((e for e in emails if isinstance(e, str) and e.strip()), None)
    return hashlib.sha256(email.strip().lower().encode()).hexdigest() if email else None
