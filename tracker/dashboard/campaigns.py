"""Dashboard forms that change campaigns: create, edit, enrol creators, issue links and codes."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from tracker.catalog import campaigns, enrolments, links, schemas
from tracker.config import public_origin
from tracker.dashboard import forms, login
from tracker.dashboard.forms import FormErrors
from tracker.db import get_session
from tracker.errors import NotFound

bp = Blueprint("campaigns", __name__)
CAMPAIGN_FIELDS = ("name", "slug", "destination_url", "currency", "attribution_window_days",
                   "starts_on", "ends_on", "utm_medium", "utm_campaign")


# --- campaigns: forms -------------------------------------------------------------------


@bp.route("/dashboard/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    errors = {}
    if request.method == "POST":
        try:
            data = forms.fields(CAMPAIGN_FIELDS, ints=("attribution_window_days",))
            campaign = forms.run(campaigns.create_campaign, get_session(),
                                 data=forms.validate(schemas.CampaignIn, data))
        except FormErrors as err:
            errors = err.errors
        else:
            flash(f"Campaign '{campaign.name}' created. Next: enrol creators to issue their "
                  "links and codes.")
            return redirect(url_for("dashboard.pages.campaign", slug=campaign.slug))
    return render_template("dashboard/campaign_form.html", campaign=None, errors=errors,
                           values=request.form), 422 if errors else 200


@bp.route("/dashboard/campaigns/<slug>/edit", methods=["GET", "POST"])
def edit_campaign(slug):
    session_ = get_session()
    campaign, errors = campaigns.get_campaign(session_, slug), {}
    if request.method == "POST":
        required = ("name", "slug", "destination_url", "currency", "attribution_window_days",
                    "utm_medium", "utm_campaign")
        try:
            data = forms.fields(CAMPAIGN_FIELDS, ints=("attribution_window_days",),
                                clear=("starts_on", "ends_on"), required=required)
            changes = forms.validate(schemas.CampaignPatch, data)
            forms.run(campaigns.update_campaign, session_, campaign, changes=changes)
        except FormErrors as err:
            errors = err.errors
        else:
            flash("Campaign saved.")
            return redirect(url_for("dashboard.pages.campaign", slug=campaign.slug))
    values = request.form if errors else campaign.model_dump()
    return render_template("dashboard/campaign_form.html", campaign=campaign, errors=errors,
                           values=values), 422 if errors else 200


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
               "discount": "discount_value"}
    return {renames.get(k, k): v for k, v in err.errors.items()}


@bp.route("/dashboard/campaigns/<slug>/enrol", methods=["GET", "POST"])
def enrol(slug):
    session_ = get_session()
    campaign, errors = campaigns.get_campaign(session_, slug), {}
    if request.method == "POST":
        names = ("creator", "fee", "product_cost", "commission_rate", "code", "discount_type",
                 "discount_value")
        try:
            data = _discount(forms.fields(names, required=("creator",)))
            forms.percent_to_fraction(data, "commission_rate")
            data = forms.validate(schemas.EnrolIn, data)
            _, _, code = forms.run(enrolments.enrol, session_, campaign=campaign, data=data)
        except FormErrors as err:
            errors = _form_errors(err)
        else:
            flash(f"Enrolled @{data.creator}: copy the link and code below into your message.")
            return redirect(url_for("dashboard.pages.enrolment", slug=campaign.slug,
                                    handle=data.creator))
    values = request.form if errors else {"creator": request.args.get("creator", "")}
    handles = enrolments.not_enrolled(session_, campaign)
    return render_template("dashboard/enrol.html", campaign=campaign, errors=errors,
                           values=values, handles=handles), 422 if errors else 200


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
    return redirect(url_for("dashboard.pages.enrolment", slug=slug, handle=handle))


@bp.post("/dashboard/campaigns/<slug>/creators/<handle>/links")
def add_link(slug, handle):
    names = ("channel", "destination_url", "slug")
    return _issue("link", slug, handle, names, schemas.LinkIn, enrolments.issue_link)


@bp.post("/dashboard/campaigns/<slug>/creators/<handle>/codes")
def add_code(slug, handle):
    names = ("code", "discount_type", "discount_value", "stripe_promotion_code")
    return _issue("code", slug, handle, names, schemas.CodeIn, enrolments.issue_code)


@bp.post("/dashboard/links/<slug>/<any(enable, disable):action>")
def switch_link(slug, action):
    session_ = get_session()
    link = links.link_by_slug(session_, slug)
    if link is None:
        raise NotFound(f"no link '{slug}'", "link")
    changes = schemas.LinkPatch(disabled=action == "disable")
    links.update_link(session_, link, changes=changes)
    state = "switched off: it now answers 404" if link.disabled else "is live again"
    flash(f"Link /{link.slug} {state}.")
    return redirect(login.safe_next(request.form.get("next")))


# --- QR codes -----------------------------------------------------------------------------


@bp.get("/dashboard/links/<slug>/qr.svg")
def link_qr(slug):
    link = links.link_by_slug(get_session(), slug)
    if link is None:
        raise NotFound(f"no link '{slug}'", "link")
    svg = links.qr_code(f"{public_origin()}/{link.slug}", kind="svg", scale=4)
    headers = {"Cache-Control": "private, max-age=3600"}
    if request.args.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="{link.slug}-qr.svg"'
    return Response(svg, mimetype="image/svg+xml", headers=headers)
