"""Defaults, overridden by TRACKER_* environment variables."""

import os
import re
from urllib.parse import urlsplit

from flask import current_app, request
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_SECRET = "dev-only-secret-do-not-use-in-production"
DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
DEFAULT_TIERS = "nano:0,micro:10000,mid:50000,macro:500000,mega:1000000"


class ConfigError(RuntimeError):
    """Configuration that the service refuses to start with."""


def parse_tiers(text):
    """Parse `name:min_followers,...` into [(min, name)] sorted by minimum."""
    bands = []
    for part in text.split(","):
        name, sep, low = part.strip().partition(":")
        if not sep or not name.strip() or not low.strip().isdigit():
            raise ConfigError(f"TRACKER_TIERS: bad band {part!r}, expected name:min_followers")
        bands.append((int(low), name.strip()))
    bands.sort()
    names = [name.lower() for _, name in bands]
    for kind, values in (("name", names), ("minimum", [low for low, _ in bands])):
        if repeated := sorted({str(v) for v in values if values.count(v) > 1}):
            # two bands with one name or one minimum: a creator's tier would be ambiguous
            raise ConfigError(f"TRACKER_TIERS: {kind} {', '.join(repeated)} given twice")
    if not bands or bands[0][0] != 0:
        raise ConfigError("TRACKER_TIERS: one band must start at 0 followers")
    return bands


def _proxy_count(text):
    # A negative or fractional count would pick a wrong hop, or crash every redirect.
    text = text.strip() or "0"
    if not re.fullmatch(r"[0-9]{1,2}", text):
        raise ConfigError(f"TRACKER_PROXY_COUNT: {text!r} is not a number of proxies (0, 1, 2...)")
    return int(text)


def _click_param(name):
    # Written into every Location as is: no character may need escaping, no clash with UTMs.
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name) or name.lower().startswith("utm_"):
        raise ConfigError(
            f"TRACKER_CLICK_PARAM: {name!r} cannot be the click id's query parameter; use up to "
            "64 letters, digits, '_', '.' or '-', not a utm_ name"
        )
    return name


def _check_database_url(text):
    # Found here, the mistake gets a message; found by the engine, a traceback.
    try:
        url = make_url(text)
    except ArgumentError:
        url = None
    if url is None or url.drivername not in DATABASE_DRIVERS:
        shown = f"'{url.render_as_string(hide_password=True)}'" if url else "the value"
        raise ConfigError(
            f"TRACKER_DATABASE_URL: {shown} is not a supported database URL; use "
            "sqlite:///path/to/tracker.db or postgresql+psycopg://user:password@host/dbname"
        )


def _base_url(text):
    # Every short link is built on it: a value without scheme or host breaks them all.
    parts = urlsplit(text)
    if text and (parts.scheme not in ("http", "https") or not parts.hostname or " " in text
                 or parts.query or parts.fragment):
        raise ConfigError(f"TRACKER_BASE_URL: {text!r} is not an origin such as https://go.brand.com")
    return text.rstrip("/")


def _secrets(name):
    return [s.strip() for s in os.environ.get(name, "").split(",") if s.strip()]


def load(instance_path, test_config=None):
    """Build the config mapping from defaults, the environment and test overrides."""
    env = os.environ
    cfg = {
        "DATABASE_URL": env.get("TRACKER_DATABASE_URL")
        or f"sqlite:///{os.path.join(instance_path, 'tracker.db')}",
        "SECRET_KEY": env.get("TRACKER_SECRET_KEY", ""),
        "BASE_URL": _base_url(env.get("TRACKER_BASE_URL", "").strip()),
        "SHOPIFY_SECRETS": _secrets("TRACKER_SHOPIFY_SECRETS"),
        "WOOCOMMERCE_SECRETS": _secrets("TRACKER_WOOCOMMERCE_SECRETS"),
        "STRIPE_SECRETS": _secrets("TRACKER_STRIPE_SECRETS"),
        "WEBHOOK_SECRETS": _secrets("TRACKER_WEBHOOK_SECRETS"),
        "CLICK_PARAM": _click_param(env.get("TRACKER_CLICK_PARAM", "tclid")),
        # how many reverse proxies in front append to X-Forwarded-For (0: use the peer address)
        "PROXY_COUNT": _proxy_count(env.get("TRACKER_PROXY_COUNT", "")),
        "TIERS": env.get("TRACKER_TIERS", DEFAULT_TIERS),
        "DEBUG": env.get("TRACKER_DEBUG", "") in ("1", "true", "yes"),
        "TESTING": False,
    }
    cfg.update(test_config or {})
    _check_database_url(cfg["DATABASE_URL"])
    if not cfg["SECRET_KEY"]:
        if not (cfg["DEBUG"] or cfg["TESTING"]):
            raise ConfigError(
                "TRACKER_SECRET_KEY is not set. Generate one with\n"
                "  export TRACKER_SECRET_KEY=$(python3 -c "
                "'import secrets; print(secrets.token_hex(32))')\n"
                "(./scripts/run does this for you and keeps it in instance/secret_key)."
            )
        cfg["SECRET_KEY"] = DEV_SECRET
    elif cfg["SECRET_KEY"] == DEV_SECRET and not (cfg["DEBUG"] or cfg["TESTING"]):
        raise ConfigError("TRACKER_SECRET_KEY is the development value; set a real secret.")
    elif len(cfg["SECRET_KEY"]) < 16 and not (cfg["DEBUG"] or cfg["TESTING"]):
        # It salts the visitor hash: a guessable one gives visitors' IPs back by brute force.
        raise ConfigError(
            "TRACKER_SECRET_KEY is too short (16 characters at least); generate one with\n"
            "  python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    cfg["TIER_BANDS"] = parse_tiers(cfg["TIERS"])
    return cfg


def public_origin():
    """Where short links live: TRACKER_BASE_URL, else the origin the request came to."""
    return current_app.config["BASE_URL"] or request.host_url.rstrip("/")
