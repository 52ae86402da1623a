"""Input schemas: clean and validate API input into small values before anything is stored."""

import re
from datetime import date
from decimal import Decimal
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tracker import money
from tracker.catalog.creators import handle_key
from tracker.catalog.links import RESERVED
from tracker.models import PLATFORMS

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
HANDLE_RE = re.compile(r"^[a-z0-9._-]{1,100}$")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")


def is_email(value, *, public):
    """local@domain; a `public` address (a creator's inbox) also needs a dot in its domain.

    Logins need not be public: the first admin is admin@localhost.
    """
    if not EMAIL_RE.fullmatch(value):
        return False
    return not public or "." in value.rpartition("@")[2].strip(".")


def absolute_url(value):
    """Return an absolute http(s) URL or raise ValueError."""
    value = str(value).strip()
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("must not contain spaces or control characters (percent-encode them)")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    try:
        port = parts.port  # raises for a port that is not a number up to 65535
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError("has a port that is not a number from 1 to 65535")
    if len(value) > 2048:
        raise ValueError("must be at most 2048 characters")
    return value


def slug_value(value):
    """Return a lower-case slug that is not reserved, or raise ValueError."""
    value = str(value).strip().lower()
    if not SLUG_RE.match(value):
        raise ValueError("use 1-64 letters, digits, '-' or '_', starting with a letter or digit")
    if value in RESERVED:
        raise ValueError(f"'{value}' is reserved")
    return value


def decimal_value(value, low=None, high=None):
    """Parse a decimal string (not a float) within bounds."""
    try:
        amount = money.to_decimal(value)
    except money.MoneyError as err:
        raise ValueError(str(err)) from None
    if low is not None and amount < low:
        raise ValueError(f"must be at least {low}")
    if high is not None and amount > high:
        raise ValueError(f"must be at most {high}")
    return amount


def field_errors(err):
    """A pydantic ValidationError as [(field or None, message)], the way every caller shows it.

    The API answers the first, a form shows one per field, the CSV import one per row.
    """
    out = []
    for item in err.errors():
        message = item["msg"].removeprefix("Value error, ")
        # a key may be "" itself: still named, so only a model-level error has no field
        field = ".".join(str(p) for p in item["loc"]) if item["loc"] else None
        # a model-level check names its field as "field: message"; nest it under the model's
        sub, sep, rest = message.partition(": ")
        if item["type"] == "value_error" and sep and sub.isidentifier():
            field, message = (f"{field}.{sub}" if field else sub), rest
        if item["type"] == "missing":
            message = "is required"
        if item["type"] == "extra_forbidden":
            message = "is not a known field"
        if item["type"] == "string_unicode" and not field:  # a key with a lone surrogate
            field, message = "body", "a key is not valid Unicode (a lone surrogate escape)"
        out.append((field, message))
    return out


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, v):
        # PostgreSQL text cannot hold NUL (SQLite would store it): refuse it on every backend
        if isinstance(v, str) and "\x00" in v:
            raise ValueError("must not contain a NUL character")
        return v


def not_null(*names):
    """A validator for PATCH schemas: a field that may be left out may not be sent as null."""

    def check(v):
        if v is None:
            raise ValueError("must not be null (leave the field out to keep its value)")
        return v

    return field_validator(*names, mode="before")(check)


class CreatorIn(Strict):
    handle: str
    name: str = Field(min_length=1, max_length=200)
    platform: Literal[PLATFORMS]
    followers: int = Field(ge=0, le=10**10, strict=True)
    email: str | None = Field(default=None, max_length=254)
    engagement_rate: Decimal | None = None
    niche: str | None = Field(default=None, max_length=100)

    @field_validator("handle", mode="before")
    @classmethod
    def _handle(cls, v):
        if not isinstance(v, str):
            raise ValueError("must be a string")
        v = handle_key(v)
        if not HANDLE_RE.match(v):
            raise ValueError("use letters, digits, '.', '_' or '-' (1-100), optionally after '@'")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v):
        if v and not is_email(v, public=True):
            raise ValueError("is not an email address")
        return v or None

    # A platform name is not case-sensitive: "TikTok" is tiktok.
    _platform = field_validator("platform", mode="before")(
        lambda v: v.strip().lower() if isinstance(v, str) else v
    )

    @field_validator("engagement_rate", mode="before")
    @classmethod
    def _rate(cls, v):
        # A ratio, not money: a JSON number such as 0.042 is fine here.
        if isinstance(v, float):
            v = repr(v)
        return None if v is None else decimal_value(v, 0, 1)


