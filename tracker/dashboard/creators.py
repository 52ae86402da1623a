"""Dashboard pages that change creators: the add and edit forms and the CSV import."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from tracker.catalog import creators, importer, schemas
from tracker.dashboard import forms
from tracker.dashboard.forms import FormErrors
from tracker.db import get_session
from tracker.models import PLATFORMS

bp = Blueprint("creators", __name__)
MAX_CSV_BYTES = 5 * 1024 * 1024


def _creator_data(required=()):
    data = forms.fields(importer.COLUMNS, ints=("followers",),
                        clear=("email", "engagement_rate", "niche"), required=required)
    forms.percent_to_fraction(data, "engagement_rate")
    return data


@bp.route("/dashboard/creators/new", methods=["GET", "POST"])
def new_creator():
    errors = {}
    if request.method == "POST":
        try:
            data = forms.validate(schemas.CreatorIn, _creator_data())
            creator = forms.run(creators.create_creator, get_session(), data=data)
        except FormErrors as err:
            errors = err.errors
        else:
            flash(f"Creator @{creator.handle} added. Enrol them in a campaign to issue a link.")
            return redirect(url_for("dashboard.pages.creator", handle=creator.handle))
    return render_template("dashboard/creator_form.html", creator=None, errors=errors,
                           values=request.form or {"platform": "instagram"},
                           platforms=PLATFORMS), 422 if errors else 200


@bp.route("/dashboard/creators/<handle>/edit", methods=["GET", "POST"])
def edit_creator(handle):
    session_ = get_session()
    creator, errors = creators.get_creator(session_, handle), {}
    if request.method == "POST":
        try:
            data = _creator_data(required=("handle", "name", "platform", "followers"))
            changes = forms.validate(schemas.CreatorPatch, data)
            forms.run(creators.update_creator, session_, creator, changes=changes)
        except FormErrors as err:
            errors = err.errors
        else:
            flash("Creator saved.")
            return redirect(url_for("dashboard.pages.creator", handle=creator.handle))
    values = request.form if errors else creator_values(creator)
    return render_template("dashboard/creator_form.html", creator=creator, errors=errors,
                           values=values, platforms=PLATFORMS), 422 if errors else 200


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
        return redirect(url_for("dashboard.pages.creators"))
    return render_template("dashboard/import.html", errors=sorted(errors), text=text or "",
                           columns=importer.COLUMNS), 422


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
