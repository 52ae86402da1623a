"""Errors the API answers with, and the one handler that renders them as JSON or HTML."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An error with an HTTP status, a machine code, a message and the field at fault."""

    status = 400
    code = "bad_request"

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Invalid(ApiError):
    status, code = 422, "invalid"


class Unavailable(ApiError):
    status, code = 503, "unavailable"


def _wants_json():
    if request.path.startswith(("/api/", "/webhooks/", "/healthz")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render_error(status, code, message, field=None):
    """Answer JSON for programs and an HTML page for people."""
    if _wants_json():
        body = {"error": {"code": code, "message": message, "field": field}}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def init_app(app):
    """Register the single error handler, and refuse NUL characters in paths and queries."""

    @app.before_request
    def refuse_nul():
        # PostgreSQL text cannot hold NUL: a lookup by such a value would fail in the database
        if "\x00" in request.path:
            raise BadRequest("the path must not contain a NUL character", "path")
        for name, value in request.args.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise BadRequest("a query parameter must not contain a NUL character", name)

    @app.errorhandler(ApiError)
    def api_error(err):
        return render_error(err.status, err.code, err.message, err.field)

    @app.errorhandler(HTTPException)
    def http_error(err):
        code = (err.name or "error").lower().replace(" ", "_")
        return render_error(err.code, code, err.description or err.name)
