"""Blueprint for marketers: the HTML dashboard under /dashboard (sign-in is tracker.login)."""

import io
from decimal import Decimal

import segno
from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)  # fmt: skip

from tracker import campaigns as domain
from tracker import codes, forms, importer, links, listings, login, money, pages, schemas
from tracker.api import base_url
from tracker.db import get_session
from tracker.errors import NotFound
from tracker.forms import FormErrors
from tracker.models import PLATFORMS

bp = Blueprint("dashboard", __name__)
pages.register(bp)
login.register(bp)
MAX_CSV_BYTES = 5 * 1024 * 1024
CAMPAIGN_FIELDS = ("name", "slug", "destination_url", "currency", "attribution_window_days",
                   "starts_on", "ends_on", "utm_medium", "utm_campaign")  # fmt: skip
CREATOR_FIELDS = ("handle", "name", "platform", "followers", "email", "engagement_rate", "niche")


@bp.record_once
def _configure(state):
    login.configure(state.app)  # the cookie policy belongs with the login that relies on it


@bp.before_request
def _guard():
    if request.method == "POST":
        forms.check_csrf()
    g.user = login.current_user()
    if g.user is None and request.endpoint not in login.PUBLIC:
        return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
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


@bp.app_template_filter("money")
def money_filter(value):
    """A report's decimal string with thousands separators ("1,234.50"); a dash for null."""
    return "—" if value is None else f"{Decimal(value):,}"


@bp.app_template_filter("pct")
def pct_filter(value, places=1):
    """A ratio as a percentage ("0.0312" -> "3.1%"); a dash for null."""
    return "—" if value is None else f"{Decimal(value) * 100:,.{places}f}%"


@bp.app_template_filter("times")
def times_filter(value):
    """A multiple such as ROAS ("2.3500" -> "2.35×"); a dash for null."""
    return "—" if value is None else f"{Decimal(value):,.2f}×"


@bp.app_template_filter("minor")
def minor_filter(value, currency):
    """Integer minor units as a decimal with thousands separators ("1,234.50")."""
    return money_filter(money.format_minor(value, currency))


@bp.app_template_filter("num")
def num_filter(value):
    """An integer with thousands separators."""
    return "—" if value is None else f"{int(value):,}"


# --- campaigns: forms -------------------------------------------------------------------


