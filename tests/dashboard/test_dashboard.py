"""The marketer's dashboard through the Flask test client: login, every page, every form."""

import html
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import func
from sqlmodel import select

from tests.helpers import EMAIL, IPHONE, PASSWORD, log_in
from tracker.dashboard import charts, users
from tracker.models import Campaign, Creator, Enrolment, Order


def count(session, model):
    session.rollback()  # see what the app committed since the last read
    return session.exec(select(func.count()).select_from(model)).one()


def add_order(session, *, external_id, amount_minor, method="none", reason=None, code=None,
              enrolment=None, placed_at=datetime(2026, 11, 20, 12, tzinfo=UTC)):
    """Store an order row as the webhooks do (the order recorder is tested with them)."""
    now = datetime.now(UTC)
    order = Order(
        platform="generic", store="", external_id=external_id, status="paid",
        placed_at=placed_at, day=placed_at.date(), currency="USD", amount_minor=amount_minor,
        method=method, reason=reason, code=code, created_at=now, updated_at=now,
        campaign_id=enrolment and enrolment.campaign_id,
        creator_id=enrolment and enrolment.creator_id, enrolment_id=enrolment and enrolment.id,
    )
    session.add(order)
    session.commit()
    return order


# --- login, logout, access ---------------------------------------------------------------

PAGES = [
    "/dashboard/", "/dashboard/creators", "/dashboard/creators/new", "/dashboard/creators/import",
    "/dashboard/campaigns/new", "/dashboard/orders/unattributed",
    "/dashboard/campaigns/glow-serum-launch", "/dashboard/campaigns/glow-serum-launch/edit",
    "/dashboard/campaigns/glow-serum-launch/enrol", "/dashboard/creators/maya",
    "/dashboard/creators/maya/edit", "/dashboard/campaigns/glow-serum-launch/creators/maya",
    "/dashboard/reports/creators.csv?campaign=glow-serum-launch", "/dashboard/account",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_redirects_to_login_without_a_session(client, url):
    r = client.get(url)
    assert r.status_code == 302
    assert r.location.startswith("/login?next=")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_once_logged_in(dash, enrolled, url):
    r = dash.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"


def test_login_goes_back_to_the_page_asked_for(client, user):
    r = log_in(client, next_url="/dashboard/creators")
    assert r.status_code == 302 and r.location == "/dashboard/creators"
    assert client.get("/dashboard/creators").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/api/v1/x",
                                    "/dashboard\\@evil.example"])
def test_login_never_redirects_off_the_dashboard(client, user, target):
    assert log_in(client, next_url=target).location == "/dashboard/"


def test_wrong_password_is_refused_with_a_message(client, user):
    r = log_in(client, password="not the password")
    assert r.status_code == 401
    assert "Wrong email or password." in r.text
    assert client.get("/dashboard/").status_code == 302


def test_unknown_email_gets_the_same_answer(client, user):
    r = log_in(client, email="nobody@example.com")
    assert r.status_code == 401 and "Wrong email or password." in r.text


