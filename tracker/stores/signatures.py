"""PURE: HMAC-SHA256 signature checks shared by the platforms (constant-time comparisons)."""

import base64
import hashlib
import hmac

from tracker.stores.events import SignatureError


def mac(secret, message):
    """HMAC-SHA256 of `message` under `secret`, as bytes."""
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def same(given, expected):
    """Constant-time equality of a header's value and the expected ASCII digest."""
    # bytes on both sides: compare_digest refuses non-ASCII str, and a header may hold any
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii"))


def usable(secrets):
    """The configured secrets that are non-blank strings; SignatureError if there are none."""
    kept = [s.strip() for s in secrets or () if isinstance(s, str) and s.strip()]
    if not kept:
        raise SignatureError("no webhook secret is configured for this platform")
    return kept


def signed_base64(body, given, secrets, header):
    """Accept `given` if it is the base64 HMAC of `body` under one of `secrets`."""
    if not given:
        raise SignatureError(f"missing {header} header")
    for secret in usable(secrets):
        if same(given, base64.b64encode(mac(secret, body)).decode()):
            return
    raise SignatureError(f"{header} does not match the body under any configured secret")
