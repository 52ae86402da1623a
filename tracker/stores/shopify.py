"""PURE: parse Shopify, WooCommerce and generic order payloads into an OrderEvent.

Each parse_* takes the raw body and headers of a verified delivery (see tracker.platforms).
"""

from decimal import Decimal

from tracker.stores.events import Kind, OrderEvent, PayloadError, Refund
from tracker.stores.fields import (
    CLICK_PARAM,
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
    money,
    obj_at,
    query_params,
    text,
    topic_header,
    utm,
    when,
)

# Shopify ---------------------------------------------------------------------------------

SHOPIFY_TOPICS = {
    "orders/create": Kind.ORDER,
    "orders/paid": Kind.ORDER,
    "orders/updated": Kind.UPDATE,
    "orders/cancelled": Kind.CANCEL,
    "refunds/create": Kind.REFUND,
}
SHOPIFY_PAID = {"paid", "partially_refunded", "refunded"}  # money was taken at some point


def parse_shopify(body, headers, *, now, click_param=CLICK_PARAM):
    """Read an orders/* or refunds/create delivery; other topics are IGNORED unread."""
    h = header_map(headers)
    topic = topic_header(h, ("x-shopify-topic", "shopify-topic"), "X-Shopify-Topic")
    shop = header_value(
        h, ("x-shopify-shop-domain", "shopify-shop-domain"), "X-Shopify-Shop-Domain"
    )
    event_id = header_value(
        h, ("x-shopify-event-id", "shopify-event-id", "x-shopify-webhook-id", "shopify-webhook-id"),
        "X-Shopify-Event-Id",
    )
    base = {"platform": "shopify", "store": (shop or "").lower(), "event_id": event_id,
            "topic": topic}  # fmt: skip
    kind = SHOPIFY_TOPICS.get(topic)
    if kind is None:
        return OrderEvent(**base, kind=Kind.IGNORED, order_id="")
    data = load_json(body)
    if kind is Kind.REFUND:
        currency = _shopify_refund_currency(data)
        return OrderEvent(**base, kind=kind, order_id=ident(data.get("order_id"), "order_id"),
                          currency=currency, refunds=(_shopify_refund(data, "", currency),))
    return _shopify_order(data, base, kind, click_param)


def _shopify_order(data, base, kind, click_param):
    cancelled = bool(data.get("cancelled_at"))
    if cancelled:
        kind = Kind.CANCEL  # orders/updated of a cancelled order too: as WooCommerce's status
    currency = iso_currency(data.get("currency"))
    landing = crop_url(data.get("landing_site"))
    params = query_params(landing)
    notes = {n["name"]: n.get("value") for n in items(data, "note_attributes")
             if isinstance(n.get("name"), str)}  # fmt: skip
    discounts = items(data, "discount_codes")
    listed = items(data, "refunds")
    customer = obj_at(data, "customer", "customer")
    return OrderEvent(
        **base, kind=kind, order_id=ident(data.get("id"), "id"),
        placed_at=when(data.get("created_at"), "created_at"),
        updated_at=when(data.get("updated_at"), "updated_at", required=False),
        currency=currency, amount=money(data.get("subtotal_price"), "subtotal_price", currency),
        status="cancelled" if cancelled else
        "paid" if text(data, "financial_status") in SHOPIFY_PAID else "pending",
        refunds=tuple(_shopify_refund(r, f"refunds[{i}].", currency) for i, r in enumerate(listed)),
        codes=codes(d.get("code") for d in discounts),
        click_id=click_id(notes.get(click_param), params.get(click_param)),
        landing_url=landing, utm=utm(params),
        customer_hash=customer_hash(customer.get("email"), data.get("email")),
    )  # fmt: skip


def _shopify_refund(data, prefix, currency=None):
    """One refund: its line items' subtotals, or else its successful refund transactions."""
    lines = items(data, "refund_line_items", f"{prefix}refund_line_items")
    if lines:
        amounts = [money(line.get("subtotal"), f"{prefix}refund_line_items[{i}].subtotal")
                   for i, line in enumerate(lines)]  # fmt: skip
    else:
        paid_back = [t for t in items(data, "transactions", f"{prefix}transactions")
                     if t.get("kind") == "refund" and t.get("status") == "success"]  # fmt: skip
        amounts = [money(t.get("amount"), f"{prefix}transactions[].amount") for t in paid_back]
    total = sum(amounts, Decimal(0))
    if currency is not None:
        total = money(total, f"{prefix}amount", currency)
    return Refund(refund_id=ident(data.get("id"), f"{prefix}id"), amount=total)