def test_session_cookie_is_httponly_and_lax(client, user):
    r = log_in(client)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client, user):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login", base_url="https://localhost").text).group(1)
    r = client.post("/login", base_url="https://localhost",
                    data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    assert "Secure" in r.headers["Set-Cookie"]


def test_logout_ends_the_session(dash):
    r = dash.post("/logout")
    assert r.status_code == 302 and r.location == "/login"
    assert dash.get("/dashboard/").status_code == 302


def test_logout_needs_the_csrf_token(dash):
    assert dash.post("/logout", csrf=False).status_code == 400
    assert dash.get("/dashboard/").status_code == 200


def test_changing_the_password_ends_other_sessions(dash, session):
    user = users.find_user(session, EMAIL)
    users.set_password(session, user, password="a brand new password")
    assert dash.get("/dashboard/").status_code == 302


def test_change_the_password(dash, client, app):
    other = app.test_client()
    assert log_in(other).status_code == 302
    r = dash.post("/dashboard/account", {"current": PASSWORD, "password": "a new long password",
                                         "confirm": "a new long password"})
    assert r.status_code == 302
    assert dash.get("/dashboard/").status_code == 200  # this browser stays in
    assert other.get("/dashboard/").status_code == 302  # every other session ends
    assert log_in(app.test_client(), password="a new long password").status_code == 302


@pytest.mark.parametrize(("data", "field"), [
    ({"current": "wrong", "password": "a new long password", "confirm": "a new long password"},
     "current"),
    ({"current": PASSWORD, "password": "a new long password", "confirm": "typo"}, "confirm"),
    ({"current": PASSWORD, "password": "short", "confirm": "short"}, "password"),
])
def test_a_bad_password_change_changes_nothing(dash, app, data, field):
    r = dash.post("/dashboard/account", data)
    assert r.status_code == 422 and f'<p class="error" id="e-{field}">' in r.text
    assert log_in(app.test_client()).status_code == 302


def test_login_is_throttled_after_repeated_failures(client, user, session):
    with freeze_time("2026-11-22 08:00:00") as clock:
        for _ in range(users.FREE_ATTEMPTS):
            assert log_in(client, password="wrong password!").status_code == 401
        r = log_in(client)  # even the right password waits
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) == 31
        assert "try again in 31 seconds" in r.text
        clock.tick(31)
        assert log_in(client, password="wrong again").status_code == 401
        assert log_in(client).status_code == 429  # the wait doubled to 60 s
        clock.tick(61)
        assert log_in(client).status_code == 302
    session.rollback()
    assert users.find_user(session, EMAIL).failed_logins == 0


def test_parallel_guesses_after_the_wait_get_one_try(app, user, session):
    for _ in range(users.FREE_ATTEMPTS):
        assert log_in(app.test_client(), password="wrong password!").status_code == 401
    session.rollback()
    user = users.find_user(session, EMAIL)
    user.last_failed_at = datetime(2026, 1, 1, tzinfo=UTC)  # the wait is long over
    session.add(user)
    session.commit()
    clients = [app.test_client() for _ in range(12)]
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
              for c in clients]

    def guess(n):
        data = {"email": EMAIL, "password": f"guess number {n}", "csrf_token": tokens[n]}
        return clients[n].post("/login", data=data).status_code

    with ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(guess, range(12)))
    assert statuses == [401] + [429] * 11
    session.rollback()
    assert users.find_user(session, EMAIL).failed_logins == users.FREE_ATTEMPTS + 1


# --- CSRF --------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_form_without_the_csrf_token_is_refused(dash, session, token):
    data = {"handle": "maya", "name": "Maya", "platform": "instagram", "followers": "100"}
    if token:
        data["csrf_token"] = token
    r = dash.post("/dashboard/creators/new", data, csrf=False)
    assert r.status_code == 400
    assert "did not come from this site" in r.text
    assert count(session, Creator) == 0


def test_the_login_form_needs_its_csrf_token(client, user):
    r = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/dashboard/").status_code == 302


# --- campaigns ---------------------------------------------------------------------------


def test_no_campaigns_says_what_to_do_next(dash):
    page = dash.get("/dashboard/").text
    assert "Create your first campaign" in page
    assert "tracker demo" in page


def test_create_a_campaign(dash, session):
    r = dash.post("/dashboard/campaigns/new", {
        "name": "Summer Drop", "destination_url": "https://shop.example.com/summer",
        "currency": "eur", "attribution_window_days": "14", "starts_on": "2026-06-01",
    })
    assert r.status_code == 302 and r.location == "/dashboard/campaigns/summer-drop"
    page = dash.get(r.location).text
    assert "Summer Drop" in page and "Enrol your first creator" in page
    row = session.exec(select(Campaign)).one()
    assert (row.currency, row.attribution_window_days, row.starts_on) == (
        "EUR", 14, date(2026, 6, 1))
    assert "Summer Drop" in dash.get("/dashboard/").text


