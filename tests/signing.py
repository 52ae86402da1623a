"""Sign webhook bodies exactly as each platform does, and load the recorded payloads.

Each sign_* returns the header dict the platform would send with that body, so a test can
post `data=body, headers=sign_x(body, secret)` to the matching endpoint.
"""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime
from pathlib import Path

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name):
    """The exact bytes of tests/payloads/<name> (e.g. "shopify/orders_create.json")."""
    return (PAYLOADS / name).read_bytes()


def php_json(data):
    """Encode as WordPress's wp_json_encode does: compact, `/` as `\\/`, non-ASCII as \\uXXXX."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    return text.replace("/", "\\/").encode("ascii")


def _digest(secret, message):
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def sign_shopify(body, secret, *, topic="orders/create", shop="maya-skin.myshopify.com",
                 event_id=None, webhook_id=None):
    """Shopify's headers: base64 HMAC-SHA256 of the body, topic, shop, event and webhook ids."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": base64.b64encode(_digest(secret, body)).decode(),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Api-Version": "2025-07",
        "X-Shopify-Triggered-At": "2026-11-20T09:31:02.123456Z",
    }


def sign_woocommerce(body, secret, *, topic="order.created", source="https://shop.example.com/",
                     delivery_id=None, webhook_id=7):
    """WooCommerce's headers: base64 HMAC-SHA256 of the (PHP-escaped) body, topic, source."""
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
        "X-WC-Webhook-Source": source,
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": base64.b64encode(_digest(secret, body)).decode(),
        "X-WC-Webhook-ID": str(webhook_id),
        "X-WC-Webhook-Delivery-ID": delivery_id or uuid.uuid4().hex,
    }


def woocommerce_ping(webhook_id=7):
    """The unsigned form post WooCommerce sends when a webhook is saved: (body, headers)."""
    return (f"webhook_id={webhook_id}".encode(),
            {"Content-Type": "application/x-www-form-urlencoded",
             "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"})


def sign_stripe(body, secret, timestamp, *, also=()):
    """Stripe's header: t=<unix time>,v1=<hex HMAC of "t." + body>, one v1 per secret."""
    if isinstance(timestamp, datetime):
        timestamp = int(timestamp.timestamp())
    signed = f"{timestamp}.".encode() + body
    parts = [f"t={timestamp}"] + [f"v1={_digest(s, signed).hex()}" for s in (secret, *also)]
    return {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": ",".join(parts)}


def sign_generic(body, secret, *, event_id=None):
    """The generic endpoint's header: X-Tracker-Signature: sha256=<hex>, optional event id."""
    headers = {"Content-Type": "application/json",
               "X-Tracker-Signature": "sha256=" + _digest(secret, body).hex()}
    if event_id is not None:
        headers["X-Tracker-Event-Id"] = event_id
    return headers
