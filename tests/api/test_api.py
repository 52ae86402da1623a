"""JSON API, contract section 3: keys, errors, creators, campaigns, enrolment, links, codes."""

import io
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import text

from tests.helpers import IPHONE


def assert_error(r, status, field):
    """The contract's error body: a code, a message, and the field at fault."""
    assert r.status_code == status, r.get_data(as_text=True)
    error = r.json["error"]
    assert set(error) == {"code", "message", "field"}
    assert error["code"] and error["message"]
    assert error["field"] == field, error


def location_query(client, slug, ua=IPHONE):
    r = client.get("/" + slug, headers={"User-Agent": ua})
    assert r.status_code == 302
    return urlsplit(r.headers["Location"]), parse_qs(urlsplit(r.headers["Location"]).query)


# --- API keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/creators"),
    ("post", "/api/v1/creators"),
    ("get", "/api/v1/campaigns"),
    ("patch", "/api/v1/links/anything"),
    ("get", "/api/v1/links/anything/qr.png"),
])
def test_missing_key_is_401_json(client, method, url):
    r = getattr(client, method)(url, json={})
    assert_error(r, 401, None)
    assert r.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("make_headers", [
    lambda key: {"Authorization": f"Bearer {key}"},
    lambda key: {"Authorization": f"bearer {key}"},
    lambda key: {"X-Api-Key": key},
])
def test_key_accepted_as_bearer_or_x_api_key(client, api_key, make_headers):
    r = client.get("/api/v1/creators", headers=make_headers(api_key))
    assert r.status_code == 200
    assert r.json == {"creators": []}


@pytest.mark.parametrize("make_headers", [
    lambda key: {"Authorization": "Bearer trk_not-a-real-key"},
    lambda key: {"Authorization": f"Bearer {key[:-1]}"},
    lambda key: {"Authorization": f"Bearer {key}x"},
    lambda key: {"Authorization": f"Basic {key}"},
    lambda key: {"Authorization": "Bearer "},
    lambda key: {"X-Api-Key": key.upper()},
    lambda key: {"X-Api-Key": key * 10},
])
def test_bad_key_is_401(client, api_key, make_headers):
    assert_error(client.get("/api/v1/creators", headers=make_headers(api_key)), 401, None)


def test_keys_are_stored_hashed(app, session, api_key):
    rows = session.connection().execute(text("SELECT * FROM api_key")).all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert api_key not in stored
    assert api_key[12:] not in stored  # not even the secret part without a display prefix


# --- request bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b"", "application/json"),
    (b'["handle", "maya"]', "application/json"),
    (b'"maya"', "application/json"),
    (b"42", "application/json"),
    (b"null", "application/json"),
    (b'{"handle": "maya"}', "text/plain"),
    (b"handle=maya", "application/x-www-form-urlencoded"),
])
@pytest.mark.parametrize("method, url", [
    ("post", "/api/v1/creators"),
    ("patch", "/api/v1/creators/maya"),
    ("post", "/api/v1/campaigns"),
    ("post", "/api/v1/campaigns/glow-serum-launch/creators"),
    ("post", "/api/v1/links"),
    ("post", "/api/v1/codes"),
])
def test_unreadable_or_non_object_body_is_400(enrolled, api, method, url, body, content_type):
    headers = {**api.headers, "Content-Type": content_type}
    r = getattr(api.client, method)(url, data=body, headers=headers)
    assert_error(r, 400, None)


@pytest.mark.parametrize("method, url, body, field", [
    ("post", "/api/v1/creators", {"handle": "zoe", "name": "Zoe", "platform": "tiktok",
                                  "followers": 1, "instagram": "zoe"}, "instagram"),
    ("patch", "/api/v1/creators/maya", {"folowers": 10}, "folowers"),
    ("post", "/api/v1/campaigns", {"name": "X", "destination_url": "https://a.example",
                                   "budget": "100"}, "budget"),
    ("patch", "/api/v1/campaigns/glow-serum-launch", {"id": 7}, "id"),
    ("post", "/api/v1/campaigns/glow-serum-launch/creators", {"creator": "maya",
                                                              "rate": "0.1"}, "rate"),
    ("post", "/api/v1/links", {"campaign": "glow-serum-launch", "creator": "maya",
                               "url": "https://a.example"}, "url"),
    ("patch", "/api/v1/links/{slug}", {"slug": "new-slug"}, "slug"),
    ("post", "/api/v1/codes", {"campaign": "glow-serum-launch", "creator": "maya",
                               "discount": {"type": "percent", "value": "5", "max": "1"}},
     "discount.max"),
    ("patch", "/api/v1/codes/MAYA15", {"code": "OTHER"}, "code"),
])
def test_unknown_fields_are_422_naming_them(enrolled, api, method, url, body, field):
    url = url.format(slug=enrolled["link"]["slug"])
    before = api.get("/api/v1/creators/maya").json
    r = getattr(api, method)(url, body)
    assert_error(r, 422, field)
    assert api.get("/api/v1/creators/maya").json == before


