"""HTML forms for the dashboard: a per-session CSRF token, and form fields into API schemas."""

import hmac
import secrets
from decimal import Decimal, InvalidOperation

from flask import request, session
from pydantic import ValidationError

from tracker.catalog.schemas import field_errors
from tracker.db import get_session
from tracker.errors import ApiError, BadRequest


def csrf_token():
    """The session's CSRF token, created on first use (templates put it in every form)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf():
    """Refuse a POST whose form token is missing or is not this session's."""
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise BadRequest(
            "this form has expired or did not come from this site: go back, reload the page "
            "and send it again",
            "csrf_token",
        )


class FormErrors(Exception):
    """Field name -> message, for showing beside each field of a form."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def validation_errors(err):
    """Turn a pydantic ValidationError into {field: message}, one per field."""
    errors = {}
    for field, message in field_errors(err):
        errors.setdefault(field or "form", message)
    return errors


def api_error(err):
    """Turn a domain ApiError (conflict, invalid value) into form errors."""
    return FormErrors({err.field or "form": err.message})


def fields(names, *, ints=(), clear=(), required=()):
    """Read named form fields: blanks are left out (or None when they may be cleared)."""
    data, errors = {}, {}
    for name in names:
        value = request.form.get(name, "").strip()
        if not value:
            if name in required:
                errors[name] = "is required"
            elif name in clear:
                data[name] = None
            continue
        if name in ints:
            if not (value.isascii() and value.isdigit()):  # "²" is a digit to isdigit, not int
                errors[name] = "must be a whole number"
                continue
            if len(value) > 18:  # past every bound (and int() refuses 4300+ digits)
                errors[name] = "is too large"
                continue
            value = int(value)
        data[name] = value
    if errors:
        raise FormErrors(errors)
    return data


def percent_to_fraction(data, name):
    """Forms take percentages (12.5); the domain takes fractions (0.125)."""
    if data.get(name) is None:
        return
    try:
        data[name] = format(Decimal(data[name].rstrip("%").strip()) / 100, "f")
    except (InvalidOperation, ValueError):
        raise FormErrors({name: "must be a number such as 12.5"}) from None


def validate(schema, data):
    """Validate data against a schema, raising FormErrors naming each bad field."""
    try:
        return schema.model_validate(data)
    except ValidationError as err:
        raise FormErrors(validation_errors(err)) from None


def run(action, *args, **kwargs):
    """Call a domain function, turning its ApiErrors into FormErrors."""
    try:
        return action(*args, **kwargs)
    except ApiError as err:
        get_session().rollback()  # the function may have changed objects before refusing
        raise api_error(err) from None
