"""What the tests share besides fixtures: the backend they run on, a follower's browser, and
clients that drive the API and the dashboard as their users do."""

import os
import re

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


# Set (e.g. postgresql+psycopg://postgres@127.0.0.1:54329/tracker_test) to run every test on
# PostgreSQL: one database for the session, emptied after each test. Unset: a SQLite file per test.
PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL", "").strip()


def backend_url(folder, name="test.db"):
    """The database a test (or a server it starts) uses: PostgreSQL if configured, else SQLite."""
    return PG_URL or f"sqlite:///{folder / name}"


class Api:
    """The test client with an API key, and factories that go through the API."""

    def __init__(self, client, key):
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json, headers=self.headers, **kw)

    def creator(self, handle="maya", **fields):
        body = {"handle": handle, "name": handle.title(), "platform": "instagram",
                "followers": 8200, **fields}
        r = self.post("/api/v1/creators", body)
        assert r.status_code == 201, r.json
        return r.json

    def campaign(self, name="Glow Serum Launch", **fields):
        body = {"name": name, "destination_url": "https://shop.example.com/serum", **fields}
        r = self.post("/api/v1/campaigns", body)
        assert r.status_code == 201, r.json
        return r.json

    def enrol(self, campaign, handle, **fields):
        r = self.post(f"/api/v1/campaigns/{campaign}/creators", {"creator": handle, **fields})
        assert r.status_code == 201, r.json
        return r.json


EMAIL, PASSWORD = "ana@example.com", "correct horse battery"


def csrf_of(client):
    """The session's CSRF token, as the pages embed it in every form."""
    page = client.get("/dashboard/creators/new")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


class Dash:
    """A logged-in test client whose posts carry the CSRF token (unless told not to)."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = csrf_of(self.client)
        return self.client.post(url, data=data, **kw)

    def campaign(self, name="Glow Serum Launch", **fields):
        data = {"name": name, "destination_url": "https://shop.example.com/serum", **fields}
        r = self.post("/dashboard/campaigns/new", data)
        assert r.status_code == 302, r.text
        return r.location.rsplit("/", 1)[1]

    def creator(self, handle="maya", **fields):
        data = {"handle": handle, "name": handle.title(), "platform": "instagram",
                "followers": "8200", **fields}
        r = self.post("/dashboard/creators/new", data)
        assert r.status_code == 302, r.text
        return handle

    def enrol(self, slug, handle, **fields):
        data = {"creator": handle, "fee": "100", "discount_type": "percent",
                "discount_value": "15", **fields}
        r = self.post(f"/dashboard/campaigns/{slug}/enrol", data)
        assert r.status_code == 302, r.text
        return r


def log_in(client, email=EMAIL, password=PASSWORD, next_url=None):
    """Post the login form with its CSRF token, as a browser would; return the response."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    data = {"email": email, "password": password, "csrf_token": token}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data)
