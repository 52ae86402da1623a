"""Dashboard logins: scrypt-hashed passwords and a login throttle kept in the database."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.catalog.schemas import is_email
from tracker.clock import utcnow
from tracker.errors import ApiError, Conflict, Invalid
from tracker.models import User

HASH_METHOD = "scrypt"  # werkzeug's scrypt: n=2**15, r=8, p=1, random 16-byte salt
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing a megabyte of "password" is a cheap denial of service
FREE_ATTEMPTS = 5  # failures allowed before the account has to wait
FIRST_WAIT = timedelta(seconds=30)  # doubles with every further failure...
MAX_WAIT = timedelta(minutes=15)  # ...up to this
# Checked when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method=HASH_METHOD)


class Throttled(ApiError):
    status, code = 429, "too_many_attempts"

    def __init__(self, message, retry_after):
        super().__init__(message, "password")
        self.retry_after = retry_after


def normal_email(email):
    """Lower-case and check a login email, or raise Invalid."""
    email = str(email or "").strip().lower()
    if not is_email(email, public=False) or len(email) > 254:
        raise Invalid("give an email address such as ana@example.com", "email")
    return email


def check_new_password(password):
    """Refuse passwords that are too short or absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"use at least {MIN_PASSWORD} characters", "password")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"use at most {MAX_PASSWORD} characters", "password")


def find_user(session, email):
    """The user with this email (any case), or None."""
    key = str(email or "").strip().lower()
    return session.exec(select(User).where(User.email == key)).first()


def create_user(session, *, email, password):
    """Create a login; raise Conflict if the email has one already."""
    email = normal_email(email)
    check_new_password(password)
    if find_user(session, email) is not None:
        raise Conflict(f"a login for '{email}' exists", "email")
    user = User(
        email=email,
        password_hash=generate_password_hash(password, method=HASH_METHOD),
        created_at=utcnow(),
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # created meanwhile by another request or command
        session.rollback()
        raise Conflict(f"a login for '{email}' exists", "email") from None
    return user


def set_password(session, user, *, password):
    """Replace a password and lift any throttle; other sessions of the user end."""
    check_new_password(password)
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    user.failed_logins, user.last_failed_at = 0, None
    session.add(user)
    session.commit()
    return user


def check_password(user, password):
    """True if password is the user's (no throttle: for someone already logged in)."""
    return len(password) <= MAX_PASSWORD and check_password_hash(user.password_hash, password)


def wait_left(user, now):
    """How long the user must wait before the next attempt (zero when free to try)."""
    if user.failed_logins < FREE_ATTEMPTS or user.last_failed_at is None:
        return timedelta(0)
    wait = min(FIRST_WAIT * 2 ** (user.failed_logins - FREE_ATTEMPTS), MAX_WAIT)
    return max(user.last_failed_at + wait - now, timedelta(0))


def authenticate(session, *, email, password):
    """Return the user for a correct email and password, None otherwise; raise Throttled."""
    now = utcnow()
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password[:MAX_PASSWORD])
        return None
    left = wait_left(user, now)
    if left:
        seconds = int(left.total_seconds()) + 1
        raise Throttled(f"too many failed attempts; try again in {seconds} seconds", seconds)
    # Count the attempt as failed before checking the password, in one UPDATE that matches
    # only the count read above: of parallel guesses, one goes ahead and the rest wait.
    claimed = session.exec(
        update(User)
        .where(User.id == user.id, User.failed_logins == user.failed_logins)
        .values(failed_logins=User.failed_logins + 1, last_failed_at=now)
    ).rowcount
    session.commit()
    if not claimed:
        raise Throttled("another sign-in attempt is under way; try again in a moment", 1)
    if not check_password(user, password):
        return None
    user.failed_logins, user.last_failed_at, user.last_login_at = 0, None, now
    session.add(user)
    session.commit()
    return user


def session_stamp(user):
    """A short digest of the password hash: a session stays valid only until it changes."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


FIRST_ADMIN = "admin@localhost"


def create_first_admin(session):
    """On a database with no logins, create one with a random password; return (email, password)."""
    if session.exec(select(User.id)).first() is not None:
        return None
    password = secrets.token_urlsafe(12)
    try:
        create_user(session, email=FIRST_ADMIN, password=password)
    except Conflict:  # another instance starting on the same database made it a moment ago
        return None
    return FIRST_ADMIN, password