def test_unknown_api_route_is_json_404(api):
    assert_error(api.get("/api/v1/nothing-here"), 404, None)


# --- creators -----------------------------------------------------------------------------


def test_create_creator_returns_it_with_id_and_tier(api):
    r = api.post("/api/v1/creators", {
        "handle": "maya", "name": "Maya Lopez", "platform": "instagram", "followers": 8200,
        "email": "maya@example.com", "engagement_rate": "0.042", "niche": "skincare",
    })
    assert r.status_code == 201
    body = r.json
    assert isinstance(body["id"], int)
    assert body["tier"] == "nano"
    assert {k: body[k] for k in ("handle", "name", "platform", "followers", "email", "niche")} == {
        "handle": "maya", "name": "Maya Lopez", "platform": "instagram", "followers": 8200,
        "email": "maya@example.com", "niche": "skincare",
    }
    assert float(body["engagement_rate"]) == pytest.approx(0.042)
    assert datetime.fromisoformat(body["created_at"]).utcoffset().total_seconds() == 0
    assert api.get("/api/v1/creators/maya").json == body


@pytest.mark.parametrize("given, stored", [
    ("@Maya", "maya"),
    ("MAYA.Rose", "maya.rose"),
    ("  @maya_r-1 ", "maya_r-1"),
])
def test_handle_is_lower_case_without_leading_at(api, given, stored):
    assert api.creator(given)["handle"] == stored
    assert api.get(f"/api/v1/creators/{given.strip()}").json["handle"] == stored


@pytest.mark.parametrize("second", ["maya", "MAYA", "@Maya", " @maya "])
def test_duplicate_handle_is_409_case_insensitively(api, second):
    api.creator("maya")
    r = api.post("/api/v1/creators", {"handle": second, "name": "M", "platform": "tiktok",
                                      "followers": 1})
    assert_error(r, 409, "handle")
    assert len(api.get("/api/v1/creators").json["creators"]) == 1


CREATOR = {"handle": "zoe", "name": "Zoe", "platform": "tiktok", "followers": 1200}


@pytest.mark.parametrize("field, value", [
    ("handle", ""), ("handle", "@"), ("handle", "zoe k"), ("handle", "zoe/k"),
    ("handle", "x" * 101), ("handle", None), ("handle", 12), ("handle", ["zoe"]),
    ("name", ""), ("name", None), ("name", "x" * 201), ("name", 5),
    ("platform", "myspace"), ("platform", ""), ("platform", None), ("platform", ["tiktok"]),
    ("followers", -1), ("followers", "1200"), ("followers", 12.5), ("followers", True),
    ("followers", None), ("followers", 10**11),
    ("email", "not-an-email"), ("email", "zoe@localhost"), ("email", 7),
    ("engagement_rate", "1.5"), ("engagement_rate", "-0.1"), ("engagement_rate", "lots"),
    ("niche", "x" * 101),
])
def test_invalid_creator_field_is_422_naming_it(api, field, value):
    r = api.post("/api/v1/creators", {**CREATOR, field: value})
    assert_error(r, 422, field)
    assert api.get("/api/v1/creators").json == {"creators": []}


@pytest.mark.parametrize("field", ["handle", "name", "platform", "followers"])
def test_missing_creator_field_is_422_naming_it(api, field):
    body = {k: v for k, v in CREATOR.items() if k != field}
    assert_error(api.post("/api/v1/creators", body), 422, field)
    assert api.post("/api/v1/creators", body).json["error"]["message"] == f"{field}: is required"


@pytest.mark.parametrize("platform", [
    "instagram", "tiktok", "youtube", "facebook", "snapchat",
    "twitter", "twitch", "pinterest", "blog", "other",
])
def test_every_contract_platform_is_accepted(api, platform):
    assert api.creator("zoe", platform=platform)["platform"] == platform


@pytest.mark.parametrize("rate", [0.042, "0.042", 0])
def test_engagement_rate_is_a_ratio_given_as_number_or_string(api, rate):
    assert float(api.creator("zoe", engagement_rate=rate)["engagement_rate"]) == float(rate)


def test_platform_is_case_insensitive(api):
    assert api.creator("zoe", platform="TikTok")["platform"] == "tiktok"


@pytest.mark.parametrize("followers, tier", [
    (0, "nano"), (9_999, "nano"), (10_000, "micro"), (49_999, "micro"), (50_000, "mid"),
    (499_999, "mid"), (500_000, "macro"), (999_999, "macro"), (1_000_000, "mega"),
    (250_000_000, "mega"),
])
def test_tier_follows_the_default_bands(api, followers, tier):
    assert api.creator("zoe", followers=followers)["tier"] == tier


