"""PURE: verify and parse WooCommerce order webhooks (order.created/updated) into an OrderEvent."""

import re

from tracker.stores.events import Kind, OrderEvent, PayloadError, Refund
from tracker.stores.fields import (
    amount_value,
    click_id,
    codes,
    crop_url,
    customer_hash,
    first_header,
    header_map,
    header_value,
    ident,
    iso_currency,
    items,
    load_json,
    obj_at,
    query_params,
    text,
    topic_header,
    utm,
    when,
)
from tracker.stores.signatures import signed_base64

_PING = re.compile(rb"webhook_id=[0-9]{1,20}")


def verify_woocommerce(body, headers, secrets, *, now):
    """Check WooCommerce's base64 HMAC-SHA256 of the raw (PHP-escaped) body."""
    given = first_header(header_map(headers), "x-wc-webhook-signature")
    signed_base64(body, given, secrets, "X-WC-Webhook-Signature")


def is_woocommerce_ping(body, headers):
    """True for the unsigned `webhook_id=N` form WooCommerce posts when a webhook is saved."""
    return isinstance(body, bytes) and _PING.fullmatch(body.strip()) is not None


WOO_TOPICS = {"order.created": Kind.ORDER, "order.updated": Kind.UPDATE}
WOO_PAID = {"processing", "completed", "refunded"}  # money was taken at some point
WOO_CANCELLED = {"cancelled", "failed", "trash"}
WOO_SESSION_ENTRY = "_wc_order_attribution_session_entry"  # the landing URL, with its query


def parse_woocommerce(body, headers, *, now, click_param):
    """Read order.created/updated (PHP JSON); cancelled or failed orders become CANCEL."""
    h = header_map(headers)
    topic = topic_header(h, ("x-wc-webhook-topic",), "X-WC-Webhook-Topic")
    store = header_value(h, ("x-wc-webhook-source",), "X-WC-Webhook-Source")
    event_id = header_value(h, ("x-wc-webhook-delivery-id",), "X-WC-Webhook-Delivery-ID")
    base = {"platform": "woocommerce", "topic": topic, "store": store or "", "event_id": event_id}
    kind = WOO_TOPICS.get(topic)
    if kind is None:
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    data = load_json(body)
    status = text(data, "status", required=True)
    currency = iso_currency(data.get("currency"))
    amount = amount_value(data.get("total"), "total", currency) - amount_value(
        data.get("total_tax") or "0", "total_tax", currency
    ) - amount_value(data.get("shipping_total") or "0", "shipping_total", currency)
    if amount < 0:
        raise PayloadError("total - total_tax - shipping_total is negative", "total")
    refunds = tuple(
        Refund(ident(r.get("id"), f"refunds[{i}].id"),
               amount_value(r.get("total"), f"refunds[{i}].total", currency,
                            negative=True).copy_abs())
        for i, r in enumerate(items(data, "refunds"))
    )
    meta = {m["key"]: m.get("value") for m in items(data, "meta_data")
            if isinstance(m.get("key"), str)}
    landing = crop_url(meta.get(WOO_SESSION_ENTRY))
    params = query_params(landing)
    if status in WOO_CANCELLED:
        kind = Kind.CANCEL
    elif status == "refunded":
        kind = Kind.REFUND
    return OrderEvent(
        **base, kind=kind, order_id=ident(data.get("id"), "id"),
        placed_at=when(data.get("date_created_gmt"), "date_created_gmt", naive_is_utc=True),
        updated_at=when(data.get("date_modified_gmt"), "date_modified_gmt", naive_is_utc=True,
                         required=False),
        currency=currency, amount=amount,
        status="cancelled" if status in WOO_CANCELLED else "paid" if status in WOO_PAID else
        "pending",
        refunds=refunds,
        refunded_total=amount if status == "refunded" and not refunds else None,
        codes=codes(c.get("code", "").lower() for c in items(data, "coupon_lines")
                     if isinstance(c.get("code"), str)),
        click_id=click_id(meta.get(click_param), meta.get(f"_{click_param}"),
                        params.get(click_param)),
        landing_url=landing, utm=utm(params),
        customer_hash=customer_hash(obj_at(data, "billing", "billing").get("email")),
    )
