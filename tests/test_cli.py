"""The `tracker` command, contract section 1: init-db, create-api-key, serve (import-creators
has tests/catalog/test_importer.py)."""

import http.client
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from tests.helpers import IPHONE, Api
from tests.live_server import LiveServer
from tracker import create_app
from tracker.api.keys import create_api_key

SECRET = "0123456789abcdef" * 4


def tracker(tmp_path, *args):
    """The installed console script, on a database of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_SECRET_KEY=SECRET, TRACKER_INSTANCE=str(tmp_path / "instance"),
               TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    script = Path(sys.executable).with_name("tracker")
    return subprocess.run([str(script), *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


# --- init-db ------------------------------------------------------------------------------


def test_init_db_is_idempotent_and_keeps_data(app, runner, api):
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and "database ready" in first.output
    api.creator("maya")
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0, again.output
    assert [c["handle"] for c in api.get("/api/v1/creators").json["creators"]] == ["maya"]


def test_init_db_creates_the_database_and_its_folder(tmp_path):
    for _ in range(2):
        done = tracker(tmp_path, "init-db")
        assert done.returncode == 0, done.stderr
    engine = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    names = inspect(engine.extensions["tracker.engine"]).get_table_names()
    engine.extensions["tracker.engine"].dispose()
    assert {"creator", "campaign", "link", "code", "click", "api_key"} <= set(names)


# --- create-api-key -----------------------------------------------------------------------


def test_create_api_key_prints_the_key_alone_on_the_last_line(runner, client):
    result = runner.invoke(args=["create-api-key", "zapier"])
    assert result.exit_code == 0, result.output
    key = result.stdout.splitlines()[-1]
    assert key == key.strip() and " " not in key and len(key) >= 32
    assert client.get("/api/v1/creators", headers={"Authorization": f"Bearer {key}"}).status_code \
        == 200
    assert client.get("/api/v1/creators", headers={"X-Api-Key": key}).status_code == 200
    assert client.get("/api/v1/creators", headers={"Authorization": f"Bearer {key}x"}).status_code \
        == 401


def test_create_api_key_through_the_console_script(tmp_path):
    done = tracker(tmp_path, "create-api-key", "ci")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1  # the key alone on stdout; the notice goes to stderr
    key = done.stdout.strip()
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    r = app.test_client().get("/api/v1/creators", headers={"Authorization": f"Bearer {key}"})
    app.extensions["tracker.engine"].dispose()
    assert r.status_code == 200
    assert key not in (tmp_path / "cli.db").read_bytes().decode("latin-1")  # stored hashed


def test_each_key_is_new(runner):
    keys = {runner.invoke(args=["create-api-key", "k"]).stdout.splitlines()[-1] for _ in range(3)}
    assert len(keys) == 3


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_create_api_key_needs_a_sensible_name(runner, name):
    result = runner.invoke(args=["create-api-key", name])
    assert result.exit_code != 0 and "NAME" in result.output


# --- serve --------------------------------------------------------------------------------


def test_serve_redirects_records_the_click_and_never_logs_the_ip(tmp_path):
    # Built on the file the server will use: a creator, a campaign, an enrolment.
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": db})
    with Session(app.extensions["tracker.engine"]) as s:
        key = create_api_key(s, name="t")[1]
    api = Api(app.test_client(), key)
    api.creator("maya")
    api.campaign()
    slug = api.enrol("glow-serum-launch", "maya")["link"]["slug"]
    app.extensions["tracker.redirector"].writer.close()
    app.extensions["tracker.engine"].dispose()

    host, client_ip = "127.0.0.2", "127.0.0.3"  # the follower's address is one of its own
    server = LiveServer(tmp_path / "instance", host=host, threads=2, TRACKER_DATABASE_URL=db)
    server.start()
    try:
        conn = http.client.HTTPConnection(host, server.port, timeout=5,
                                          source_address=(client_ip, 0))
        conn.request("GET", "/" + slug.upper(), headers={"User-Agent": IPHONE,
                                                         "Referer": "https://t.co/x"})
        response = conn.getresponse()
        assert response.status == 302 and response.getheader("Cache-Control") == "no-store"
        assert response.getheader("Location").startswith("https://shop.example.com/serum?")
        conn.close()
        # a malformed request, which gunicorn itself logs with the sender's address
        with socket.create_connection((host, server.port), 5,
                                      source_address=(client_ip, 0)) as raw:
            raw.sendall(b"GARBAGE\r\n\r\n")
            assert raw.recv(100).startswith(b"HTTP/1.1 400")
    finally:
        server.stop()  # SIGTERM, graceful: the writer stores what is queued
    output = server.output
    assert server.process.returncode == 0, output
    assert f"GET /{slug.upper()} HTTP/1.1" in output  # the access log was captured...
    assert "Invalid request from ip=-: Invalid" in output  # gunicorn's warning, without the address
    assert client_ip not in output, output  # ...and holds no client address
    assert "Control socket" not in output  # instances on one host share no admin socket
    check = create_app({"TESTING": True, "DATABASE_URL": db})
    with check.extensions["tracker.engine"].connect() as c:
        rows = c.execute(text("SELECT device, referrer_host, is_bot FROM click")).all()
    check.extensions["tracker.engine"].dispose()
    assert [tuple(r) for r in rows] == [("mobile", "t.co", 0)]
    assert client_ip.encode() not in (tmp_path / "cli.db").read_bytes()


@pytest.mark.parametrize("name, value", [("TRACKER_PORT", "abc"), ("TRACKER_WORKERS", "two"),
                                         ("TRACKER_THREADS", "1.5")])
def test_serve_names_a_bad_environment_value(tmp_path, name, value):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_SECRET_KEY=SECRET, TRACKER_INSTANCE=str(tmp_path / "instance"),
               TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", **{name: value})
    done = subprocess.run([str(Path(sys.executable).with_name("tracker")), "serve"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert name in done.stderr and "Traceback" not in done.stderr