def test_tiers_come_from_tracker_tiers(make_app, api_key, monkeypatch):
    monkeypatch.setenv("TRACKER_TIERS", "small:0, big:5000")
    other = make_app()
    assert other.config["TIER_BANDS"] == [(0, "small"), (5000, "big")]
    client, headers = other.test_client(), {"X-Api-Key": api_key}
    for handle, followers in [("a", 4999), ("b", 5000)]:
        body = {"handle": handle, "name": handle, "platform": "blog", "followers": followers}
        client.post("/api/v1/creators", json=body, headers=headers)
    r = client.get("/api/v1/creators", headers=headers)
    assert [(c["handle"], c["tier"]) for c in r.json["creators"]] == [("a", "small"), ("b", "big")]
    r = client.get("/api/v1/creators?tier=big", headers=headers)
    assert [c["handle"] for c in r.json["creators"]] == ["b"]
    assert_error(client.get("/api/v1/creators?tier=nano", headers=headers), 422, "tier")


def test_list_creators_filters(api):
    api.creator("ana", platform="tiktok", followers=500)
    api.creator("ben", platform="instagram", followers=20_000)
    api.creator("cat", platform="instagram", followers=2_000_000)
    api.campaign()
    api.enrol("glow-serum-launch", "cat")

    def handles(query):
        r = api.get("/api/v1/creators" + query)
        assert r.status_code == 200, r.json
        return [c["handle"] for c in r.json["creators"]]

    assert handles("") == ["ana", "ben", "cat"]
    assert handles("?platform=instagram") == ["ben", "cat"]
    assert handles("?platform=Instagram") == ["ben", "cat"]
    assert handles("?platform=youtube") == []
    assert handles("?tier=nano") == ["ana"]
    assert handles("?tier=micro") == ["ben"]
    assert handles("?tier=mega") == ["cat"]
    assert handles("?campaign=glow-serum-launch") == ["cat"]
    assert handles("?platform=tiktok&campaign=glow-serum-launch") == []
    assert handles("?limit=1&offset=1") == ["ben"]
    assert_error(api.get("/api/v1/creators?tier=giant"), 422, "tier")
    assert_error(api.get("/api/v1/creators?campaign=nope"), 404, "campaign")
    assert_error(api.get("/api/v1/creators?limit=ten"), 422, "limit")


def test_read_unknown_creator_is_404(api):
    assert_error(api.get("/api/v1/creators/nobody"), 404, "creator")
    assert_error(api.patch("/api/v1/creators/nobody", {"followers": 1}), 404, "creator")


def test_patch_creator_changes_only_what_is_sent(api):
    created = api.creator("maya", email="maya@example.com", niche="skincare")
    r = api.patch("/api/v1/creators/MAYA", {"followers": 60_000, "niche": None})
    assert r.status_code == 200, r.json
    assert r.json["followers"] == 60_000
    assert r.json["tier"] == "mid"
    assert r.json["niche"] is None
    assert r.json["email"] == "maya@example.com"
    assert r.json["name"] == created["name"]
    assert api.get("/api/v1/creators/maya").json == r.json


def test_patch_creator_handle_is_normalised_and_unique(api):
    api.creator("maya")
    api.creator("zoe")
    assert_error(api.patch("/api/v1/creators/zoe", {"handle": "@MAYA"}), 409, "handle")
    r = api.patch("/api/v1/creators/zoe", {"handle": "@Zoe.K"})
    assert r.json["handle"] == "zoe.k"
    assert api.get("/api/v1/creators/zoe.k").status_code == 200
    assert api.get("/api/v1/creators/zoe").status_code == 404


@pytest.mark.parametrize("field, value", [
    ("followers", -5), ("followers", "5"), ("platform", "myspace"), ("handle", "a b"),
    ("email", "nope"), ("name", ""), ("handle", None), ("name", None), ("platform", None),
    ("followers", None),
])
def test_patch_creator_invalid_is_422_and_changes_nothing(api, field, value):
    before = api.creator("maya")
    assert_error(api.patch("/api/v1/creators/maya", {field: value}), 422, field)
    assert api.get("/api/v1/creators/maya").json == before


def test_patch_creator_handle_and_platform_re_derive_link_utms(client, api, enrolled):
    slug = enrolled["link"]["slug"]
    api.patch("/api/v1/creators/maya", {"handle": "maya.lopez", "platform": "tiktok"})
    _, query = location_query(client, slug)
    assert query["utm_content"] == ["maya.lopez"]
    assert query["utm_source"] == ["tiktok"]


# --- campaigns ----------------------------------------------------------------------------


def test_create_campaign_defaults(api):
    body = api.campaign("Glow Serum Launch")
    assert {k: body[k] for k in (
        "name", "slug", "destination_url", "currency", "attribution_window_days", "starts_on",
        "ends_on", "utm_medium", "utm_campaign",
    )} == {
        "name": "Glow Serum Launch", "slug": "glow-serum-launch",
        "destination_url": "https://shop.example.com/serum", "currency": "USD",
        "attribution_window_days": 30, "starts_on": None, "ends_on": None,
        "utm_medium": "influencer", "utm_campaign": "glow-serum-launch",
    }
    assert api.get("/api/v1/campaigns/Glow-Serum-Launch").json == body


def test_derived_slugs_are_de_duplicated(api):
    slugs = [api.campaign("Summer Drop!")["slug"] for _ in range(3)]
    assert slugs == ["summer-drop", "summer-drop-2", "summer-drop-3"]


