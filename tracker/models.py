"""Database tables. Money is integer minor units in the campaign's currency."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

PLATFORMS = (
    "instagram", "tiktok", "youtube", "facebook", "snapchat",
    "twitter", "twitch", "pinterest", "blog", "other",
)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime


class Creator(SQLModel, table=True):
    __tablename__ = "creator"
    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(max_length=100, unique=True)  # lower case, no leading @
    name: str = Field(max_length=200)
    platform: str = Field(max_length=20, index=True)
    followers: int = Field(index=True)
    email: str | None = Field(default=None, max_length=254)
    engagement_rate: float | None = None  # a fraction, 0-1; a ratio, not money
    niche: str | None = Field(default=None, max_length=100)
    created_at: datetime
    updated_at: datetime


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    slug: str = Field(max_length=100, unique=True)
    destination_url: str = Field(max_length=2048)
    currency: str = Field(max_length=3)
    attribution_window_days: int = 30
    starts_on: date | None = None
    ends_on: date | None = None
    utm_medium: str = Field(max_length=100)
    utm_campaign: str = Field(max_length=100)
    created_at: datetime
    updated_at: datetime


class Enrolment(SQLModel, table=True):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("campaign_id", "creator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    creator_id: int = Field(foreign_key="creator.id", index=True)
    fee_minor: int = 0
    product_cost_minor: int = 0
    commission_bp: int = 0  # commission rate in 1/10000 (0.1000 = 1000)
    created_at: datetime


class Link(SQLModel, table=True):
    __tablename__ = "link"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)  # lower case
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    creator_id: int = Field(foreign_key="creator.id", index=True)
    destination_url: str = Field(max_length=2048)
    # destination with the UTM parameters merged in, so a click only appends its click id
    target_url: str = Field(max_length=4096)
    channel: str | None = Field(default=None, max_length=30)
    disabled: bool = False
    created_at: datetime


class Code(SQLModel, table=True):
    __tablename__ = "code"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # upper case
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    creator_id: int = Field(foreign_key="creator.id", index=True)
    discount_type: str | None = Field(default=None, max_length=10)  # percent | fixed
    discount_value: str | None = Field(default=None, max_length=20)  # decimal string
    stripe_promotion_code: str | None = Field(default=None, max_length=100, unique=True)
    created_at: datetime


class Click(SQLModel, table=True):
    __tablename__ = "click"
    __table_args__ = (
        Index("ix_click_campaign_day", "campaign_id", "day"),
        # covers the reports' click query: filter by campaign and day, then group per link and
        # day in index order and count distinct visitors without reading the table
        Index("ix_click_report", "campaign_id", "day", "link_id", "creator_id", "visitor",
              "is_bot"),
        Index("ix_click_link_day_visitor", "link_id", "day", "visitor"),
        Index("ix_click_created_at", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    click_id: str = Field(max_length=32, unique=True)
    link_id: int = Field(foreign_key="link.id")
    campaign_id: int
    creator_id: int = Field(index=True)
    created_at: datetime  # stored in UTC
    day: date  # UTC date of created_at, so grouping by day is plain SQL on every backend
    visitor: str = Field(max_length=32)  # HMAC of IP + UA with a daily salt; never the IP
    is_bot: bool = False
    bot_reason: str | None = Field(default=None, max_length=20)
    device: str = Field(max_length=10)  # mobile | tablet | pc | bot | other
    browser: str = Field(max_length=50)
    os: str = Field(max_length=50)
    referrer_host: str | None = Field(default=None, max_length=255)


class Order(SQLModel, table=True):
    """One store order, stored exactly once, with its attribution and money state.

    Money is integer minor units of the order's own `currency`. Reports sum `amount_minor`,
    `refunded_minor` and `commission_minor` only where `unconverted` is false (the order's
    currency is its campaign's), and count orders whose `status` is not 'cancelled'.
    """

    __tablename__ = "orders"  # "order" is an SQL keyword
    __table_args__ = (
        UniqueConstraint("platform", "store", "external_id"),
        Index("ix_orders_campaign_day", "campaign_id", "day"),
        Index("ix_orders_creator_day", "creator_id", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)  # shopify | woocommerce | stripe | generic
    store: str = Field(max_length=255)  # shop domain, site URL, Stripe account, or ""
    external_id: str = Field(max_length=255)  # the platform's order id (Stripe: session id)
    status: str = Field(max_length=20)  # paid | pending | cancelled
    placed_at: datetime  # when the customer ordered, stored in UTC
    day: date  # UTC date of placed_at
    currency: str = Field(max_length=3)
    amount_minor: int  # merchandise after discounts, without tax and shipping
    refunded_minor: int = 0  # refunded so far, capped at amount_minor
    commission_minor: int = 0  # rate x (amount - refunded), rounded to the minor unit
    unconverted: bool = False  # currency differs from the campaign's: kept out of money totals
    # attribution: method is code | click | utm | none; reason says why none matched
    method: str = Field(default="none", max_length=10)
    reason: str | None = Field(default=None, max_length=40)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    creator_id: int | None = Field(default=None, foreign_key="creator.id")
    enrolment_id: int | None = Field(default=None, foreign_key="enrolment.id")
    code: str | None = Field(default=None, max_length=64)
    click_id: str | None = Field(default=None, max_length=64)
    landing_url: str | None = Field(default=None, max_length=2048)
    customer_hash: str | None = Field(default=None, max_length=64)
    source_updated_at: datetime | None = None  # the platform's updated_at, to refuse stale payloads
    created_at: datetime
    updated_at: datetime


class User(SQLModel, table=True):
    """A dashboard login. The password is kept only as a werkzeug scrypt hash."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # lower case
    password_hash: str = Field(max_length=255)
    # consecutive failed logins and when the last one happened: the throttle works across
    # processes and instances because it lives in the database
    failed_logins: int = 0
    last_failed_at: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime


class Delivery(SQLModel, table=True):
    """One verified webhook delivery, kept with its raw body before anything acts on it.

    The unique (platform, event_id, topic) makes a retried delivery a duplicate across every
    process and instance; the topic is part of it so one store event sent under two topics is
    never taken for a retry. Deliveries without an event id (NULL) never collide.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("platform", "event_id", "topic"),
        Index("ix_delivery_received", "received_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    event_id: str | None = Field(default=None, max_length=255)
    topic: str = Field(default="", max_length=100)
    received_at: datetime
    headers: str  # JSON object of the request headers (no cookies or authorization)
    body: bytes  # the exact bytes that were signed
    # received (stored, not yet acted on) | recorded | updated | duplicate | ignored | invalid
    outcome: str = Field(default="received", max_length=20)
    error: str | None = Field(default=None, max_length=500)
    order_ref: str | None = Field(default=None, max_length=255)  # the platform's order id


class Refund(SQLModel, table=True):
    """A refund keyed by the platform's ids, so it counts once and may precede its order.

    `cumulative` rows hold a platform's "refunded so far" total (Stripe, generic): one row per
    distinct total, and the order's refund is the largest of them or the sum of the
    individual refund ids, whichever is more.
    """

    __tablename__ = "refund"
    __table_args__ = (UniqueConstraint("platform", "store", "order_ref", "refund_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    store: str = Field(max_length=255)
    order_ref: str = Field(max_length=255)  # the platform's order id (Order.external_id)
    refund_id: str = Field(max_length=255)
    cumulative: bool = False
    currency: str = Field(max_length=3)
    amount_minor: int
    created_at: datetime


class ClickDay(SQLModel, table=True):
    """Click sums per link and UTC day, derived from the click rows by tracker.clicks.daily.

    `rows` and `id_sum` fingerprint the click rows the sums were made from, so a day whose
    clicks changed since (new, late or purged clicks) is recounted before a report reads it.
    """

    __tablename__ = "click_day"
    __table_args__ = (Index("ix_click_day_campaign_day", "campaign_id", "day"),)
    link_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    campaign_id: int
    creator_id: int
    clicks: int  # human GETs
    unique_clicks: int  # distinct visitors among them
    bot_clicks: int
    rows: int
    id_sum: int = Field(sa_type=BigInteger)
