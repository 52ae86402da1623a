"""The short link, contract section 4: the 302, its query, what is refused, what is recorded."""

import base64
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.helpers import IPHONE
from tracker import create_app
from tracker.models import Campaign, Creator, Enrolment, Link

SHOP = "https://shop.example.com/serum"


def follow(client, slug, ua=IPHONE, **kw):
    """GET a short link as a follower; the 302's Location split into (url parts, query pairs)."""
    r = client.get("/" + slug, headers={"User-Agent": ua, **kw.pop("headers", {})}, **kw)
    assert r.status_code == 302, r.get_data(as_text=True)
    where = urlsplit(r.headers["Location"])
    return where, parse_qsl(where.query, keep_blank_values=True)


# --- the 302 ------------------------------------------------------------------------------


def test_302_to_the_destination_with_utms_and_click_id(client, enrolled, clicks):
    r = client.get("/" + enrolled["link"]["slug"], headers={"User-Agent": IPHONE})
    assert r.status_code == 302
    assert r.headers["Cache-Control"] == "no-store"
    where = urlsplit(r.headers["Location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == SHOP
    query = parse_qs(where.query)
    assert query == {
        "utm_source": ["instagram"],
        "utm_medium": ["influencer"],
        "utm_campaign": ["glow-serum-launch"],
        "utm_content": ["maya"],
        "tclid": [clicks()[0]["click_id"]],
    }


def test_destination_query_and_fragment_are_kept_and_our_utms_win(api, client):
    api.creator("lena", platform="tiktok")
    api.campaign(
        "Spring", destination_url=f"{SHOP}?variant=42&ref=&utm_source=newsletter&x=%E9#reviews",
        utm_medium="creator",
    )
    slug = api.enrol("spring", "lena")["link"]["slug"]
    r = client.get("/" + slug, headers={"User-Agent": IPHONE})
    location = r.headers["Location"]
    where = urlsplit(location)
    assert where.fragment == "reviews"
    assert "x=%E9" in where.query  # a non-UTF-8 escape passed on byte for byte
    pairs = parse_qsl(where.query, keep_blank_values=True, encoding="latin-1")
    assert ("variant", "42") in pairs and ("ref", "") in pairs
    utm_source = [v for k, v in pairs if k == "utm_source"]
    assert utm_source == ["tiktok"]  # the README: ours replace same-named ones
    assert ("utm_medium", "creator") in pairs and ("utm_content", "lena") in pairs
    assert location.index("tclid=") < location.index("#reviews")


def test_click_param_comes_from_tracker_click_param(make_app, enrolled, monkeypatch, clicks):
    monkeypatch.setenv("TRACKER_CLICK_PARAM", "cid")
    other = make_app().test_client()
    _, pairs = follow(other, enrolled["link"]["slug"])
    names = [k for k, _ in pairs]
    assert "cid" in names and "tclid" not in names
    assert dict(pairs)["cid"] == clicks()[0]["click_id"]


@pytest.mark.parametrize("variant", [str.upper, str.title, lambda s: s + "/"])
def test_slugs_match_case_insensitively_and_with_a_trailing_slash(client, enrolled, variant):
    where, _ = follow(client, variant(enrolled["link"]["slug"]))
    assert where.netloc == "shop.example.com"


def test_vanity_slug_in_mixed_case(api, client, enrolled):
    r = api.post("/api/v1/links", {"campaign": "glow-serum-launch", "creator": "maya",
                                   "slug": "Maya-Bio", "channel": "bio"})
    assert r.status_code == 201, r.json
    for path in ("maya-bio", "MAYA-BIO", "Maya-Bio"):
        assert follow(client, path)[0].netloc == "shop.example.com"


# --- what is not a short link ------------------------------------------------------------


def test_unknown_slug_is_an_html_404_page(client, enrolled):
    r = client.get("/nosuchlink", headers={"User-Agent": IPHONE, "Accept": "text/html"})
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "<html" in r.get_data(as_text=True) and "Location" not in r.headers


def test_unknown_slug_is_a_json_404_for_programs(client, enrolled):
    r = client.get("/nosuchlink", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    assert r.json["error"]["message"]


def switch_through_the_api(api, dash, slug, *, on):
    """Switch the link on or off as a program does: PATCH its `disabled`."""
    r = api.patch(f"/api/v1/links/{slug}", {"disabled": not on})
    assert r.status_code == 200 and r.json["disabled"] is not on


def switch_on_the_dashboard(api, dash, slug, *, on):
    """Switch the link on or off as a marketer does: the buttons on the enrolment page."""
    back = "/dashboard/campaigns/glow-serum-launch/creators/maya"
    if on:
        r = dash.post(f"/dashboard/links/{slug}/enable", {"next": "https://evil.example/"})
        assert r.status_code == 302 and "evil.example" not in r.location
    else:
        r = dash.post(f"/dashboard/links/{slug}/disable", {"next": back})
        assert r.location == back
        assert "switched off" in dash.get(back).text


@pytest.mark.parametrize("method", ["head", "get"])
@pytest.mark.parametrize("switch", [switch_through_the_api, switch_on_the_dashboard],
                         ids=["api", "dashboard"])
def test_a_disabled_link_is_404_until_enabled_again(api, dash, client, enrolled, clicks, switch,
                                                    method):
    slug = enrolled["link"]["slug"]
    switch(api, dash, slug, on=False)
    r = getattr(client, method)("/" + slug, headers={"User-Agent": IPHONE, "Accept": "text/html"})
    assert r.status_code == 404 and "Location" not in r.headers
    assert clicks() == []
    switch(api, dash, slug, on=True)
    assert getattr(client, method)("/" + slug, headers={"User-Agent": IPHONE}).status_code == 302


@pytest.fixture
def reserved_links(session, enrolled):
    """Links whose slugs are reserved words, written straight into the database (the API
    refuses them): the redirect layer must still never treat those paths as short links."""
    link = session.exec(select(Link)).one()
    words = ["api", "webhooks", "dashboard", "login", "static", "healthz", "favicon.ico"]
    for word in words:
        session.add(Link(**link.model_dump(exclude={"id", "slug"}), slug=word))
    session.commit()
    return words


@pytest.mark.parametrize("path", ["/api", "/api/", "/webhooks", "/dashboard", "/login",
                                  "/static", "/healthz", "/favicon.ico"])
def test_reserved_segments_are_never_slugs(client, reserved_links, clicks, path):
    r = client.get(path, headers={"User-Agent": IPHONE})
    assert "shop.example.com" not in r.headers.get("Location", "")
    assert r.status_code != 302 or r.headers["Location"].startswith("/")
    assert clicks() == []


def test_healthz_still_answers_when_a_link_is_called_healthz(client, reserved_links):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"


def test_two_segments_are_not_a_slug(client, enrolled, clicks):
    r = client.get(f"/{enrolled['link']['slug']}/more", headers={"User-Agent": IPHONE})
    assert r.status_code == 404 and clicks() == []


def test_a_very_long_path_is_404_not_an_error(client, enrolled):
    r = client.get("/" + "a" * 5000, headers={"User-Agent": IPHONE})
    assert r.status_code == 404


# --- no open redirect ---------------------------------------------------------------------


OPEN_REDIRECT_PATHS = [
    "//evil.com", "///evil.com", "/\\evil.com", "/%2F%2Fevil.com", "/%2fevil.com",
    "/http://evil.com", "/https:%2F%2Fevil.com", "/{slug}//evil.com", "/{slug}/%2F%2Fevil.com",
    "/{slug}%2F%2Fevil.com", "/{slug}@evil.com", "/{slug}%0d%0aLocation:%20https://evil.com",
    "/{slug}%0D%0ASet-Cookie:%20x=1", "/{slug}/..%2F..%2Fevil.com", "/evil.com",
    "/{slug}%00evil.com", "/%E2%80%AEevil.com",
]


@pytest.mark.parametrize("raw", OPEN_REDIRECT_PATHS)
def test_no_open_redirect_through_the_path(client, enrolled, raw):
    raw = raw.format(slug=enrolled["link"]["slug"])
    # PATH_INFO as a WSGI server hands it on: percent-decoded, as latin-1 (the test client
    # would read "//evil.com" as a host of its own).
    path = unquote(raw, encoding="latin-1")
    r = client.get("/", environ_overrides={"PATH_INFO": path}, headers={"User-Agent": IPHONE})
    assert r.status_code < 500
    location = r.headers.get("Location", "")
    assert "evil" not in location and "\n" not in location and "\r" not in location
    assert "Set-Cookie" not in r.headers
    if r.status_code in (301, 302, 303, 307, 308):
        assert location.startswith(SHOP + "?") or location.startswith("/"), location


@pytest.mark.parametrize("query", [
    "?next=https://evil.com", "?url=//evil.com&redirect=https://evil.com",
    "?tclid=chosen&utm_source=evil", "?%0d%0aLocation:https://evil.com",
])
def test_the_followers_query_never_reaches_the_location(client, enrolled, clicks, query):
    r = client.get("/" + enrolled["link"]["slug"] + query, headers={"User-Agent": IPHONE})
    location = r.headers["Location"]
    assert location.startswith(SHOP + "?")
    assert "evil" not in location and "chosen" not in location
    assert parse_qs(urlsplit(location).query)["tclid"] == [clicks()[0]["click_id"]]


def test_raw_wsgi_path_with_crlf_is_refused(client, enrolled):
    slug = enrolled["link"]["slug"]
    raw = f"/{slug}\r\nLocation: https://evil.com"
    r = client.get("/", environ_overrides={"PATH_INFO": raw}, headers={"User-Agent": IPHONE})
    assert r.status_code == 404 and "evil" not in r.headers.get("Location", "")


# --- HEAD, and what is recorded -----------------------------------------------------------


def test_head_is_answered_and_not_recorded(client, enrolled, clicks):
    r = client.head("/" + enrolled["link"]["slug"], headers={"User-Agent": IPHONE})
    assert r.status_code == 302 and r.headers["Cache-Control"] == "no-store"
    assert r.headers["Location"].startswith(SHOP + "?utm_")
    assert "tclid" not in r.headers["Location"]  # no click, so no click id to hand on
    assert clicks() == []


def test_other_methods_are_not_recorded(client, enrolled, clicks):
    r = client.post("/" + enrolled["link"]["slug"], headers={"User-Agent": IPHONE})
    assert r.status_code in (404, 405)
    assert clicks() == []


def test_every_get_is_recorded_once_with_its_details(session, client, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    before = datetime.now(UTC)
    for _ in range(3):
        follow(client, slug, headers={"Referer": "https://L.Instagram.com/?u=x"})
    rows = clicks()
    assert len(rows) == 3 and len({r["click_id"] for r in rows}) == 3
    link = session.exec(select(Link).where(Link.slug == slug)).one()
    creator = session.exec(select(Creator).where(Creator.handle == "maya")).one()
    campaign = session.exec(select(Campaign)).one()
    for row in rows:
        assert (row["link_id"], row["creator_id"], row["campaign_id"]) == (
            link.id, creator.id, campaign.id)
        assert row["device"] == "mobile" and row["browser"] == "Mobile Safari"
        assert row["os"] == "iOS" and row["is_bot"] is False and row["bot_reason"] is None
        assert row["referrer_host"] == "l.instagram.com"
        assert before <= row["created_at"] <= datetime.now(UTC)
        assert row["day"] == row["created_at"].date()
    assert session.exec(select(Enrolment)).one().id == link.enrolment_id


@pytest.mark.parametrize("referrer, host", [
    (None, None), ("", None), ("android-app://com.instagram.android/", "com.instagram.android"),
    ("https://www.tiktok.com/@maya/video/1", "www.tiktok.com"), ("not a url", None),
    ("http://[::1", None), ("https://t.co/abc", "t.co"),
])
def test_referrer_host(client, enrolled, clicks, referrer, host):
    headers = {} if referrer is None else {"Referer": referrer}
    follow(client, enrolled["link"]["slug"], headers=headers)
    assert clicks()[0]["referrer_host"] == host


def test_click_ids_are_unique_and_unguessable(client, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    handed_on = [dict(follow(client, slug)[1])["tclid"] for _ in range(1000)]
    stored = [row["click_id"] for row in clicks()]
    assert handed_on == stored and len(set(stored)) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{24}", c) for c in stored)
    randoms = [int.from_bytes(base64.urlsafe_b64decode(c)[6:], "big") for c in stored]
    assert len(set(randoms)) == 1000
    # 96 random bits: each bit is set in about half the ids (a counter would fail this).
    for bit in range(96):
        ones = sum(r >> bit & 1 for r in randoms)
        assert 350 < ones < 650, (bit, ones)


def test_a_non_ascii_destination_is_sent_as_an_ascii_location(api, client, clicks):
    # A header carries ASCII: "€" cannot even be written by the server, "é" would be mangled.
    api.creator("lena")
    api.campaign("Été", destination_url="https://bücher.example/sérum?q=€&x=1#top")
    slug = api.enrol("ete", "lena")["link"]["slug"]
    for method in (client.get, client.head):
        location = method("/" + slug, headers={"User-Agent": IPHONE}).headers["Location"]
        assert location.isascii(), location
        assert unquote(location).startswith("https://bücher.example/sérum?q=€&x=1&utm_source=")
        assert location.endswith("#top")
    assert len(clicks()) == 1


@pytest.mark.parametrize("query", ["tclid=stale", "ref=x&tclid=stale&tclid=older", "xtclid=keep"])
def test_a_click_id_already_in_the_destination_never_shadows_the_new_one(api, client, clicks,
                                                                          query):
    api.creator("lena")
    api.campaign("Spring", destination_url=f"{SHOP}?{query}#top")
    slug = api.enrol("spring", "lena")["link"]["slug"]
    where, pairs = follow(client, slug)
    assert [v for k, v in pairs if k == "tclid"] == [clicks()[0]["click_id"]]
    assert ("xtclid", "keep") in pairs or "xtclid" not in query
    assert ("ref", "x") in pairs or "ref" not in query
    assert where.fragment == "top"


# --- the writer: server mode, and a database that fails -----------------------------------


def test_server_mode_writes_every_click_once_in_the_background(app, enrolled):
    served = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "s" * 32})
    assert not served.testing
    writer = served.extensions["tracker.redirector"].writer
    slug = enrolled["link"]["slug"]

    def one(_):
        r = served.test_client().get("/" + slug, headers={"User-Agent": IPHONE})
        assert r.status_code == 302
        return parse_qs(urlsplit(r.headers["Location"]).query)["tclid"][0]

    with ThreadPoolExecutor(8) as pool:
        handed_on = list(pool.map(one, range(300)))
    writer.close()  # what a graceful shutdown does: write what is queued
    engine = served.extensions["tracker.engine"]
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT click_id FROM click"))]
    engine.dispose()
    assert sorted(stored) == sorted(handed_on) and len(set(stored)) == 300


def test_clicks_are_kept_while_the_click_table_fails_and_written_after(app, client, enrolled,
                                                                       clicks):
    engine = app.extensions["tracker.engine"]
    slug = enrolled["link"]["slug"]
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE click RENAME TO click_away"))
    for _ in range(3):  # followers are still redirected
        assert follow(client, slug)[0].netloc == "shop.example.com"
    assert client.get("/healthz").json["clicks_buffered"] == 3
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE click_away RENAME TO click"))
    deadline = time.monotonic() + 10
    while client.get("/healthz").json["clicks_buffered"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(clicks()) == 3
    assert client.get("/healthz").json == {"status": "ok", "clicks_buffered": 0,
                                           "clicks_dropped": 0}


def test_a_known_link_keeps_redirecting_while_its_lookup_fails(app, client, enrolled):
    engine = app.extensions["tracker.engine"]
    slug = enrolled["link"]["slug"]
    follow(client, slug)  # remembered
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE link RENAME TO link_away"))
    try:
        assert follow(client, slug)[0].netloc == "shop.example.com"
        assert client.get("/unknown1", headers={"Accept": "application/json"}).status_code == 404
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE link_away RENAME TO link"))


def test_no_page_of_the_service_can_be_taken_as_a_vanity_slug(app, api, enrolled):
    # Every first path segment Flask serves must be refused as a slug, or a link would hide it.
    segments = {rule.rule.strip("/").split("/")[0] for rule in app.url_map.iter_rules()} - {""}
    assert {"api", "healthz", "dashboard"} <= segments
    for segment in sorted(segments):
        for slug in (segment, segment.upper()):
            r = api.post("/api/v1/links", {"campaign": "glow-serum-launch", "creator": "maya",
                                           "slug": slug})
            assert r.status_code == 422 and r.json["error"]["field"] == "slug", (slug, r.json)