@pytest.mark.parametrize("name, slug", [
    ("Été 2025: Glow", "ete-2025-glow"),
    ("  Black   Friday -- 50% off ", "black-friday-50-off"),
    ("!!!", "campaign"),
])
def test_slug_is_derived_from_the_name(api, name, slug):
    assert api.campaign(name)["slug"] == slug


def test_explicit_slug_is_lower_cased_and_conflicts_are_409(api):
    assert api.campaign("A", slug="Summer-Drop")["slug"] == "summer-drop"
    r = api.post("/api/v1/campaigns", {"name": "B", "slug": "SUMMER-DROP",
                                       "destination_url": "https://shop.example.com"})
    assert_error(r, 409, "slug")
    assert len(api.get("/api/v1/campaigns").json["campaigns"]) == 1


CAMPAIGN = {"name": "Glow", "destination_url": "https://shop.example.com/serum"}


@pytest.mark.parametrize("field, value", [
    ("name", ""), ("name", None), ("name", "x" * 201),
    ("slug", "has space"), ("slug", "-lead"), ("slug", "x" * 65), ("slug", ""), ("slug", "api"),
    ("slug", "a/b"), ("slug", 5),
    ("destination_url", "javascript:alert(1)"), ("destination_url", "JavaScript://x.example/%0a"),
    ("destination_url", "ftp://shop.example.com/serum"), ("destination_url", "shop.example.com"),
    ("destination_url", "/serum"), ("destination_url", "https://"), ("destination_url", ""),
    ("destination_url", "https://shop.example.com/a b"), ("destination_url", "data:text/html,x"),
    ("destination_url", "https://shop.example.com/\r\nSet-Cookie: x=1"),
    ("destination_url", "https://shop.example.com/" + "x" * 2048),
    ("destination_url", None), ("destination_url", 42),
    ("currency", "XYZ"), ("currency", "US"), ("currency", "dollars"), ("currency", ""),
    ("currency", 840), ("currency", None),
    ("attribution_window_days", 0), ("attribution_window_days", 366),
    ("attribution_window_days", -1), ("attribution_window_days", "30"),
    ("attribution_window_days", 30.5), ("attribution_window_days", None),
    ("starts_on", "2025-02-30"), ("starts_on", "tomorrow"), ("ends_on", "2025/06/01"),
    ("utm_medium", ""), ("utm_medium", None), ("utm_campaign", ""),
])
def test_invalid_campaign_field_is_422_naming_it(api, field, value):
    assert_error(api.post("/api/v1/campaigns", {**CAMPAIGN, field: value}), 422, field)
    assert api.get("/api/v1/campaigns").json == {"campaigns": []}


@pytest.mark.parametrize("field", ["name", "destination_url"])
def test_missing_campaign_field_is_422_naming_it(api, field):
    body = {k: v for k, v in CAMPAIGN.items() if k != field}
    assert_error(api.post("/api/v1/campaigns", body), 422, field)


@pytest.mark.parametrize("url", [
    "http://shop.example.com", "https://shop.example.com/serum?ref=ig#buy",
    "https://xn--bcher-kva.example/p", "https://shop.example.com:8443/p",
])
def test_absolute_http_destinations_are_accepted(api, url):
    assert api.campaign(destination_url=url)["destination_url"] == url


@pytest.mark.parametrize("given, stored", [("eur", "EUR"), (" gbp ", "GBP"), ("JPY", "JPY")])
def test_currency_is_upper_case_iso_4217(api, given, stored):
    assert api.campaign(currency=given)["currency"] == stored


@pytest.mark.parametrize("days", [1, 7, 365])
def test_attribution_window_in_range_is_accepted(api, days):
    assert api.campaign(attribution_window_days=days)["attribution_window_days"] == days


def test_ends_on_before_starts_on_is_422(api):
    r = api.post("/api/v1/campaigns", {**CAMPAIGN, "starts_on": "2025-06-10",
                                       "ends_on": "2025-06-09"})
    assert_error(r, 422, "ends_on")
    body = api.campaign(starts_on="2025-06-10", ends_on="2025-06-10")
    assert (body["starts_on"], body["ends_on"]) == ("2025-06-10", "2025-06-10")


def test_explicit_utms_are_kept(api):
    body = api.campaign(utm_medium="paid_social", utm_campaign="glow_q3")
    assert (body["utm_medium"], body["utm_campaign"]) == ("paid_social", "glow_q3")


def test_read_unknown_campaign_is_404(api):
    assert_error(api.get("/api/v1/campaigns/nope"), 404, "campaign")
    assert_error(api.patch("/api/v1/campaigns/nope", {"name": "x"}), 404, "campaign")
    assert_error(api.post("/api/v1/campaigns/nope/creators", {"creator": "x"}), 404, "campaign")


def test_list_campaigns_filtered_by_creator(api):
    api.creator("maya")
    api.campaign("One")
    api.campaign("Two")
    api.enrol("two", "maya")
    names = [c["name"] for c in api.get("/api/v1/campaigns").json["campaigns"]]
    assert names == ["One", "Two"]
    names = [c["name"] for c in api.get("/api/v1/campaigns?creator=@Maya").json["campaigns"]]
    assert names == ["Two"]