@pytest.mark.parametrize(("field", "value", "message"), [
    ("destination_url", "shop.example.com", "absolute http"),
    ("attribution_window_days", "0", "greater than or equal to 1"),
    ("attribution_window_days", "ten", "whole number"),
    ("currency", "EURO", "currency"),
    ("slug", "dashboard", "reserved"),
    ("name", "", "is required"),
])
def test_a_bad_campaign_field_is_shown_next_to_it(dash, session, field, value, message):
    data = {"name": "Summer", "destination_url": "https://shop.example.com/", field: value}
    r = dash.post("/dashboard/campaigns/new", data)
    assert r.status_code == 422
    error = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', r.text)
    assert error and message in error.group(1), r.text
    assert count(session, Campaign) == 0


def test_a_taken_campaign_slug_is_a_field_error(dash, session):
    dash.campaign("Summer", slug="summer")
    r = dash.post("/dashboard/campaigns/new",
                  {"name": "Other", "slug": "summer", "destination_url": "https://x.example/"})
    assert r.status_code == 422 and 'id="e-slug"' in r.text
    assert count(session, Campaign) == 1


def test_edit_a_campaign(dash, session):
    slug = dash.campaign()
    form = dash.get(f"/dashboard/campaigns/{slug}/edit").text
    assert 'value="https://shop.example.com/serum"' in form
    data = {"name": "Glow Serum Relaunch", "slug": slug, "currency": "USD",
            "destination_url": "https://shop.example.com/serum-v2",
            "attribution_window_days": "7", "utm_medium": "influencer", "utm_campaign": "glow"}
    r = dash.post(f"/dashboard/campaigns/{slug}/edit", data)
    assert r.status_code == 302
    row = session.exec(select(Campaign)).one()
    assert (row.name, row.attribution_window_days, row.utm_campaign) == (
        "Glow Serum Relaunch", 7, "glow")


def test_a_bad_edit_changes_nothing(dash, session):
    slug = dash.campaign()
    data = {"name": "Renamed", "slug": slug, "currency": "USD", "destination_url": "ftp://x",
            "attribution_window_days": "30", "utm_medium": "influencer", "utm_campaign": slug}
    r = dash.post(f"/dashboard/campaigns/{slug}/edit", data)
    assert r.status_code == 422 and 'id="e-destination_url"' in r.text
    assert 'value="Renamed"' in r.text  # the marketer's input is kept for fixing
    session.rollback()
    assert session.exec(select(Campaign.name)).one() == "Glow Serum Launch"


def test_an_unknown_campaign_is_a_404_page(dash):
    r = dash.get("/dashboard/campaigns/nope")
    assert r.status_code == 404 and "nope" in r.text


# --- creators and import -----------------------------------------------------------------


def test_create_and_edit_a_creator(dash, session):
    r = dash.post("/dashboard/creators/new", {
        "handle": "@Maya.Glow", "name": "Maya Chen", "platform": "tiktok", "followers": "54000",
        "engagement_rate": "4.5", "niche": "skincare",
    })
    assert r.status_code == 302 and r.location == "/dashboard/creators/maya.glow"
    page = dash.get(r.location).text
    assert "@maya.glow" in page and "54,000 followers" in page and "mid" in page
    assert "is in no campaign yet" in page
    row = session.exec(select(Creator)).one()
    assert row.engagement_rate == pytest.approx(0.045)
    form = dash.get("/dashboard/creators/maya.glow/edit").text
    assert 'value="4.5"' in form  # shown as the percentage it was typed as
    data = {"handle": "maya.glow", "name": "Maya C.", "platform": "tiktok", "followers": "60000",
            "engagement_rate": "", "email": "maya@example.com"}
    assert dash.post("/dashboard/creators/maya.glow/edit", data).status_code == 302
    session.refresh(row)
    assert (row.name, row.followers, row.engagement_rate, row.email) == (
        "Maya C.", 60000, None, "maya@example.com")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("followers", "many", "whole number"),
    ("followers", "-5", "whole number"),
    ("platform", "myspace", "'instagram', 'tiktok'"),
    ("engagement_rate", "high", "number"),
    ("engagement_rate", "250", "1"),
    ("handle", "has space", ""),
    ("email", "not-an-email", ""),
])
def test_a_bad_creator_field_is_shown_next_to_it(dash, session, field, value, message):
    data = {"handle": "maya", "name": "Maya", "platform": "instagram", "followers": "10"}
    r = dash.post("/dashboard/creators/new", {**data, field: value})
    assert r.status_code == 422
    error = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', r.text)
    assert error and message in html.unescape(error.group(1)), r.text
    assert 'aria-describedby="e-' + field in r.text
    assert count(session, Creator) == 0


