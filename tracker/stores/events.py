"""The normalised order event every platform's webhook becomes, and the two ways reading fails."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


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