def test_patch_campaign_utms_re_derive_link_utms(client, api, enrolled):
    slug = enrolled["link"]["slug"]
    r = api.patch("/api/v1/campaigns/glow-serum-launch",
                  {"utm_medium": "creator", "utm_campaign": "glow_q3", "name": "Glow Q3"})
    assert r.status_code == 200, r.json
    assert r.json["slug"] == "glow-serum-launch"
    _, query = location_query(client, slug)
    assert query["utm_medium"] == ["creator"]
    assert query["utm_campaign"] == ["glow_q3"]


def test_patch_campaign_destination_moves_links_that_use_it(client, api, enrolled):
    custom = api.post("/api/v1/links", {"campaign": "glow-serum-launch", "creator": "maya",
                                        "destination_url": "https://shop.example.com/kit"}).json
    api.patch("/api/v1/campaigns/glow-serum-launch",
              {"destination_url": "https://shop.example.com/serum-v2"})
    parts, _ = location_query(client, enrolled["link"]["slug"])
    assert parts.path == "/serum-v2"
    parts, _ = location_query(client, custom["slug"])
    assert parts.path == "/kit"  # a link with its own destination keeps it


@pytest.mark.parametrize("body, status, field", [
    ({"ends_on": "2025-01-01"}, 422, "ends_on"),
    ({"starts_on": "2025-12-01"}, 422, "ends_on"),
    ({"slug": "other"}, 409, "slug"),
    ({"destination_url": "javascript:alert(1)"}, 422, "destination_url"),
    ({"attribution_window_days": 400}, 422, "attribution_window_days"),
    ({"currency": "XX"}, 422, "currency"),
    ({"name": None}, 422, "name"),
])
def test_patch_campaign_invalid_changes_nothing(api, body, status, field):
    api.campaign("Other")
    before = api.campaign(starts_on="2025-06-01", ends_on="2025-06-30")
    assert_error(api.patch(f"/api/v1/campaigns/{before['slug']}", body), status, field)
    assert api.get(f"/api/v1/campaigns/{before['slug']}").json == before


# --- enrolment ----------------------------------------------------------------------------


def test_enrol_answers_201_with_creator_campaign_link_and_code(api):
    api.creator("maya")
    campaign = api.campaign()
    r = api.post("/api/v1/campaigns/Glow-Serum-Launch/creators", {
        "creator": "@Maya", "fee": "250.00", "product_cost": "40", "commission_rate": "0.10",
        "discount": {"type": "percent", "value": "15"},
    })
    assert r.status_code == 201, r.json
    body = r.json
    assert body["creator"]["handle"] == "maya"
    assert body["creator"]["tier"] == "nano"
    assert body["campaign"] == campaign
    link = body["link"]
    assert link["short_url"] == f"http://localhost/{link['slug']}"
    assert link["destination_url"] == "https://shop.example.com/serum"
    assert body["code"]["code"] == "MAYA15"
    assert body["code"]["discount"] == {"type": "percent", "value": "15"}
    assert (body["fee"], body["product_cost"], body["commission_rate"]) == (
        "250.00", "40.00", "0.1000")
    assert body["currency"] == "USD"
    more = {"campaign": "glow-serum-launch", "creator": "maya"}
    assert api.post("/api/v1/links", {**more, "channel": "story"}).status_code == 201
    assert api.post("/api/v1/codes", {**more, "code": "MAYAVIP"}).status_code == 201
    listed = api.get("/api/v1/campaigns/glow-serum-launch/creators").json["enrolments"]
    assert [(e["creator"]["handle"], e["fee"]) for e in listed] == [("maya", "250.00")]
    assert (listed[0]["link"], listed[0]["code"]) == (link, body["code"])  # those of the enrolment


def test_enrol_defaults_money_to_zero(api):
    api.creator("maya")
    api.campaign(currency="JPY")
    body = api.enrol("glow-serum-launch", "maya")
    assert (body["fee"], body["product_cost"], body["commission_rate"]) == ("0", "0", "0.0000")
    body = api.enrol(api.campaign("Second", currency="JPY")["slug"], "maya", fee="2500")
    assert body["fee"] == "2500"


def test_short_url_uses_tracker_base_url(make_app, enrolled, api_key):
    other = make_app(BASE_URL="https://go.example.com")
    slug = enrolled["link"]["slug"]
    r = other.test_client().get(f"/api/v1/links/{slug}", headers={"X-Api-Key": api_key})
    assert r.json["short_url"] == f"https://go.example.com/{slug}"


def test_enrol_twice_is_409(api, enrolled):
    r = api.post("/api/v1/campaigns/glow-serum-launch/creators", {"creator": "MAYA"})
    assert_error(r, 409, "creator")
    assert len(api.get("/api/v1/links").json["links"]) == 1
    assert len(api.get("/api/v1/codes").json["codes"]) == 1


def test_enrol_unknown_creator_is_404(api):
    api.campaign()
    r = api.post("/api/v1/campaigns/glow-serum-launch/creators", {"creator": "ghost"})
    assert_error(r, 404, "creator")


