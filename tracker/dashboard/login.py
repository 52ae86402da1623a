"""Dashboard sign-in: log in, log out, change password; the session cookie's policy."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from tracker.dashboard import users
from tracker.db import get_session
from tracker.errors import ApiError
from tracker.models import User

bp = Blueprint("login", __name__)
PUBLIC = {"dashboard.login.login", "dashboard.login.logout"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def configure(app):
    """Cookie policy: HttpOnly, SameSite=Lax, Secure over https, a week long."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(days=7))
    if app.config.get("BASE_URL", "").startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()


def current_user():
    """The logged-in user, or None (also when the password changed since login)."""
    uid = session.get("uid")
    user = get_session().get(User, uid) if isinstance(uid, int) else None
    if user is None or session.get("stamp") != users.session_stamp(user):
        return None
    return user


def safe_next(target):
    """Only a path inside the dashboard: never an open redirect after login."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/dashboard") or "\\" in target:
        return url_for("dashboard.pages.index")
    return target


def _start(user):
    # A fresh session (new CSRF token too) so nothing from before the login carries over.
    session.clear()
    session.permanent = True
    session["uid"], session["stamp"] = user.id, users.session_stamp(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if g.user is not None:
        return redirect(target)
    if request.method == "GET":
        return render_template("dashboard/login.html", next=target)
    email = request.form.get("email", "")
    if "\x00" in email:  # no stored email has one, and PostgreSQL fails to even compare it
        email = ""
    try:
        password = request.form.get("password", "")
        user = users.authenticate(get_session(), email=email, password=password)
    except users.Throttled as err:
        page = render_template("dashboard/login.html", next=target, email=email, error=err.message)
        return page, 429, {"Retry-After": str(err.retry_after)}
    if user is None:
        error = "Wrong email or password."
        return render_template("dashboard/login.html", next=target, email=email, error=error), 401
    _start(user)
    return redirect(target)


@bp.post("/logout")
def logout():
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("dashboard.login.login"))


@bp.route("/dashboard/account", methods=["GET", "POST"])
def account():
    """Change the password: the current one first, then the new one twice."""
    errors = {}
    if request.method == "POST":
        form = request.form
        if not users.check_password(g.user, form.get("current", "")):
            errors["current"] = "is not your current password"
        elif form.get("password", "") != form.get("confirm", ""):
            errors["confirm"] = "does not match the new password"
        else:
            try:
                users.set_password(get_session(), g.user, password=form.get("password", ""))
            except ApiError as err:
                errors[err.field] = err.message
            else:
                _start(g.user)  # this browser stays logged in; every other session ends
                flash("Password changed. Other browsers logged in as you were logged out.")
                return redirect(url_for("dashboard.pages.index"))
    return render_template("dashboard/account.html", errors=errors), 422 if errors else 200