def test_a_taken_handle_is_a_field_error(dash, session):
    dash.creator("maya")
    r = dash.post("/dashboard/creators/new",
                  {"handle": "@MAYA", "name": "Other", "platform": "tiktok", "followers": "1"})
    assert r.status_code == 422 and 'id="e-handle"' in r.text
    assert count(session, Creator) == 1


def test_creators_list_and_search(dash):
    assert "Add your first creator" in dash.get("/dashboard/creators").text
    dash.creator("maya")
    dash.creator("liam", followers="600000")
    page = dash.get("/dashboard/creators").text
    assert "@maya" in page and "@liam" in page and "macro" in page
    found = dash.get("/dashboard/creators?q=LIA").text
    assert "@liam" in found and "@maya" not in found
    assert "No creator matches" in dash.get("/dashboard/creators?q=zed").text


def test_creators_list_shows_a_hundred_a_page(dash):
    rows = "".join(f"c{n:03d},C {n},instagram,{n}\n" for n in range(101))
    assert dash.post("/dashboard/creators/import",
                     {"text": "handle,name,platform,followers\n" + rows}).status_code == 302
    first = dash.get("/dashboard/creators").text
    assert "Page 1 of 2" in first and "@c099" in first and "@c100" not in first
    second = dash.get("/dashboard/creators?page=2").text
    assert "@c100" in second and "@c099" not in second


CSV = "handle,name,platform,followers,niche\n@ana,Ana,instagram,1200,food\nbo,Bo,tiktok,90000,\n"


def test_import_creators_from_a_pasted_csv(dash, session):
    r = dash.post("/dashboard/creators/import", {"text": CSV})
    assert r.status_code == 302
    assert "Imported 2 creators" in dash.get(r.location).text
    assert sorted(session.exec(select(Creator.handle)).all()) == ["ana", "bo"]


def test_import_creators_from_an_uploaded_file(dash, session):
    from io import BytesIO

    upload = (BytesIO(b"\xef\xbb\xbf" + CSV.encode()), "creators.csv")
    r = dash.post("/dashboard/creators/import", {"file": upload},
                  content_type="multipart/form-data")
    assert r.status_code == 302
    assert count(session, Creator) == 2


def test_import_shows_every_bad_row_and_imports_nothing(dash, session):
    dash.creator("taken")
    text = ("handle,name,platform,followers\nok,Ok,instagram,1\nbad,Bad,myspace,1\n"
            "worse,Worse,tiktok,lots\ntaken,Taken,tiktok,5\n")
    r = dash.post("/dashboard/creators/import", {"text": text})
    assert r.status_code == 422
    assert "Nothing was imported" in r.text
    rows = re.findall(r"<li>line (\d+): ([^<]*)</li>", r.text)
    assert [int(n) for n, _ in rows] == [3, 4, 5]
    assert "platform" in rows[0][1] and "followers" in rows[1][1] and "taken" in rows[2][1]
    assert count(session, Creator) == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"text": "  "}, "choose a CSV file"),
    ({"text": "handle,name\nx,y\n"}, "missing column(s): platform, followers"),
    ({"file": (__import__("io").BytesIO(b"\xff\xfe\x00bad"), "x.csv")}, "not UTF-8"),
])
def test_import_explains_an_unusable_file(dash, session, data, message):
    r = dash.post("/dashboard/creators/import", data, content_type="multipart/form-data")
    assert r.status_code == 422 and message in r.text
    assert count(session, Creator) == 0