def test_generated_codes_are_readable_and_unique(api):
    api.creator("maya")
    api.creator("maya.k")
    fifteen = {"type": "percent", "value": "15"}
    api.creator("maya15")
    codes = [
        api.enrol(api.campaign("One")["slug"], "maya", discount=fifteen)["code"]["code"],
        api.enrol(api.campaign("Two")["slug"], "maya", discount=fifteen)["code"]["code"],
        api.enrol(api.campaign("Three")["slug"], "maya", discount=fifteen)["code"]["code"],
        api.enrol("one", "maya.k", discount=fifteen)["code"]["code"],
        api.enrol("two", "maya.k", discount={"type": "fixed", "value": "5"})["code"]["code"],
        api.enrol(api.campaign("Four")["slug"], "maya")["code"]["code"],
        api.enrol("one", "maya15")["code"]["code"],
    ]
    assert codes == ["MAYA15", "MAYA15-2", "MAYA15-3", "MAYAK15", "MAYAK", "MAYA", "MAYA15-4"]


def test_custom_code_accepted_when_free_and_409_when_taken(api, enrolled):
    api.creator("zoe")
    r = api.post("/api/v1/campaigns/glow-serum-launch/creators",
                 {"creator": "zoe", "code": "maya15"})
    assert_error(r, 409, "code")
    r = api.post("/api/v1/campaigns/glow-serum-launch/creators",
                 {"creator": "zoe", "code": " zoe-Glow_10 "})
    assert r.status_code == 201, r.json
    assert r.json["code"]["code"] == "ZOE-GLOW_10"
    assert api.get("/api/v1/codes/zoe-glow_10").json["creator"] == "zoe"


def test_a_refused_enrolment_leaves_nothing_behind(api, enrolled):
    api.creator("zoe")
    r = api.post("/api/v1/campaigns/glow-serum-launch/creators",
                 {"creator": "zoe", "code": "MAYA15"})
    assert r.status_code == 409
    assert api.get("/api/v1/campaigns/glow-serum-launch/creators").json["enrolments"][0][
        "creator"]["handle"] == "maya"
    assert api.enrol("glow-serum-launch", "zoe")["code"]["code"] == "ZOE"


ENROL = {"creator": "maya"}


@pytest.mark.parametrize("field, value, named", [
    ("creator", None, "creator"), ("creator", 5, "creator"),
    ("code", "A", "code"), ("code", "has space", "code"), ("code", "X" * 41, "code"),
    ("code", "-LEAD", "code"), ("code", 15, "code"),
    ("fee", "-1", "fee"), ("fee", 250.5, "fee"), ("fee", "lots", "fee"), ("fee", None, "fee"),
    ("fee", "250.001", "fee"), ("fee", "NaN", "fee"), ("fee", "Infinity", "fee"),
    ("product_cost", "-0.01", "product_cost"), ("product_cost", "40.005", "product_cost"),
    ("product_cost", 40.0, "product_cost"),
    ("commission_rate", "1.01", "commission_rate"), ("commission_rate", "-0.01", "commission_rate"),
    ("commission_rate", "0.12345", "commission_rate"), ("commission_rate", 0.1, "commission_rate"),
    ("commission_rate", "ten", "commission_rate"), ("commission_rate", None, "commission_rate"),
    ("discount", "15%", "discount"), ("discount", {"type": "bogo", "value": "1"}, "discount.type"),
    ("discount", {"value": "10"}, "discount.type"),
    ("discount", {"type": "percent"}, "discount.value"),
    ("discount", {"type": "percent", "value": "0"}, "discount.value"),
    ("discount", {"type": "percent", "value": "101"}, "discount.value"),
    ("discount", {"type": "percent", "value": 15.5}, "discount.value"),
    ("discount", {"type": "percent", "value": "-5"}, "discount.value"),
    ("discount", {"type": "fixed", "value": "five"}, "discount.value"),
    ("discount", {"type": "fixed", "value": "5.001"}, "discount.value"),
])
def test_invalid_enrolment_is_422_naming_the_field(api, field, value, named):
    api.creator("maya")
    api.campaign()
    r = api.post("/api/v1/campaigns/glow-serum-launch/creators", {**ENROL, field: value})
    assert_error(r, 422, named)
    assert api.get("/api/v1/campaigns/glow-serum-launch/creators").json == {"enrolments": []}


@pytest.mark.parametrize("rate, shown", [
    ("0", "0.0000"), ("1", "1.0000"), ("0.1234", "0.1234"), (0, "0.0000"), ("0.07", "0.0700"),
])
def test_commission_rate_is_a_fraction_between_0_and_1(api, rate, shown):
    api.creator("maya")
    api.campaign()
    assert api.enrol("glow-serum-launch", "maya", commission_rate=rate)["commission_rate"] == shown


