"""The dashboard in headless Chromium against `tracker serve`: a marketer's whole day."""

import hashlib
import hmac
import json
import os
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright  # a test dependency: never skipped

from tests.helpers import IPHONE
from tests.live_server import WEBHOOK_SECRET, LiveServer

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as p:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []  # root cannot use the sandbox
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path).start()
    yield live
    live.stop()


def log_in(browser, server, **context):
    """A new browser context logged in as the first-start admin; returns its page."""
    email, password = server.admin_password()
    page = browser.new_context(**context).new_page()
    page.goto(server.url + "/dashboard/")
    assert urlsplit(page.url).path == "/login"
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("button:has-text('Log in')")
    page.wait_for_url(server.url + "/dashboard/")
    return page


def card(page, label):
    """The number on one of the campaign page's headline cards."""
    return page.locator(f".card:has(.k:text-is('{label}')) .v").inner_text()


def post_order(server, **order):
    """Send a generic order webhook signed as a shop would."""
    body = json.dumps(order).encode()
    digest = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        server.url + "/webhooks/generic", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Tracker-Signature": f"sha256={digest}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode()


def test_a_marketer_sets_up_a_campaign_and_sees_a_sale(chromium, server):
    page = log_in(chromium, server)
    page.click("text=Create your first campaign")
    page.fill("#f-name", "Glow Serum Launch")
    # the shop is played by the server's own health check: a page that answers
    page.fill("#f-destination_url", server.url + "/healthz?ref=shop")
    page.click("button:has-text('Create campaign')")
    page.wait_for_url("**/dashboard/campaigns/glow-serum-launch")
    assert "Enrol your first creator" in page.inner_text("main")

    page.click("nav >> text=Creators")
    page.click("text=Add your first creator")
    page.fill("#f-handle", "@Maya.Glow")
    page.fill("#f-name", "Maya Chen")
    page.select_option("#f-platform", "tiktok")
    page.fill("#f-followers", "54000")
    page.click("button:has-text('Add creator')")
    page.wait_for_url("**/dashboard/creators/maya.glow")

    page.goto(server.url + "/dashboard/campaigns/glow-serum-launch/enrol")
    page.fill("#f-creator", "maya.glow")
    page.fill("#f-fee", "100")
    page.fill("#f-commission_rate", "10")
    page.click("button:has-text('Enrol and issue link + code')")
    page.wait_for_url("**/dashboard/campaigns/glow-serum-launch/creators/maya.glow")
    short_url = page.input_value("input[id^='link-']")
    code = page.input_value("input[id^='code-']")
    message = page.input_value("#dm")
    assert code == "MAYAGLOW15" and short_url in message and code in message
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("button[data-copy-from='dm']")
    expect(page.locator("button[data-copy-from='dm']")).to_have_text("Copied")  # async write
    assert page.evaluate("navigator.clipboard.readText()") == message
    expect(page.locator("button[data-copy-from='dm']")).to_have_text("Copy message")
    assert page.locator("img[alt^='QR code']").evaluate("img => img.naturalWidth") > 0

    follower = chromium.new_context(user_agent=IPHONE, viewport={"width": 390, "height": 800})
    landing = follower.new_page()
    landing.goto(short_url)
    arrived = urlsplit(landing.url)
    query = parse_qs(arrived.query)
    assert arrived.path == "/healthz" and query["ref"] == ["shop"]
    assert query["utm_source"] == ["tiktok"] and query["utm_medium"] == ["influencer"]
    assert query["utm_campaign"] == ["glow-serum-launch"] and query["utm_content"] == ["maya.glow"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", query["tclid"][0])
    follower.close()

    status, answer = post_order(
        server, order_id="W-1001", amount="120.00", currency="USD", code=code.lower(),
        created_at=datetime.now(UTC).isoformat(), status="paid",
    )
    assert status == 200 and answer["status"] == "recorded", answer

    page.goto(server.url + "/dashboard/campaigns/glow-serum-launch")
    assert (card(page, "Clicks"), card(page, "Orders")) == ("1", "1")
    assert card(page, "Net revenue") == "120.00"
    assert card(page, "Cost") == "112.00"  # fee 100 + 10 % commission on 120.00
    assert card(page, "ROI") == "7.1%"
    row = page.locator("tbody tr:has(a:text-is('@maya.glow'))").first.inner_text()
    assert "120.00" in row and "112.00" in row
    page.goto(server.url + "/dashboard/creators/maya.glow")
    order = page.locator("tr:has-text('W-1001')").inner_text()
    assert "120.00 USD" in order and "code" in order and "MAYAGLOW15" in order


def test_the_campaign_page_fits_a_phone(chromium, server):
    page = log_in(chromium, server, viewport={"width": 375, "height": 812}, user_agent=IPHONE)
    page.click("text=Create your first campaign")
    page.fill("#f-name", "Phone Check")
    page.fill("#f-destination_url", "https://shop.example.com/")
    page.click("button:has-text('Create campaign')")
    page.wait_for_url("**/campaigns/phone-check")
    for path in ("/dashboard/campaigns/phone-check", "/dashboard/", "/dashboard/creators/new"):
        page.goto(server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways on a phone ({width}px)"


def test_pages_and_charts_work_without_javascript(chromium, server):
    page = log_in(chromium, server, java_script_enabled=False)
    page.goto(server.url + "/dashboard/campaigns/new")
    page.fill("#f-name", "No Script")
    page.fill("#f-destination_url", "https://shop.example.com/")
    page.click("button:has-text('Create campaign')")
    page.wait_for_url("**/campaigns/no-script")
    assert page.is_visible("text=Enrol your first creator")


def test_every_page_answers_on_the_demo_data(chromium, tmp_path):
    server = LiveServer(tmp_path)
    server.command("demo")
    server.start()
    try:
        page = log_in(chromium, server)
        seen, queue, failures = set(), ["/dashboard/"], []
        while queue and len(seen) < 150:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            r = page.request.get(server.url + path, max_redirects=0)
            if r.status >= 500 or r.status == 404:
                failures.append((path, r.status))
            if "text/html" in r.headers.get("content-type", ""):
                hrefs = re.findall(r'href="(/dashboard/[^"#]*)"', r.text())
                queue += [h.replace("&amp;", "&") for h in hrefs if h not in seen]
        assert not failures
        assert len(seen) > 20  # campaigns, creators, enrolments, CSVs and QR codes were visited
        # a phone with no JavaScript still gets every number and chart, without sideways scroll
        phone = log_in(chromium, server, java_script_enabled=False, user_agent=IPHONE,
                       viewport={"width": 375, "height": 812})
        # goto waits for the load event, so the stylesheet applies before anything is measured
        phone.goto(server.url + phone.get_attribute("tbody a >> nth=0", "href"))
        assert phone.locator("svg.chart").count() == 5
        assert phone.locator("svg.chart rect").count() > 10
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        server.stop()
