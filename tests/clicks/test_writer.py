"""The server's click writer: clicks are written behind the 302, in batches, and survive a
database that is briefly unable to take them."""

import sqlite3

import pytest

from tests.helpers import IPHONE, PG_URL
from tracker import create_app


@pytest.fixture
def served(app, enrolled):
    """An app configured as in production (not testing): its writer runs in the background."""
    live = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "k" * 32})
    yield live, enrolled["link"]["slug"]
    live.extensions["tracker.redirector"].writer.close()
    live.extensions["tracker.engine"].dispose()


def test_clicks_are_answered_first_and_all_written(served, clicks):
    live, slug = served
    client = live.test_client()
    ids = set()
    for _ in range(50):
        r = client.get(f"/{slug}", headers={"User-Agent": IPHONE})
        assert r.status_code == 302
        ids.add(r.headers["Location"].rsplit("tclid=", 1)[1])
    assert live.extensions["tracker.redirector"].writer.flush()
    assert {c["click_id"] for c in clicks()} == ids


@pytest.mark.skipif(bool(PG_URL), reason="a SQLite file lock; tests/test_faults.py: PostgreSQL")
def test_a_locked_database_delays_the_writes_not_the_followers(served, clicks, app):
    live, slug = served
    writer = live.extensions["tracker.redirector"].writer
    client = live.test_client()
    client.get(f"/{slug}", headers={"User-Agent": IPHONE})
    writer.flush()  # the writer's connection exists; now another process holds the write lock
    holder = sqlite3.connect(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        answers = [client.get(f"/{slug}", headers={"User-Agent": IPHONE}) for _ in range(20)]
        assert [r.status_code for r in answers] == [302] * 20
        assert len(clicks()) == 1
    finally:
        holder.rollback()
        holder.close()
    assert writer.flush()
    assert len(clicks()) == 21
    assert writer.stats()["clicks_buffered"] == 0