def test_money_is_never_a_float_in_answers(api, enrolled):
    def walk(value):
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        if isinstance(value, list):
            for v in value:
                walk(v)

    body = api.enrol(api.campaign("Two")["slug"], "maya", fee="99.9", product_cost=12,
                     discount={"type": "fixed", "value": "7.50"})
    assert (body["fee"], body["product_cost"]) == ("99.90", "12.00")
    assert body["code"]["discount"] == {"type": "fixed", "value": "7.5"}
    for payload in (body, api.get("/api/v1/campaigns/two/creators").json,
                    api.get("/api/v1/codes").json):
        walk({k: v for k, v in payload.items() if k != "creator"})


# --- links --------------------------------------------------------------------------------


def test_more_links_for_an_enrolled_creator(client, api, enrolled):
    r = api.post("/api/v1/links", {"campaign": "Glow-Serum-Launch", "creator": "@maya",
                                   "channel": "story",
                                   "destination_url": "https://shop.example.com/kit?ref=ig"})
    assert r.status_code == 201, r.json
    link = r.json
    assert link["slug"] != enrolled["link"]["slug"]
    assert (link["campaign"], link["creator"], link["channel"]) == (
        "glow-serum-launch", "maya", "story")
    assert link["short_url"] == f"http://localhost/{link['slug']}"
    parts, query = location_query(client, link["slug"])
    assert (parts.netloc, parts.path) == ("shop.example.com", "/kit")
    assert query["ref"] == ["ig"] and query["utm_content"] == ["maya"]
    assert api.get(f"/api/v1/links/{link['slug'].upper()}").json == link
    slugs = [x["slug"] for x in api.get("/api/v1/links?campaign=glow-serum-launch").json["links"]]
    assert slugs == [enrolled["link"]["slug"], link["slug"]]


def test_generated_slugs_are_short_random_and_distinct(api, enrolled):
    slugs = {enrolled["link"]["slug"]}
    for _ in range(20):
        slugs.add(api.post("/api/v1/links", {"campaign": "glow-serum-launch",
                                             "creator": "maya"}).json["slug"])
    assert len(slugs) == 21
    for slug in slugs:
        assert 5 <= len(slug) <= 12 and slug.isalnum() and slug == slug.lower()


def test_vanity_slug(client, api, enrolled):
    r = api.post("/api/v1/links", {"campaign": "glow-serum-launch", "creator": "maya",
                                   "slug": "Maya-Glow"})
    assert r.status_code == 201, r.json
    assert r.json["slug"] == "maya-glow"
    assert client.get("/MAYA-GLOW", headers={"User-Agent": IPHONE}).status_code == 302
    r = api.post("/api/v1/links", {"campaign": "glow-serum-launch", "creator": "maya",
                                   "slug": "MAYA-glow"})
    assert_error(r, 409, "slug")


@pytest.mark.parametrize("slug", [
    "api", "webhooks", "dashboard", "login", "logout", "static", "healthz", "API", "Healthz",
    "favicon.ico", "robots.txt",
])
def test_reserved_slugs_are_refused(api, enrolled, slug):
    r = api.post("/api/v1/links", {"campaign": "glow-serum-launch", "creator": "maya",
                                   "slug": slug})
    assert_error(r, 422, "slug")


LINK = {"campaign": "glow-serum-launch", "creator": "maya"}


@pytest.mark.parametrize("field, value", [
    ("slug", "has space"), ("slug", "a/b"), ("slug", ""), ("slug", "-x"), ("slug", "x" * 65),
    ("slug", "%2F%2Fevil.com"), ("slug", "//evil.com"), ("slug", "a\r\nb"),
    ("destination_url", "javascript:alert(1)"), ("destination_url", "ftp://x.example"),
    ("destination_url", "//evil.com"),
    ("channel", "Story Time"), ("channel", "x" * 31), ("channel", ""),
    ("campaign", None), ("creator", None),
])
def test_invalid_link_is_422_naming_the_field(api, enrolled, field, value):
    assert_error(api.post("/api/v1/links", {**LINK, field: value}), 422, field)
    assert len(api.get("/api/v1/links").json["links"]) == 1


def test_link_for_creator_not_enrolled_is_404(api, enrolled):
    api.creator("zoe")
    assert_error(api.post("/api/v1/links", {**LINK, "creator": "zoe"}), 404, "creator")
    assert_error(api.post("/api/v1/links", {**LINK, "creator": "ghost"}), 404, "creator")
    assert_error(api.post("/api/v1/links", {**LINK, "campaign": "nope"}), 404, "campaign")
    assert_error(api.get("/api/v1/links/nope"), 404, "link")


def test_patch_link_destination_and_channel(client, api, enrolled):
    slug = enrolled["link"]["slug"]
    r = api.patch(f"/api/v1/links/{slug}", {"destination_url": "https://shop.example.com/new",
                                            "channel": "bio"})
    assert r.status_code == 200, r.json
    assert (r.json["destination_url"], r.json["channel"]) == ("https://shop.example.com/new", "bio")
    parts, query = location_query(client, slug)
    assert parts.path == "/new" and query["utm_campaign"] == ["glow-serum-launch"]
    assert api.patch(f"/api/v1/links/{slug}", {"channel": None}).json["channel"] is None


