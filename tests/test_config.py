"""Configuration, contract section 2: what the service refuses to start with, and why."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import create_app
from tracker.config import DEV_SECRET, ConfigError

SECRET = "0123456789abcdef" * 4


def tracker(tmp_path, *args, module=False, **env):
    """Run the installed `tracker` command (or `python -m tracker`) with only the given
    TRACKER_* variables; the instance folder is the test's own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    clean.update(TRACKER_INSTANCE=str(tmp_path / "instance"), **env)
    command = [sys.executable, "-m", "tracker"] if module else [
        str(Path(sys.executable).with_name("tracker"))]
    return subprocess.run([*command, *args], env=clean, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean TRACKER_* environment for apps built in the test."""
    for name in [k for k in os.environ if k.startswith("TRACKER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRACKER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("TRACKER_SECRET_KEY", SECRET)
    return monkeypatch


def build(**config):
    app = create_app(config or None)
    app.extensions["tracker.redirector"].writer.close()
    app.extensions["tracker.engine"].dispose()
    return app


# --- the secret key -----------------------------------------------------------------------


@pytest.mark.parametrize("module", [False, True], ids=["console script", "python -m"])
def test_production_without_a_secret_refuses_to_start_and_says_how(tmp_path, module):
    done = tracker(tmp_path, "init-db", module=module)
    assert done.returncode == 2
    assert "TRACKER_SECRET_KEY" in done.stderr and "export TRACKER_SECRET_KEY=" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "instance" / "tracker.db").exists()


def test_the_development_secret_is_refused_in_production(tmp_path):
    done = tracker(tmp_path, "init-db", TRACKER_SECRET_KEY=DEV_SECRET)
    assert done.returncode == 2 and "TRACKER_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_real_secret_starts(tmp_path):
    done = tracker(tmp_path, "init-db", TRACKER_SECRET_KEY=SECRET)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "instance" / "tracker.db").exists()


def test_debug_mode_runs_with_the_development_secret(env):
    env.delenv("TRACKER_SECRET_KEY")
    env.setenv("TRACKER_DEBUG", "1")
    assert build().config["SECRET_KEY"] == DEV_SECRET


# --- TRACKER_TIERS ------------------------------------------------------------------------


@pytest.mark.parametrize("tiers", [
    "nano:0,micro", "nano:0,micro:ten", "nano:0,micro:-5", "nano:0,:100", "micro:100,mid:500",
    "", " ", "nano:0,,micro:100", "nano:0,micro:1.5", "nano:0;micro:100",
    "nano:0,nano:100", "nano:0,micro:100,Micro:500", "nano:0,micro:0",
])
def test_bad_tiers_are_refused_naming_the_variable(env, tiers):
    env.setenv("TRACKER_TIERS", tiers)
    with pytest.raises(ConfigError, match="TRACKER_TIERS"):
        build()


def test_bad_tiers_stop_the_command_with_exit_code_2(tmp_path):
    done = tracker(tmp_path, "init-db", TRACKER_SECRET_KEY=SECRET, TRACKER_TIERS="nano:0,micro")
    assert done.returncode == 2
    assert "TRACKER_TIERS" in done.stderr and "'micro'" in done.stderr
    assert "Traceback" not in done.stderr


def test_tiers_may_be_given_in_any_order_with_spaces(env):
    env.setenv("TRACKER_TIERS", " big : 1000 , small : 0 ")
    assert build().config["TIER_BANDS"] == [(0, "small"), (1000, "big")]


# --- TRACKER_DATABASE_URL -----------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "not a url", "shop.db", "mysql://user@localhost/tracker", "mongodb://localhost/tracker",
    "sqlite+nosuchdriver:///x.db", "postgresql+nosuchdriver://u@h/db",
])
def test_bad_database_url_is_refused_with_a_message(env, url):
    env.setenv("TRACKER_DATABASE_URL", url)
    with pytest.raises(ConfigError, match="TRACKER_DATABASE_URL") as caught:
        build()
    assert "sqlite:///" in str(caught.value) and "postgresql+psycopg://" in str(caught.value)


def test_bad_database_url_stops_the_command_without_leaking_the_password(tmp_path):
    done = tracker(tmp_path, "init-db", TRACKER_SECRET_KEY=SECRET,
                   TRACKER_DATABASE_URL="mysql://shop:hunter2@db.internal/tracker")
    assert done.returncode == 2, done.stderr
    assert "TRACKER_DATABASE_URL" in done.stderr and "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr


def test_database_url_default_is_sqlite_in_the_instance_folder(env, tmp_path):
    app = build()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'tracker.db'}"


# --- other variables ----------------------------------------------------------------------


@pytest.mark.parametrize("count", ["two", "-1", "1.5"])
def test_bad_proxy_count_is_refused(env, count):
    env.setenv("TRACKER_PROXY_COUNT", count)
    with pytest.raises(ConfigError, match="TRACKER_PROXY_COUNT"):
        build()


@pytest.mark.parametrize("param", ["a b", "t&x=1", "cid#", "utm_source", "utm_content", "x" * 65])
def test_bad_click_param_is_refused(env, param):
    env.setenv("TRACKER_CLICK_PARAM", param)
    with pytest.raises(ConfigError, match="TRACKER_CLICK_PARAM"):
        build()


def test_webhook_secrets_are_comma_separated_lists(env):
    env.setenv("TRACKER_SHOPIFY_SECRETS", " new-secret , old-secret ,")
    assert build().config["SHOPIFY_SECRETS"] == ["new-secret", "old-secret"]


@pytest.mark.parametrize("secret", ["x", "changeme", "0123456789abcde"])
def test_a_short_secret_is_refused_in_production(env, secret):
    # The secret salts the visitor hash: a guessable one would let anyone with the click table
    # try every IPv4 address and recover visitors' IPs.
    env.setenv("TRACKER_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="TRACKER_SECRET_KEY"):
        build()


@pytest.mark.parametrize("base", [
    "go.brand.com", "ftp://go.brand.com", "https://", "//go.brand.com",
    "https://go.brand.com/?x=1", "https://go brand.com",
])
def test_a_base_url_short_links_cannot_be_built_on_is_refused(env, base):
    env.setenv("TRACKER_BASE_URL", base)
    with pytest.raises(ConfigError, match="TRACKER_BASE_URL"):
        build()


def test_base_url_loses_its_trailing_slash(env):
    env.setenv("TRACKER_BASE_URL", "https://go.brand.com/")
    assert build().config["BASE_URL"] == "https://go.brand.com"


def test_a_database_that_does_not_answer_stops_the_command_with_a_message(tmp_path):
    done = tracker(tmp_path, "init-db", TRACKER_SECRET_KEY=SECRET,
                   TRACKER_DATABASE_URL="postgresql+psycopg://shop:hunter2@127.0.0.1:1/tracker")
    assert done.returncode == 2, done.stderr
    assert "TRACKER_DATABASE_URL" in done.stderr and "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr


def test_help_needs_no_configuration(tmp_path):
    done = tracker(tmp_path, "--help")
    assert done.returncode == 0
    assert "import-creators" in done.stdout and "create-api-key" in done.stdout
    assert done.stderr == ""  # no traceback from building an app just to list commands
