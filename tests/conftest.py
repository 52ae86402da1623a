import gc

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from tests.helpers import EMAIL, PASSWORD, PG_URL, Api, Dash, backend_url, log_in
from tracker import create_app
from tracker.api.keys import create_api_key
from tracker.dashboard import users


def pytest_configure(config):
    if PG_URL:
        # A session a test leaves unclosed is silent on SQLite; psycopg warns when the collector
        # frees it, at some later test. Keep the PostgreSQL run exactly as strict as SQLite's.
        config.addinivalue_line(
            "filterwarnings", "ignore:.*was deleted while still open:ResourceWarning")


@pytest.fixture(scope="session")
def _backend():
    """PostgreSQL only: start the session on an empty schema."""
    if not PG_URL:
        yield None
        return
    engine = create_engine(PG_URL, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(_backend):
    """PostgreSQL only: empty every table after each test (ids restart too), as a new file would."""
    yield
    if _backend is None:
        return
    for attempt in range(3):
        try:
            with _backend.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                names = conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
                if names:
                    quoted = ", ".join(f'"{n}"' for n in names)
                    conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            return
        except Exception:
            if attempt == 2:
                raise
            if attempt == 0:
                # a session the test left open holds a lock: the collector rolls it back
                gc.collect()
                continue
            # a server the test started (or killed) still holds one: end its sessions
            with _backend.begin() as conn:
                # the timeout (ms) waits until each has exited and released its locks
                conn.execute(text("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid()"))


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": backend_url(tmp_path)})
    yield app
    app.extensions["tracker.redirector"].writer.close()
    app.extensions["tracker.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    with Session(app.extensions["tracker.engine"]) as s:
        yield s


@pytest.fixture
def api_key(session):
    return create_api_key(session, name="tests")[1]


@pytest.fixture
def api(client, api_key):
    return Api(client, api_key)


@pytest.fixture
def enrolled(api):
    """A campaign with one enrolled creator: the enrolment response."""
    api.creator("maya")
    api.campaign()
    return api.enrol("glow-serum-launch", "maya", discount={"type": "percent", "value": "15"})


@pytest.fixture
def user(session):
    """A dashboard login: EMAIL with PASSWORD."""
    return users.create_user(session, email=EMAIL, password=PASSWORD)


@pytest.fixture
def dash(client, user):
    """The test client logged in to the dashboard as `user`."""
    assert log_in(client).status_code == 302
    return Dash(client)


@pytest.fixture
def make_app(app):
    """Build another app on the same database with extra config (tiers, proxies, base URL)."""
    made = []

    def build(**config):
        other = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], **config})
        made.append(other)
        return other

    yield build
    for other in made:
        other.extensions["tracker.redirector"].writer.close()
        other.extensions["tracker.engine"].dispose()


@pytest.fixture
def clicks(session):
    """Read every stored click as a dict, oldest first."""
    from sqlalchemy import select as core_select

    from tracker.models import Click

    def read():
        result = session.connection().execute(core_select(Click.__table__).order_by(Click.id))
        rows = [dict(r._mapping) for r in result]
        session.rollback()  # end the read so the next one sees clicks committed since
        return rows

    return read