# --- enrolment, links, codes -------------------------------------------------------------


def test_enrol_issues_a_link_and_a_code_ready_to_copy(dash, session):
    slug = dash.campaign()
    dash.creator("maya.glow")
    assert "maya.glow" in dash.get(f"/dashboard/campaigns/{slug}/enrol").text  # suggested
    r = dash.enrol(slug, "@Maya.Glow", commission_rate="10", fee="250.00", product_cost="40")
    assert r.location == f"/dashboard/campaigns/{slug}/creators/maya.glow"
    page = dash.get(r.location).text
    enrolment = session.exec(select(Enrolment)).one()
    assert (enrolment.fee_minor, enrolment.product_cost_minor, enrolment.commission_bp) == (
        25000, 4000, 1000)
    link = re.search(r'id="link-([a-z0-9]+)"[^>]*value="http://localhost/\1"', page)
    assert link, page
    message = re.search(r'<textarea id="dm"[^>]*>([^<]*)</textarea>', page).group(1)
    assert f"http://localhost/{link.group(1)}" in message
    assert "MAYAGLOW15" in message and "15% off" in message
    assert 'data-copy-from="dm"' in page and 'value="MAYAGLOW15"' in page
    qr = dash.get(f"/dashboard/links/{link.group(1)}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert b'<svg xmlns="http://www.w3.org/2000/svg"' in qr.data  # an <img> shows only that
    # the creator is no longer offered for this campaign
    assert 'option value="maya.glow"' not in dash.get(f"/dashboard/campaigns/{slug}/enrol").text


def test_the_short_link_shown_is_the_one_that_redirects(dash):
    slug = dash.campaign()
    dash.enrol(slug, dash.creator("maya"))
    page = dash.get(f"/dashboard/campaigns/{slug}/creators/maya").text
    short = re.search(r'id="link-([a-z0-9]+)"', page).group(1)
    r = dash.client.get(f"/{short}")
    assert r.status_code == 302 and "utm_content=maya" in r.location


@pytest.mark.parametrize(("data", "field"), [
    ({"creator": "nobody"}, "creator"),
    ({"creator": "maya", "commission_rate": "abc"}, "commission_rate"),
    ({"creator": "maya", "commission_rate": "150"}, "commission_rate"),
    ({"creator": "maya", "fee": "-5"}, "fee"),
    ({"creator": "maya", "fee": "12.345"}, "fee"),
    ({"creator": "maya", "discount_type": "percent", "discount_value": ""}, "discount_value"),
    ({"creator": "maya", "discount_type": "percent", "discount_value": "150"}, "discount_value"),
    ({"creator": "maya", "code": "no spaces"}, "code"),
    ({"creator": ""}, "creator"),
])
def test_a_bad_enrolment_field_is_shown_next_to_it(dash, session, data, field):
    slug = dash.campaign()
    dash.creator("maya")
    r = dash.post(f"/dashboard/campaigns/{slug}/enrol", data)
    assert r.status_code == 422
    assert f'<p class="error" id="e-{field}">' in r.text, r.text
    assert count(session, Enrolment) == 0


def test_enrolling_twice_is_refused(dash, session):
    slug = dash.campaign()
    dash.enrol(slug, dash.creator("maya"))
    r = dash.post(f"/dashboard/campaigns/{slug}/enrol", {"creator": "maya"})
    assert r.status_code == 422 and "Nothing was saved" in r.text
    assert count(session, Enrolment) == 1


def test_issue_another_link_and_code(dash):
    slug = dash.campaign()
    dash.enrol(slug, dash.creator("maya"))
    base = f"/dashboard/campaigns/{slug}/creators/maya"
    r = dash.post(base + "/links", {"channel": "story", "slug": "maya-story"})
    assert r.status_code == 302
    r = dash.post(base + "/codes", {"code": "maya-vip", "discount_type": "fixed",
                                    "discount_value": "5"})
    page = dash.get(base).text
    assert "http://localhost/maya-story" in page and "story" in page
    assert 'value="MAYA-VIP"' in page and "5 USD off" in page
    r = dash.post(base + "/links", {"slug": "api"})  # reserved
    assert "link not created: slug" in dash.get(r.location).text


# --- reports on the pages ----------------------------------------------------------------


@pytest.fixture
def sold(dash, session):
    """A campaign where maya has 2 human clicks and one 80.00 order by code; liam nothing."""
    slug = dash.campaign()
    dash.enrol(slug, dash.creator("maya"), fee="50")
    dash.enrol(slug, dash.creator("liam", followers="600000"), fee="20")
    page = dash.get(f"/dashboard/campaigns/{slug}/creators/maya").text
    short = re.search(r'id="link-([a-z0-9]+)"', page).group(1)
    for ip in ("10.0.0.1", "10.0.0.2"):
        dash.client.get(f"/{short}", headers={"User-Agent": IPHONE},
                        environ_base={"REMOTE_ADDR": ip})
    maya = session.exec(select(Enrolment).join(Creator).where(Creator.handle == "maya")).one()
    add_order(session, external_id="1001", amount_minor=8000, method="code", code="MAYA15",
              enrolment=maya, placed_at=datetime.now(UTC))
    return slug


def test_campaign_page_shows_the_apis_numbers(dash, api, sold):
    page = dash.get(f"/dashboard/campaigns/{sold}").text
    report = api.get(f"/api/v1/reports/creators?campaign={sold}").json
    totals = report["totals"]
    assert (totals["clicks"], totals["orders"], totals["net_revenue"], totals["cost"]) == (
        2, 1, "80.00", "70.00")
    cards = dict(re.findall(r'<div class="k">([^<]+)</div><div class="v[^"]*">([^<]+)</div>', page))
    assert cards == {"Clicks": "2", "Orders": "1", "Net revenue": "80.00", "Cost": "70.00",
                     "ROI": "14.3%", "Conversion": "50.00%"}
    maya = next(r for r in report["rows"] if r["creator"] == "maya")
    assert maya["roi"] == "0.6000"
    assert re.search(r"@maya</a>.*?60\.0%", page, re.S)
    assert re.search(r"@liam</a>.*?-100\.0%", page, re.S)


def test_campaign_page_has_charts_readable_without_javascript(dash, sold):
    page = dash.get(f"/dashboard/campaigns/{sold}").text
    for label in ("Clicks and orders per day", "ROI by creator", "Conversion by creator",
                  "ROI by tier", "Conversion by tier"):
        assert f'role="img" aria-label="{label}"' in page
    today = datetime.now(UTC).date().isoformat()
    assert f"<title>{today}: 2 clicks</title>" in page
    assert f"<title>{today}: 1 orders</title>" in page
    assert "<title>maya: 60.0%</title>" in page
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 5
    assert not any("href" in svg or "<script" in svg for svg in svgs)  # nothing to fetch


def test_campaign_list_shows_headline_numbers(dash, sold):
    page = dash.get("/dashboard/").text
    row = re.search(r"<tr>\s*<td><a href=\"/dashboard/campaigns/glow-serum-launch\">.*?</tr>",
                    page, re.S).group(0)
    cells = re.findall(r'<td class="n[^"]*">([^<]*)</td>', row)
    assert cells == ["2", "2", "1", "80.00 USD", "70.00 USD", "14.3%", "50.00%"]


def test_date_range_filters_the_numbers(dash, sold):
    assert '<div class="v">0</div>' in dash.get(
        f"/dashboard/campaigns/{sold}?from=2020-01-01&to=2020-01-31").text
    page = dash.get(f"/dashboard/campaigns/{sold}?from=2020-02-01&to=2020-01-01").text
    assert "the dates were swapped" in page and "From 2020-01-01 to 2020-02-01" in page


def test_a_bad_date_is_explained_not_a_500(dash, sold):
    r = dash.get(f"/dashboard/campaigns/{sold}?from=yesterday")
    assert r.status_code == 200
    assert "is not a date (YYYY-MM-DD)" in r.text and "All time." in r.text


@pytest.mark.parametrize("kind", ["creators", "tiers", "daily"])
def test_csv_download_is_the_apis_export(dash, api, sold, kind):
    r = dash.get(f"/dashboard/reports/{kind}.csv?campaign={sold}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    expected = api.get(f"/api/v1/reports/{kind}?campaign={sold}&format=csv").text
    assert r.text == expected and len(r.text.splitlines()) >= 2


def test_csv_download_refuses_a_bad_filter(dash, sold):
    r = dash.get(f"/dashboard/reports/creators.csv?campaign={sold}&from=soon")
    assert r.status_code == 422 and "from" in r.text
    assert dash.get("/dashboard/reports/nope.csv").status_code == 404


def test_creator_page_lists_orders_with_their_attribution(dash, sold):
    page = dash.get("/dashboard/creators/maya").text
    assert re.search(r'<td class="mono"[^>]*>1001</td>.*?80\.00 USD.*?<span class="tag">code</span>'
                     r'\s*<span class="mono">MAYA15</span>', page, re.S), page
    assert "All time: 2 clicks · 1 orders" in page
    assert re.search(r'id="link-[a-z0-9]+"', page) and 'value="MAYA15"' in page
    assert "No orders credited to @liam yet" in dash.get("/dashboard/creators/liam").text


def test_unattributed_orders_list(dash, session):
    assert "No unattributed orders" in dash.get("/dashboard/orders/unattributed").text
    add_order(session, external_id="A-77", amount_minor=4599, reason="unknown_code",
              code="SUMMER")
    page = dash.get("/dashboard/orders/unattributed").text
    assert re.search(r"A-77.*?45\.99 USD.*?SUMMER.*?unknown code", page, re.S), page
    assert "1 order(s)" in page


# --- charts (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20),
                                                  (250, 500), (1000, 1000)])