@bp.route("/dashboard/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    errors = {}
    if request.method == "POST":
        try:
            data = forms.fields(CAMPAIGN_FIELDS, ints=("attribution_window_days",))
            campaign = forms.run(domain.create_campaign, get_session(),
                                 data=forms.validate(schemas.CampaignIn, data))  # fmt: skip
        except FormErrors as err:
            errors = err.errors
        else:
            flash(f"Campaign '{campaign.name}' created. Next: enrol creators to issue their "
                  "links and codes.")  # fmt: skip
            return redirect(url_for("dashboard.campaign", slug=campaign.slug))
    return render_template("dashboard/campaign_form.html", campaign=None, errors=errors,
                           values=request.form), 422 if errors else 200  # fmt: skip


@bp.route("/dashboard/campaigns/<slug>/edit", methods=["GET", "POST"])
def edit_campaign(slug):
    session_ = get_session()
    campaign, errors = domain.get_campaign(session_, slug), {}
    if request.method == "POST":
        required = ("name", "slug", "destination_url", "currency", "attribution_window_days",
                    "utm_medium", "utm_campaign")  # fmt: skip
        try:
            data = forms.fields(CAMPAIGN_FIELDS, ints=("attribution_window_days",),
                                clear=("starts_on", "ends_on"), required=required)  # fmt: skip
            changes = forms.validate(schemas.CampaignPatch, data)
            forms.run(domain.update_campaign, session_, campaign, changes=changes)
        except FormErrors as err:
            errors = err.errors
        else:
            flash("Campaign saved.")
            return redirect(url_for("dashboard.campaign", slug=campaign.slug))
    values = request.form if errors else campaign.model_dump()
    return render_template("dashboard/campaign_form.html", campaign=campaign, errors=errors,
                           values=values), 422 if errors else 200  # fmt: skip


# --- enrolment, links and codes --------------------------------------------------------


def _discount(data):
    """Fold the form's discount type and value into the API's discount object."""
    kind, value = data.pop("discount_type", None), data.pop("discount_value", None)
    if kind and not value:
        raise FormErrors({"discount_value": "give the discount's amount, or choose no discount"})
    if value and kind not in ("percent", "fixed"):
        raise FormErrors({"discount_type": "choose percent or fixed"})
    if kind:
        data["discount"] = {"type": kind, "value": value}
    return data


def _form_errors(err):
    # Nested API fields (discount.value) are shown beside the form's flat inputs.
    renames = {"discount.value": "discount_value", "discount.type": "discount_type",
               "discount": "discount_value"}  # fmt: skip
    return {renames.get(k, k): v for k, v in err.errors.items()}


@bp.route("/dashboard/campaigns/<slug>/enrol", methods=["GET", "POST"])
def enrol(slug):
    session_ = get_session()
    campaign, errors = domain.get_campaign(session_, slug), {}
    if request.method == "POST":
        names = ("creator", "fee", "product_cost", "commission_rate", "code", "discount_type",
                 "discount_value")  # fmt: skip
        try:
            data = _discount(forms.fields(names, required=("creator",)))
            forms.percent_to_fraction(data, "commission_rate")
            data = forms.validate(schemas.EnrolIn, data)
            _, _, code = forms.run(domain.enrol, session_, campaign=campaign, data=data)
        except FormErrors as err:
            errors = _form_errors(err)
        else:
            flash(f"Enrolled @{data.creator}: copy the link and code below into your message.")
            return redirect(url_for("dashboard.enrolment", slug=campaign.slug, handle=data.creator))
    values = request.form if errors else {"creator": request.args.get("creator", "")}
    handles = listings.not_enrolled(session_, campaign)
    return render_template("dashboard/enrol.html", campaign=campaign, errors=errors,
                           values=values, handles=handles), 422 if errors else 200  # fmt: skip


def _issue(kind, slug, handle, names, schema, action):
    """Create another link or code from a small form on the enrolment page."""
    try:
        data = forms.fields(names)
        if kind == "code":
            data = _discount(data)
        data = forms.validate(schema, {**data, "campaign": slug, "creator": handle})
        forms.run(action, get_session(), data=data)
    except FormErrors as err:
        for field, message in _form_errors(err).items():
            flash(f"{kind} not created: {field.replace('_', ' ')} {message}", "error")
    else:
        flash(f"New {kind} issued.")
    return redirect(url_for("dashboard.enrolment", slug=slug, handle=handle))


@bp.post("/dashboard/campaigns/<slug>/creators/<handle>/links")
def add_link(slug, handle):
    names = ("channel", "destination_url", "slug")
    return _issue("link", slug, handle, names, schemas.LinkIn, links.create_link)


@bp.post("/dashboard/campaigns/<slug>/creators/<handle>/codes")
def add_code(slug, handle):
    names = ("code", "discount_type", "discount_value", "stripe_promotion_code")
    return _issue("code", slug, handle, names, schemas.CodeIn, codes.create_code)


@bp.post("/dashboard/links/<slug>/<any(enable, disable):action>")
def switch_link(slug, action):
    session_ = get_session()
    link = listings.link_by_slug(session_, slug)
    if link is None:
        raise NotFound(f"no link '{slug}'", "link")
    changes = schemas.LinkPatch(disabled=action == "disable")
    links.update_link(session_, link, changes=changes)
    state = "switched off: it now answers 404" if link.disabled else "is live again"
    flash(f"Link /{link.slug} {state}.")
    return redirect(login.safe_next(request.form.get("next")))


# --- creators: forms and import ---------------------------------------------------------


def _creator_data(required=()):
    data = forms.fields(CREATOR_FIELDS, ints=("followers",),
                        clear=("email", "engagement_rate", "niche"), required=required)  # fmt: skip
    forms.percent_to_fraction(data, "engagement_rate")
    return data


@bp.route("/dashboard/creators/new", methods=["GET", "POST"])
def new_creator():
    errors = {}
    if request.method == "POST":
        try:
            data = forms.validate(schemas.CreatorIn, _creator_data())
            creator = forms.run(domain.create_creator, get_session(), data=data)
        except FormErrors as err:
            errors = err.errors
        else:
            flash(f"Creator @{creator.handle} added. Enrol them in a campaign to issue a link.")
            return redirect(url_for("dashboard.creator", handle=creator.handle))
    return render_template("dashboard/creator_form.html", creator=None, errors=errors,
                           values=request.form or {"platform": "instagram"},
                           platforms=PLATFORMS), 422 if errors else 200  # fmt: skip


@bp.route("/dashboard/creators/<handle>/edit", methods=["GET", "POST"])
def edit_creator(handle):
    session_ = get_session()
    creator, errors = domain.get_creator(session_, handle), {}
    if request.method == "POST":
        try:
            data = _creator_data(required=("handle", "name", "platform", "followers"))
            changes = forms.validate(schemas.CreatorPatch, data)
            forms.run(domain.update_creator, session_, creator, changes=changes)
        except FormErrors as err:
            errors = err.errors
        else:
            flash("Creator saved.")
            return redirect(url_for("dashboard.creator", handle=creator.handle))
    values = request.form if errors else creator_values(creator)
    return render_template("dashboard/creator_form.html", creator=creator, errors=errors,
                           values=values, platforms=PLATFORMS), 422 if errors else 200  # fmt: skip


def creator_values(creator):
    """A creator's fields as the form shows them (engagement as a percentage)."""
    values = creator.model_dump()
    if creator.engagement_rate is not None:
        values["engagement_rate"] = f"{creator.engagement_rate * 100:.2f}".rstrip("0").rstrip(".")
    return values


@bp.route("/dashboard/creators/import", methods=["GET", "POST"])
def import_creators():
    if request.method == "GET":
        return render_template("dashboard/import.html", errors=[], columns=importer.COLUMNS)
    text, problem = _csv_text()
    errors = [(0, problem)] if problem else []
    if text is not None:
        items, errors = importer.parse_creators_csv(text)
        errors += importer.existing_handles(get_session(), items)
    if not errors:
        count = importer.import_creators(get_session(), items=items)
        flash(f"Imported {count} creators. Next: enrol them in a campaign.")
        return redirect(url_for("dashboard.creators"))
    return render_template("dashboard/import.html", errors=sorted(errors), text=text or "",
                           columns=importer.COLUMNS), 422  # fmt: skip


def _csv_text():
    """(text, None) from the uploaded file or the pasted rows, or (None, what is wrong)."""
    upload = request.files.get("file")
    if upload and upload.filename:
        raw = upload.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            return None, "the file is larger than 5 MB: split it into several files"
        try:
            return raw.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return None, "the file is not UTF-8 text: save it as 'CSV UTF-8' and try again"
    pasted = request.form.get("text", "")
    if not pasted.strip():
        return None, "choose a CSV file, or paste its rows, first"
    return pasted, None


# --- QR codes -----------------------------------------------------------------------------


@bp.get("/dashboard/links/<slug>/qr.svg")
def link_qr(slug):
    link = listings.link_by_slug(get_session(), slug)
    if link is None:
        raise NotFound(f"no link '{slug}'", "link")
    # A standalone SVG document (with xmlns): browsers show nothing in an <img> without it.
    buffer = io.BytesIO()
    segno.make(f"{base_url()}/{link.slug}", error="m").save(buffer, kind="svg", scale=4, border=2)
    svg = buffer.getvalue()
    headers = {"Cache-Control": "private, max-age=3600"}
    if request.args.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="{link.slug}-qr.svg"'
    return Response(svg, mimetype="image/svg+xml", headers=headers)
