"""API keys: generated once, stored as a sha256 hash with a short display prefix."""

import hashlib
import hmac
import secrets

from flask import request
from sqlmodel import select

from tracker.clock import utcnow
from tracker.errors import Unauthorized
from tracker.models import ApiKey

KEY_PREFIX = "trk_"


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session, *, name):
    """Create a key; return (row, plaintext). The plaintext is never stored."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name, prefix=plaintext[:12], key_hash=_digest(plaintext), created_at=utcnow()
    )
    session.add(row)
    session.commit()
    return row, plaintext


def check_api_key(session, plaintext):
    """Return the ApiKey matching plaintext, or None."""
    if not plaintext or len(plaintext) > 200:
        return None
    digest = _digest(plaintext)
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    # The lookup is by hash; the compare keeps the final check constant-time all the same.
    if row is not None and hmac.compare_digest(row.key_hash, digest):
        return row
    return None


def require_api_key(session):
    """Authenticate the request by Bearer or X-Api-Key header, or raise Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    key = token.strip() if scheme.lower() == "bearer" else request.headers.get("X-Api-Key")
    if not key:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key'")
    row = check_api_key(session, key.strip())
    if row is None:
        raise Unauthorized("the API key is not valid")
    return row