@pytest.mark.parametrize("body, field", [
    ({"destination_url": "javascript:alert(1)"}, "destination_url"),
    ({"destination_url": None}, "destination_url"),
    ({"disabled": "yes please"}, "disabled"),
    ({"disabled": None}, "disabled"),
    ({"channel": "Bio Link"}, "channel"),
])
def test_patch_link_invalid_changes_nothing(api, enrolled, body, field):
    slug = enrolled["link"]["slug"]
    before = api.get(f"/api/v1/links/{slug}").json
    assert_error(api.patch(f"/api/v1/links/{slug}", body), 422, field)
    assert api.get(f"/api/v1/links/{slug}").json == before


def test_qr_png_is_a_real_image_of_the_short_link(api, enrolled):
    r = api.get(f"/api/v1/links/{enrolled['link']['slug'].upper()}/qr.png")
    assert r.status_code == 200
    assert r.mimetype == "image/png"
    image = Image.open(io.BytesIO(r.data))
    assert image.format == "PNG" and image.width == image.height >= 100
    decoded = zxingcpp.read_barcodes(image)
    assert [d.text for d in decoded] == [enrolled["link"]["short_url"]]


def test_qr_svg_is_a_real_svg(api, enrolled):
    r = api.get(f"/api/v1/links/{enrolled['link']['slug']}/qr.svg")
    assert r.status_code == 200
    assert r.mimetype == "image/svg+xml"
    root = ET.fromstring(r.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


def test_qr_of_unknown_link_or_format_is_404(api, enrolled):
    assert_error(api.get("/api/v1/links/nope/qr.svg"), 404, "link")
    assert api.get(f"/api/v1/links/{enrolled['link']['slug']}/qr.gif").status_code == 404


# --- codes --------------------------------------------------------------------------------


def test_more_codes_for_an_enrolled_creator(api, enrolled):
    r = api.post("/api/v1/codes", {"campaign": "glow-serum-launch", "creator": "maya",
                                   "discount": {"type": "percent", "value": "15"}})
    assert r.status_code == 201, r.json
    assert r.json["code"] == "MAYA15-2"
    r = api.post("/api/v1/codes", {"campaign": "glow-serum-launch", "creator": "maya",
                                   "code": "mayavip", "stripe_promotion_code": "promo_1Abc"})
    assert r.status_code == 201, r.json
    assert (r.json["code"], r.json["stripe_promotion_code"]) == ("MAYAVIP", "promo_1Abc")
    assert (r.json["campaign"], r.json["creator"]) == ("glow-serum-launch", "maya")
    assert api.get("/api/v1/codes/MayaVip").json == r.json
    codes = [c["code"] for c in api.get("/api/v1/codes?creator=maya").json["codes"]]
    assert codes == ["MAYA15", "MAYA15-2", "MAYAVIP"]


def test_code_conflicts_are_409(api, enrolled):
    base = {"campaign": "glow-serum-launch", "creator": "maya"}
    assert_error(api.post("/api/v1/codes", {**base, "code": "maya15"}), 409, "code")
    api.post("/api/v1/codes", {**base, "stripe_promotion_code": "promo_1"})
    r = api.post("/api/v1/codes", {**base, "stripe_promotion_code": "promo_1"})
    assert_error(r, 409, "stripe_promotion_code")
    r = api.patch("/api/v1/codes/MAYA15", {"stripe_promotion_code": "promo_1"})
    assert_error(r, 409, "stripe_promotion_code")
    assert api.get("/api/v1/codes/MAYA15").json["stripe_promotion_code"] is None
    assert len(api.get("/api/v1/codes").json["codes"]) == 2


def test_code_for_creator_not_enrolled_is_404(api, enrolled):
    api.creator("zoe")
    base = {"campaign": "glow-serum-launch", "creator": "zoe"}
    assert_error(api.post("/api/v1/codes", base), 404, "creator")
    assert_error(api.get("/api/v1/codes/NOPE"), 404, "code")


def test_patch_code_maps_a_promotion_code_and_changes_the_discount(api, enrolled):
    r = api.patch("/api/v1/codes/maya15", {"stripe_promotion_code": "promo_9",
                                          "discount": {"type": "fixed", "value": "10"}})
    assert r.status_code == 200, r.json
    assert r.json["stripe_promotion_code"] == "promo_9"
    assert r.json["discount"] == {"type": "fixed", "value": "10"}
    r = api.patch("/api/v1/codes/maya15", {"discount": {"type": "percent", "value": "150"}})
    assert_error(r, 422, "discount.value")


def test_campaign_currency_is_fixed_once_money_is_attached(api, enrolled):
    r = api.patch("/api/v1/campaigns/glow-serum-launch", {"currency": "JPY"})
    assert r.status_code == 409 and r.json["error"]["field"] == "currency"
    assert api.get("/api/v1/campaigns/glow-serum-launch").json["currency"] == "USD"
    api.campaign("Empty launch")
    r = api.patch("/api/v1/campaigns/empty-launch", {"currency": "eur"})
    assert r.status_code == 200 and r.json["currency"] == "EUR"
