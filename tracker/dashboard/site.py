"""The marketers' blueprint: sign-in guard, CSRF, security headers; each page family nests in it.

Pages live in the nested blueprints (pages, campaigns, creators, login), so their endpoints read
dashboard.<family>.<view>.
"""

from flask import Blueprint, g, redirect, request, url_for

from tracker.dashboard import campaigns, creators, filters, forms, login, pages

bp = Blueprint("dashboard", __name__)
for child in (pages.bp, campaigns.bp, creators.bp, login.bp):
    bp.register_blueprint(child)
for name, func in filters.FILTERS.items():
    bp.add_app_template_filter(func, name)


@bp.record_once
def _configure(state):
    login.configure(state.app)  # the cookie policy belongs with the login that relies on it


@bp.before_request
def _guard():
    if request.method == "POST":
        forms.check_csrf()
    g.user = login.current_user()
    if g.user is None and request.endpoint not in login.PUBLIC:
        return redirect(url_for("dashboard.login.login", next=request.full_path.rstrip("?")))
    return None


@bp.after_request
def _headers(response):
    response.headers.setdefault("Cache-Control", "no-store")  # pages show private numbers
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@bp.context_processor
def _template_globals():
    return {"user": g.get("user")}


# A global, not a context variable: imported macros (macros.csrf) see globals only.
bp.add_app_template_global(forms.csrf_token, "csrf_token")
