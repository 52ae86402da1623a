"""Bulk creator import from CSV: validate every row first, import all or nothing."""

import csv
import io

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tracker.catalog.creators import creator_fields
from tracker.catalog.schemas import CreatorIn, field_errors
from tracker.clock import utcnow
from tracker.errors import Conflict
from tracker.models import Creator

COLUMNS = ("handle", "name", "platform", "followers", "email", "engagement_rate", "niche")
REQUIRED = ("handle", "name", "platform", "followers")


def parse_creators_csv(text):
    """Return (creators, errors); errors are (line number, message) for every bad row."""
    # Excel for Mac ends lines with a bare CR, which csv refuses outside universal newlines
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        return _parse_rows(text)
    except csv.Error as err:  # e.g. a value longer than csv's field limit (128 KiB)
        return [], [(0, f"the file cannot be read as CSV: {err}")]


def _parse_rows(text):
    # Spreadsheets save "CSV" with ';' in many locales, or tabs: use the header's separator.
    delimiter = max(",;\t", key=text.partition("\n")[0].count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})  # the last one would win
    if missing or unknown or repeated:
        problems = [f"missing column(s): {', '.join(missing)}"] if missing else []
        problems += [f"unknown column(s): {', '.join(unknown)}"] if unknown else []
        problems += [f"repeated column(s): {', '.join(repeated)}"] if repeated else []
        return [], [(1, "; ".join(problems) + f" (columns: {', '.join(COLUMNS)})")]
    reader.fieldnames = header
    items, errors, seen = [], [], {}
    physical, end = text.split("\n"), reader.line_num
    for row in reader:
        # reader.line_num is where a record ends; report where it starts (a quoted value may
        # span lines, and blank lines before it are skipped).
        line, end = end + 1, reader.line_num
        while line < end and not physical[line - 1].strip():
            line += 1
        if None in row:  # csv puts values past the last column under None: never drop them
            count = len(header) + len(row[None])
            errors.append((line, f"{count} values for {len(header)} columns (quote values "
                                 "that contain a comma)"))
            continue
        data = {k: v.strip() for k, v in row.items() if k and v is not None and v.strip()}
        # isascii: "²" is a digit to isdigit, not to int(); a long one stays text and is refused
        digits = data.get("followers", "")
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            data["followers"] = int(data["followers"])
        try:
            item = CreatorIn.model_validate(data)
        except ValidationError as err:
            field, message = field_errors(err)[0]
            errors.append((line, f"{field}: {message}" if field else message))
            continue
        if item.handle in seen:
            errors.append((line, f"handle: '{item.handle}' repeats line {seen[item.handle]}"))
            continue
        seen[item.handle] = line
        items.append((line, item))
    return items, errors


def existing_handles(session, items):
    """Errors for rows whose handle is already in the database."""
    handles = [item.handle for _, item in items]
    taken = set()
    for start in range(0, len(handles), 500):
        chunk = handles[start : start + 500]
        taken.update(session.exec(select(Creator.handle).where(Creator.handle.in_(chunk))).all())
    return [
        (line, f"handle: '{i.handle}' exists already") for line, i in items if i.handle in taken
    ]


def import_creators(session, *, items, progress=None):
    """Insert validated creators in one transaction; `progress(n)` is told as rows go in."""
    now = utcnow()
    try:
        for n, (_, item) in enumerate(items, 1):
            fields = creator_fields(item.model_dump())
            session.add(Creator(**fields, created_at=now, updated_at=now))
            if progress and n % 100 == 0:
                session.flush()
                progress(100)
        session.commit()
    except IntegrityError:
        # A handle was taken between the check and the insert (another import, the API).
        session.rollback()
        raise Conflict("a handle in the file was created meanwhile; nothing was imported, "
                       "run the import again to see which", "handle") from None
    if progress:
        progress(len(items) % 100)
    return len(items)
