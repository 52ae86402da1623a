"""The stores' blueprint: one signed endpoint per platform, answered within milliseconds."""

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from tracker import money
from tracker.clock import utcnow
from tracker.db import get_session
from tracker.errors import BadRequest, NotFound, Unauthorized, Unavailable, render_error
from tracker.orders import deliveries
from tracker.stores import platforms
from tracker.stores.events import PayloadError, SignatureError
from tracker.stores.woocommerce import is_woocommerce_ping

log = logging.getLogger("tracker.webhooks")
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

# platform -> (config key, environment variable that fills it)
SECRETS = {
    "shopify": ("SHOPIFY_SECRETS", "TRACKER_SHOPIFY_SECRETS"),
    "woocommerce": ("WOOCOMMERCE_SECRETS", "TRACKER_WOOCOMMERCE_SECRETS"),
    "stripe": ("STRIPE_SECRETS", "TRACKER_STRIPE_SECRETS"),
    "generic": ("WEBHOOK_SECRETS", "TRACKER_WEBHOOK_SECRETS"),
}
MAX_BODY = 5 * 1024 * 1024  # a large Shopify order is ~100 KB


@bp.post("/<platform>")
def receive(platform):
    """Verify, keep and record one delivery; reply with what happened to the order."""
    if platform not in SECRETS:
        raise NotFound(f"no webhook endpoint for '{platform}'", "platform")
    key, variable = SECRETS[platform]
    secrets = current_app.config.get(key) or []
    if not secrets:
        raise Unavailable(f"{variable} is not set, so this endpoint is off", variable)
    if (request.content_length or 0) > MAX_BODY:
        raise BadRequest(f"the body is larger than {MAX_BODY} bytes", "body")
    body = request.get_data(cache=False)
    if platform == "woocommerce" and is_woocommerce_ping(body, request.headers):
        return jsonify({"status": "ok"}), 200
    now = utcnow()
    try:
        platforms.verify(platform, body, request.headers, secrets, now=now)
    except SignatureError as err:
        raise Unauthorized(str(err), "signature") from None
    try:
        outcome = deliveries.receive(get_session(), platform=platform, body=body,
                                     headers=request.headers, now=now,
                                     click_param=current_app.config["CLICK_PARAM"])
    except PayloadError as err:
        raise BadRequest(err.message, err.field) from None
    return jsonify(reply(outcome))


@bp.errorhandler(SQLAlchemyError)
def database_unavailable(err):
    # 503, never 500: every platform retries a 5xx, and the body is replayed once we are back
    log.warning("webhook not recorded, database error: %s", err)
    return render_error(503, "unavailable", "the database is unavailable; retry later")


def reply(outcome):
    """The JSON a store (or a person testing the endpoint) gets back."""
    order, found = outcome.order, outcome.attribution
    return {
        "status": outcome.status.value,
        "order": order_json(order) if order is not None else None,
        "attribution": None if found is None else {
            "method": found.method.value,
            "reason": found.reason.value if found.reason else None,
            "creator": found.creator,
            "campaign": found.campaign,
        },
    }


def order_json(order):
    """An order with money as decimal strings in its own currency."""
    cur = order.currency
    return {
        "id": order.external_id,
        "platform": order.platform,
        "store": order.store,
        "status": order.status,
        "placed_at": order.placed_at.isoformat(),
        "currency": cur,
        "amount": money.format_minor(order.amount_minor, cur),
        "refunded": money.format_minor(order.refunded_minor, cur),
        "net": money.format_minor(order.amount_minor - order.refunded_minor, cur),
        "commission": money.format_minor(order.commission_minor, cur),
        "unconverted": order.unconverted,
    }
