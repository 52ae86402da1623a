"""Dashboard logins: hashing, the throttle, `tracker create-user`, and the first start's admin."""

import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar

import pytest
from freezegun import freeze_time

from tests.live_server import LiveServer
from tracker.dashboard import users
from tracker.errors import Conflict, Invalid

PASSWORD = "correct horse battery"


def test_passwords_are_stored_as_salted_scrypt_hashes(session):
    one = users.create_user(session, email="a@example.com", password=PASSWORD)
    two = users.create_user(session, email="b@example.com", password=PASSWORD)
    assert one.password_hash.startswith("scrypt:") and PASSWORD not in one.password_hash
    assert one.password_hash != two.password_hash  # each has its own salt
    assert users.check_password(one, PASSWORD) and not users.check_password(one, "wrong")


def test_emails_are_case_insensitive_and_unique(session):
    users.create_user(session, email=" Ana@Example.com ", password=PASSWORD)
    assert users.authenticate(session, email="ANA@example.COM", password=PASSWORD) is not None
    with pytest.raises(Conflict):
        users.create_user(session, email="ana@example.com", password=PASSWORD)


@pytest.mark.parametrize(("email", "password", "field"), [
    ("not an email", PASSWORD, "email"),
    ("", PASSWORD, "email"),
    ("ana@example.com", "short", "password"),
    ("ana@example.com", "x" * 1025, "password"),
])
def test_bad_logins_are_refused(session, email, password, field):
    with pytest.raises(Invalid) as err:
        users.create_user(session, email=email, password=password)
    assert err.value.field == field


START = datetime(2026, 11, 22, 8, tzinfo=UTC)


@pytest.mark.parametrize(("failures", "after", "wait"), [
    (4, 0, 0),  # still free attempts
    (5, 0, 30),  # first wait
    (5, 29, 1),
    (5, 30, 0),
    (6, 0, 60),  # doubles
    (9, 0, 480),
    (12, 0, 900),  # capped at 15 minutes
])
def test_the_wait_grows_with_failures(failures, after, wait):
    user = users.User(email="x", password_hash="", failed_logins=failures, last_failed_at=START,
                      created_at=START)
    assert users.wait_left(user, START + timedelta(seconds=after)) == timedelta(seconds=wait)


def test_the_throttle_is_kept_in_the_database(session):
    users.create_user(session, email="ana@example.com", password=PASSWORD)
    with freeze_time(START):
        for _ in range(users.FREE_ATTEMPTS):
            assert users.authenticate(session, email="ana@example.com", password="nope") is None
        with pytest.raises(users.Throttled) as err:
            users.authenticate(session, email="ana@example.com", password=PASSWORD)
    assert err.value.retry_after == 31 and err.value.status == 429
    user = users.find_user(session, "ana@example.com")
    session.refresh(user)
    assert user.failed_logins == 5
    users.set_password(session, user, password="another good password")  # a reset lifts it
    assert users.authenticate(session, email="ana@example.com",
                              password="another good password") is not None


def test_a_password_change_ends_existing_sessions(session):
    user = users.create_user(session, email="ana@example.com", password=PASSWORD)
    stamp = users.session_stamp(user)
    users.set_password(session, user, password="another good password")
    assert users.session_stamp(user) != stamp


def test_the_first_admin_is_created_once(session):
    email, password = users.create_first_admin(session)
    assert users.authenticate(session, email=email, password=password) is not None
    assert users.create_first_admin(session) is None


# --- tracker create-user -----------------------------------------------------------------


def test_create_user_reads_the_password_from_stdin(runner, session):
    result = runner.invoke(args=["create-user", "Ana@Example.com"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "login 'ana@example.com' created" in result.output
    assert users.authenticate(session, email="ana@example.com", password=PASSWORD) is not None


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["create-user", "nobody"], PASSWORD, "email: give an email address"),
    (["create-user", "ana@example.com"], "short", "password: use at least 10 characters"),
    (["create-user", "new@example.com", "--reset"], PASSWORD, "no login for 'new@example.com'"),
])
def test_create_user_explains_what_is_wrong(runner, session, args, stdin, message):
    result = runner.invoke(args=args, input=stdin + "\n")
    assert result.exit_code == 1
    assert message in result.output
    assert users.find_user(session, args[1]) is None


def test_create_user_twice_is_refused_and_reset_changes_the_password(runner, session):
    runner.invoke(args=["create-user", "ana@example.com"], input=PASSWORD + "\n")
    again = runner.invoke(args=["create-user", "ana@example.com"], input="other password!\n")
    assert again.exit_code == 1 and "exists" in again.output
    reset = runner.invoke(args=["create-user", "ana@example.com", "--reset"],
                          input="a new long password\n")
    assert reset.exit_code == 0 and "updated" in reset.output
    assert users.authenticate(session, email="ana@example.com", password=PASSWORD) is None
    assert users.authenticate(session, email="ana@example.com",
                              password="a new long password") is not None


# --- first start of the server -----------------------------------------------------------


def http_login(base, email, password):
    """Log in over real HTTP the way a browser does; return (status, location)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(base + "/login") as r:
        page = r.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    try:
        with opener.open(base + "/login", data=body.encode()) as r:
            return r.status, r.headers.get("Location")
    except urllib.error.HTTPError as err:  # redirects too, since they are not followed
        with err:
            return err.code, err.headers.get("Location")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_first_start_prints_an_admin_password_that_logs_in(tmp_path):
    server = LiveServer(tmp_path).start()
    try:
        email, password = server.admin_password()
        assert email == "admin@localhost" and len(password) >= 12
        assert http_login(server.url, email, password) == (302, "/dashboard/")
        assert http_login(server.url, email, "wrong password")[0] == 401
    finally:
        server.stop()
    again = LiveServer(tmp_path)
    again.start().stop()
    assert again.admin_password() is None  # printed once, never again
    assert "First start" not in again.output
