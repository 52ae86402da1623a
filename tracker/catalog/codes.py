"""Discount codes: issue, map to Stripe promotion codes, and generate readable ones."""

import re

from sqlmodel import select

from tracker import money
from tracker.clock import utcnow
from tracker.db import commit_or_conflict
from tracker.errors import Conflict, Invalid
from tracker.models import Campaign, Code


def update_code(session, code, *, changes):
    """Map a Stripe promotion code or change the recorded discount."""
    fields = changes.model_dump(exclude_unset=True)
    if "stripe_promotion_code" in fields:
        if fields["stripe_promotion_code"] != code.stripe_promotion_code:
            check_promotion_code(session, fields["stripe_promotion_code"])
        code.stripe_promotion_code = fields["stripe_promotion_code"]
    if "discount" in fields:
        check_discount(changes.discount, session.get(Campaign, code.campaign_id).currency)
        code.discount_type, code.discount_value = _discount_fields(changes.discount)
    session.add(code)
    commit_or_conflict(session, "promotion code already mapped", "stripe_promotion_code")
    return code


def checked_minor(amount, currency, field):
    """`amount` in exact minor units of `currency`, or Invalid naming `field`."""
    try:
        return money.to_minor(amount, currency)
    except money.MoneyError as err:
        raise Invalid(f"{field}: {err}", field) from None


def check_discount(discount, currency):
    """Refuse a fixed discount the campaign's currency cannot express."""
    # A fixed discount is an amount of the campaign's currency: no sub-cent values.
    if discount is not None and discount.type == "fixed":
        checked_minor(discount.value, currency, "discount.value")


def check_promotion_code(session, promo):
    """Refuse a Stripe promotion code already mapped to another code."""
    if promo and session.exec(select(Code.id).where(Code.stripe_promotion_code == promo)).first():
        raise Conflict(f"promotion code '{promo}' is mapped already", "stripe_promotion_code")


def code_taken(session, code):
    """Whether a code is in use (codes are stored upper-case)."""
    return session.exec(select(Code.id).where(Code.code == code.upper())).first() is not None


def _discount_fields(discount):
    if discount is None:
        return None, None
    return discount.type, format(discount.value.normalize(), "f")


def new_code(session, enrolment, creator, *, code, discount):
    """Add (uncommitted) a code for an enrolment; a generated one when none is given."""
    if code is None:
        code = generate_code(session, creator.handle, discount)
    kind, value = _discount_fields(discount)
    row = Code(
        code=code,
        enrolment_id=enrolment.id,
        campaign_id=enrolment.campaign_id,
        creator_id=creator.id,
        discount_type=kind,
        discount_value=value,
        created_at=utcnow(),
    )
    session.add(row)
    return row


def generate_code(session, handle, discount):
    """A readable code from the handle (MAYA15), suffixed -2, -3... when taken."""
    stem = re.sub(r"[^A-Z0-9]", "", handle.upper())[:16] or "CODE"
    percent = discount is not None and discount.type == "percent"
    if percent and discount.value == int(discount.value):
        stem += str(int(discount.value))
    if len(stem) < 2:
        stem += "X"
    candidate, n = stem, 1
    while code_taken(session, candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate
