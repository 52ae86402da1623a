"""Engine per app and a session per request."""

import os

from flask import current_app, g
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, create_engine

from tracker.errors import Conflict


def make_engine(url):
    """Create an engine; SQLite gets WAL so readers never wait for the click writer."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        os.makedirs(os.path.dirname(os.path.abspath(url[len("sqlite:///"):])), exist_ok=True)
    kwargs = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a process crash; only an OS crash can lose the last commits.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def create_all(engine):
    """Create every table that does not exist yet (tests only: a real database is migrated)."""
    from tracker import models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)


def get_session():
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(current_app.extensions["tracker.engine"])
    return g.db_session


def _close_session(_exc):
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app):
    """Attach an engine to the app and close the request session on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["tracker.engine"] = engine
    if app.testing:
        # fast, and tests/test_migrations.py proves the migrations build this same schema
        create_all(engine)
    else:
        from tracker import migrations

        migrations.upgrade(engine)
    app.teardown_appcontext(_close_session)
    return engine


def commit_or_conflict(session, conflict_message, field):
    """Commit; a unique constraint hit between check and insert becomes a 409 on `field`."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(conflict_message, field) from None
