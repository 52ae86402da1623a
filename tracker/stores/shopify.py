"""PURE: verify and parse Shopify order webhooks (orders/*, refunds/create) into an OrderEvent."""

from decimal import Decimal

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


def verify_shopify(body, headers, secrets, *, now):
    """Check Shopify's base64 HMAC-SHA256 of the raw body (prefixed or unprefixed header)."""
    given = first_header(header_map(headers), "x-shopify-hmac-sha256", "shopify-hmac-sha256")
    signed_base64(body, given, secrets, "X-Shopify-Hmac-Sha256")


SHOPIFY_TOPICS = {
    "orders/create": Kind.ORDER,
    "orders/paid": Kind.ORDER,
    "orders/updated": Kind.UPDATE,
    "orders/cancelled": Kind.CANCEL,
    "refunds/create": Kind.REFUND,
}
SHOPIFY_PAID = {"paid", "partially_refunded", "refunded"}  # money was taken at some point


def parse_shopify(body, headers, *, now, click_param):
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
            "topic": topic}
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
             if isinstance(n.get("name"), str)}
    discounts = items(data, "discount_codes")
    listed = items(data, "refunds")
    customer = obj_at(data, "customer", "customer")
    return OrderEvent(
        **base, kind=kind, order_id=ident(data.get("id"), "id"),
        placed_at=when(data.get("created_at"), "created_at"),
        updated_at=when(data.get("updated_at"), "updated_at", required=False),
        currency=currency,
        amount=amount_value(data.get("subtotal_price"), "subtotal_price", currency),
        status="cancelled" if cancelled else
        "paid" if text(data, "financial_status") in SHOPIFY_PAID else "pending",
        refunds=tuple(_shopify_refund(r, f"refunds[{i}].", currency) for i, r in enumerate(listed)),
        codes=codes(d.get("code") for d in discounts),
        click_id=click_id(notes.get(click_param), params.get(click_param)),
        landing_url=landing, utm=utm(params),
        customer_hash=customer_hash(customer.get("email"), data.get("email")),
    )


def _shopify_refund(data, prefix, currency=None):
    """One refund: its line items' subtotals, or else its successful refund transactions."""
    lines = items(data, "refund_line_items", f"{prefix}refund_line_items")
    if lines:
        amounts = [amount_value(line.get("subtotal"), f"{prefix}refund_line_items[{i}].subtotal")
                   for i, line in enumerate(lines)]
    else:
        paid_back = [t for t in items(data, "transactions", f"{prefix}transactions")
                     if t.get("kind") == "refund" and t.get("status") == "success"]
        name = f"{prefix}transactions[].amount"
        amounts = [amount_value(t.get("amount"), name) for t in paid_back]
    total = sum(amounts, Decimal(0))
    if currency is not None:
        total = amount_value(total, f"{prefix}amount", currency)
    return Refund(refund_id=ident(data.get("id"), f"{prefix}id"), amount=total)


def _shopify_refund_currency(data):
    """The shop currency of a refund's line items, else its transactions' currency, or None."""
    stated = [obj_at(obj_at(line, "subtotal_set", "subtotal_set"), "shop_money", "shop_money")
              .get("currency_code") for line in items(data, "refund_line_items")]
    stated += [t.get("currency") for t in items(data, "transactions")]
    for value in stated:
        try:
            return iso_currency(value)
        except PayloadError:
            continue
    return None