def test_chart_axis_tops_are_round_numbers(value, expected):
    assert charts.nice_ceiling(value) == expected


def test_bar_chart_draws_losses_left_of_the_zero_line():
    svg = charts.bar_chart([("a", "0.5"), ("b", "-1"), ("c", None)], title="ROI", fmt=str)
    bars = re.findall(r'<rect x="([\d.]+)"[^>]*width="([\d.]+)"[^>]*class="(bar-\w+)"', svg)
    zero = float(re.search(r'<line x1="([\d.]+)"', svg).group(1))
    (ax, aw, acss), (bx, bw, bcss) = [(float(x), float(w), c) for x, w, c in bars]
    assert acss == "bar-pos" and ax == pytest.approx(zero)
    assert bcss == "bar-neg" and bx + bw == pytest.approx(zero)
    assert bw == pytest.approx(2 * aw, rel=0.01)
    assert "no data" in svg


def test_bar_chart_escapes_labels_and_caps_the_bars():
    items = [(f"<b>{i}", "0.1") for i in range(25)]
    svg = charts.bar_chart(items, title="t", fmt=str)
    assert "<b>" not in svg and "&lt;b&gt;0" in svg
    assert svg.count("<rect") == charts.MAX_BARS and "The first 20 of 25" in svg



def test_campaigns_in_different_currencies_are_never_added(dash, session):
    usd, eur = dash.campaign("Launch US"), dash.campaign("Launch EU", currency="EUR")
    dash.creator("maya")
    dash.enrol(usd, "maya", fee="100")
    dash.enrol(eur, "maya", fee="90")
    index = dash.get("/dashboard/").text
    assert "100.00 USD" in index and "90.00 EUR" in index
    page = dash.get("/dashboard/creators/maya").text
    assert re.search(r"Launch EU.*?cost 90\.00.*?Launch US.*?cost 100\.00", page, re.S), page
    assert "Money in EUR" in dash.get(f"/dashboard/campaigns/{eur}").text
