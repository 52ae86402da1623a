"""Alembic environment: runs on the connection tracker.migrations hands over."""

from alembic import context
from sqlmodel import SQLModel

from tracker import models  # noqa: F401  (registers the tables)

config = context.config


def run():
    connection = config.attributes.get("connection")
    if connection is None:  # the `alembic` command line: open the configured URL
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _migrate(connection)
        return
    _migrate(connection)


def _migrate(connection):
    # batch mode lets later migrations alter columns on SQLite (it rebuilds the table)
    context.configure(connection=connection, target_metadata=SQLModel.metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
