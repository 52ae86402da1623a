"""GET /healthz: the database answers, and how the click writer is doing."""

from flask import Blueprint, current_app
from sqlalchemy import text

from tracker.errors import Unavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with current_app.extensions["tracker.engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        raise Unavailable("the database does not answer") from None
    stats = current_app.extensions["tracker.redirector"].writer.stats()
    return {"status": "ok", **stats}