class CreatorPatch(CreatorIn):
    handle: str | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    platform: Literal[PLATFORMS] | None = None
    followers: int | None = Field(default=None, ge=0, le=10**10, strict=True)

    _required = not_null("handle", "name", "platform", "followers")


class CampaignIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    slug: str | None = None
    destination_url: str
    currency: str = "USD"
    attribution_window_days: int = Field(default=30, ge=1, le=365, strict=True)
    starts_on: date | None = None
    ends_on: date | None = None
    utm_medium: str = Field(default="influencer", min_length=1, max_length=100)
    utm_campaign: str | None = Field(default=None, min_length=1, max_length=100)

    _slug = field_validator("slug")(lambda v: None if v is None else slug_value(v))
    _url = field_validator("destination_url")(lambda v: absolute_url(v))

    @field_validator("currency")
    @classmethod
    def _currency(cls, v):
        try:
            return money.currency_code(v)
        except money.MoneyError as err:
            raise ValueError(str(err)) from None

    @model_validator(mode="after")
    def _dates(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on: must not be before starts_on")
        return self


class CampaignPatch(CampaignIn):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    destination_url: str | None = None
    currency: str | None = None
    attribution_window_days: int | None = Field(default=None, ge=1, le=365, strict=True)
    utm_medium: str | None = Field(default=None, min_length=1, max_length=100)

    _url = field_validator("destination_url")(lambda v: None if v is None else absolute_url(v))
    _required = not_null(
        "name", "slug", "destination_url", "currency", "attribution_window_days", "utm_medium",
        "utm_campaign",
    )


class Discount(Strict):
    type: Literal["percent", "fixed"]
    value: Decimal

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v):
        return decimal_value(v, Decimal("0.01"), Decimal("1000000"))

    @model_validator(mode="after")
    def _percent(self):
        if self.type == "percent" and self.value > 100:
            raise ValueError("value: a percent discount is at most 100")
        return self


def code_value(v):
    """Upper-case a discount code and check its shape."""
    v = str(v).strip().upper()
    if not CODE_RE.match(v):
        raise ValueError("use 2-40 letters, digits, '-' or '_'")
    return v


class CodeFields(Strict):
    code: str | None = None
    discount: Discount | None = None
    _code = field_validator("code")(lambda v: None if v is None else code_value(v))


class EnrolIn(CodeFields):
    creator: str
    fee: Decimal = Decimal(0)
    product_cost: Decimal = Decimal(0)
    commission_rate: Decimal = Decimal(0)

    _creator = field_validator("creator")(handle_key)

    @field_validator("fee", "product_cost", mode="before")
    @classmethod
    def _money(cls, v):
        return decimal_value(v, 0, Decimal("100000000"))

    @field_validator("commission_rate", mode="before")
    @classmethod
    def _rate(cls, v):
        rate = decimal_value(v, 0, 1)
        if rate.scaleb(4) != rate.scaleb(4).to_integral_value():
            raise ValueError("at most 4 decimal places (0.1234)")
        return rate


class LinkIn(Strict):
    campaign: str
    creator: str
    destination_url: str | None = None
    channel: str | None = Field(default=None, max_length=30, pattern=r"^[a-z0-9_-]+$")
    slug: str | None = None

    _slug = field_validator("slug")(lambda v: None if v is None else slug_value(v))
    _url = field_validator("destination_url")(lambda v: None if v is None else absolute_url(v))
    _creator = field_validator("creator")(handle_key)


class LinkPatch(Strict):
    destination_url: str | None = None
    channel: str | None = Field(default=None, max_length=30, pattern=r"^[a-z0-9_-]+$")
    disabled: bool | None = None

    _url = field_validator("destination_url")(lambda v: None if v is None else absolute_url(v))
    _required = not_null("destination_url", "disabled")


class CodeIn(CodeFields):
    campaign: str
    creator: str
    stripe_promotion_code: str | None = Field(default=None, max_length=100)

    _creator = field_validator("creator")(handle_key)


class CodePatch(Strict):
    stripe_promotion_code: str | None = Field(default=None, max_length=100)
    discount: Discount | None = None
