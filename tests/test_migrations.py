"""Alembic migrations: they build exactly the models' schema, and upgrading keeps the data."""

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from tests.helpers import PG_URL, Api
from tracker import create_app, db, migrations
from tracker.api.keys import create_api_key


@pytest.fixture
def fresh_url(tmp_path):
    """An empty database of the backend under test (PostgreSQL: a database of its own)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    url = make_url(PG_URL)
    name = f"{url.database}_migrations"
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(fresh_url):
    engine = db.make_engine(fresh_url)
    yield engine
    engine.dispose()


def head():
    return ScriptDirectory.from_config(migrations.config()).get_current_head()


def test_migrations_build_exactly_the_models_schema(engine):
    migrations.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []  # a model changed without a migration: `alembic revision` one
    assert migrations.current(engine) == head()


def test_upgrading_a_database_made_by_migration_1_keeps_its_data(engine, fresh_url):
    migrations.upgrade(engine, "0001")
    assert migrations.current(engine) == "0001"
    app = create_app({"TESTING": True, "DATABASE_URL": fresh_url})
    with Session(app.extensions["tracker.engine"]) as s:
        api = Api(app.test_client(), create_api_key(s, name="t")[1])
    api.creator("maya", followers=12000)
    api.campaign()
    slug = api.enrol("glow-serum-launch", "maya", fee="150.00")["link"]["slug"]
    assert app.test_client().get(f"/{slug}").status_code == 302
    before = [api.get(u).json for u in ("/api/v1/creators", "/api/v1/campaigns")]
    app.extensions["tracker.redirector"].writer.close()
    app.extensions["tracker.engine"].dispose()

    migrations.upgrade(engine)

    assert migrations.current(engine) == head()
    again = create_app({"TESTING": True, "DATABASE_URL": fresh_url})
    api.client = again.test_client()
    assert [api.get(u).json for u in ("/api/v1/creators", "/api/v1/campaigns")] == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM click")).scalar() == 1
    again.extensions["tracker.redirector"].writer.close()
    again.extensions["tracker.engine"].dispose()


def test_a_database_made_before_migrations_is_adopted_not_recreated(engine):
    db.create_all(engine)  # what every version before migrations did at start
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO api_key (name, prefix, key_hash, created_at) VALUES "
                          "('old', 'p', 'h', CURRENT_TIMESTAMP)"))
    migrations.upgrade(engine)
    assert migrations.current(engine) == head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM api_key")).scalars().all() == ["old"]


def test_a_real_instance_is_migrated_not_created_behind_alembics_back(fresh_url, engine):
    app = create_app({"DATABASE_URL": fresh_url, "SECRET_KEY": "k" * 32})
    app.extensions["tracker.engine"].dispose()
    assert migrations.current(engine) == head()
    assert "alembic_version" in inspect(engine).get_table_names()


@pytest.mark.skipif(not PG_URL, reason="several instances share a database on PostgreSQL only")
def test_instances_starting_together_migrate_once(engine):
    errors = []

    def start():
        try:
            migrations.upgrade(engine)
        except Exception as err:  # collected: an exception in a thread would go unseen
            errors.append(err)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert migrations.current(engine) == head()
