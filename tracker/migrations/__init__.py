"""Alembic migrations, shipped inside the package: `upgrade` brings a database to head."""

import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

HERE = os.path.dirname(os.path.abspath(__file__))
FIRST = "0001"  # the schema every database made before migrations existed already has
LOCK_ID = 7_318_204_511  # PostgreSQL advisory lock: one instance migrates, the others wait


def config(connection=None):
    """An Alembic config pointing at this folder, without an alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", HERE)
    cfg.attributes["connection"] = connection
    return cfg


def current(engine):
    """The database's revision, or None for a database Alembic has not touched."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine, revision="head"):
    """Apply pending migrations; safe to run from several instances at once."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # held until commit: a second instance starting now waits, then finds nothing to do
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        cfg = config(conn)
        context = MigrationContext.configure(conn)
        if context.get_current_revision() is None and inspect(conn).has_table("creator"):
            # made by create_all before migrations existed: it has migration 1's tables
            command.stamp(cfg, FIRST)
        command.upgrade(cfg, revision)
