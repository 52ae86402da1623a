import pytest
from sqlmodel import Session

from tracker import create_app
from tracker.auth import create_api_key

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}"})
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
                "followers": 8200, **fields}  # fmt: skip
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