def _shopify_refund_currency(data):
    """The shop currency of a refund's line items, else its transactions' currency, or None."""
    stated = [obj_at(obj_at(line, "subtotal_set", "subtotal_set"), "shop_money", "shop_money")
              .get("currency_code") for line in items(data, "refund_line_items")]  # fmt: skip
    stated += [t.get("currency") for t in items(data, "transactions")]
    for value in stated:
        try:
            return iso_currency(value)
        except PayloadError:
            continue
    return None


# Generic ---------------------------------------------------------------------------------

GENERIC_KINDS = {"paid": Kind.ORDER, "cancelled": Kind.CANCEL, "refunded": Kind.REFUND}


def _exact(value, name, currency):
    """A decimal string with no more places than the currency has: the sender can fix it."""
    amount = money(value, name, numbers=False)
    if amount != money(amount, name, currency):
        raise PayloadError(f"{name} has more decimals than {currency} allows", name)
    return amount


def parse_generic(body, headers, *, now, click_param=CLICK_PARAM):
    """Read the generic body; every status carries the full order, so any can create it."""
    data = load_json(body)
    status = text(data, "status", required=True)
    kind = GENERIC_KINDS.get(status)
    if kind is None:
        raise PayloadError("status must be paid, cancelled or refunded", "status")
    currency = iso_currency(data.get("currency"))
    amount = _exact(data.get("amount"), "amount", currency)
    refunded = data.get("refunded_amount")
    if refunded is not None:
        refunded = _exact(refunded, "refunded_amount", currency)
        if refunded > amount:
            raise PayloadError("refunded_amount is more than amount", "refunded_amount")
    landing = crop_url(text(data, "landing_url"))
    params = query_params(landing)
    event_id = first_header(header_map(headers), "x-tracker-event-id") or text(data, "event_id")
    return OrderEvent(
        platform="generic", store="", topic=status, kind=kind,
        event_id=None if event_id is None else ident(event_id, "event_id"),
        order_id=ident(data.get("order_id"), "order_id"),
        placed_at=when(data.get("created_at"), "created_at"),
        currency=currency, amount=amount,
        status="cancelled" if kind is Kind.CANCEL else "paid",
        refunded_total=amount if kind is Kind.REFUND and refunded is None else refunded,
        codes=codes([text(data, "code")]),
        click_id=click_id(text(data, "click_id"), params.get(click_param)),
        landing_url=landing, utm=utm(params),
    )  # fmt: skip


# WooCommerce -----------------------------------------------------------------------------

WOO_TOPICS = {"order.created": Kind.ORDER, "order.updated": Kind.UPDATE}
WOO_PAID = {"processing", "completed", "refunded"}  # money was taken at some point
WOO_CANCELLED = {"cancelled", "failed", "trash"}
WOO_SESSION_ENTRY = "_wc_order_attribution_session_entry"  # the landing URL, with its query


def parse_woocommerce(body, headers, *, now, click_param=CLICK_PARAM):
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
    amount = money(data.get("total"), "total", currency) - money(
        data.get("total_tax") or "0", "total_tax", currency
    ) - money(data.get("shipping_total") or "0", "shipping_total", currency)
    if amount < 0:
        raise PayloadError("total - total_tax - shipping_total is negative", "total")
    refunds = tuple(
        Refund(ident(r.get("id"), f"refunds[{i}].id"),
               money(r.get("total"), f"refunds[{i}].total", currency, negative=True).copy_abs())
        for i, r in enumerate(items(data, "refunds"))
    )  # fmt: skip
    meta = {m["key"]: m.get("value") for m in items(data, "meta_data")
            if isinstance(m.get("key"), str)}  # fmt: skip
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
    )  # fmt: skip
