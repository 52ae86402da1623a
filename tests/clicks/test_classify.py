"""What a click records: bots and link previews, device types, the visitor hash, cropping."""

import logging

import pytest
from freezegun import freeze_time
from sqlmodel import SQLModel
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests.helpers import IPHONE

# Real user agents, as the fetchers and browsers send them.
PREVIEWS = {
    "facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "facebookexternalhit-2": "facebookexternalhit/1.1;line/1.0",
    "Facebot": "Facebot/1.0",
    "meta-externalagent": "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "WhatsApp-android": "WhatsApp/2.23.20.0 A",
    "WhatsApp-web": "WhatsApp/2.2337.7 W",
    "WhatsApp-ios": "WhatsApp/2.23.18.78 i",
    "Slackbot-LinkExpanding": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Slack-ImgProxy": "Slack-ImgProxy (+https://api.slack.com/robots)",
    "TelegramBot": "TelegramBot (like TwitterBot)",
    "Discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Twitterbot": "Twitterbot/1.0",
    "LinkedInBot": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Pinterestbot": "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
    "Applebot": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "iMessage": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
    "Skype": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "Redditbot": "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
}
CRAWLERS = {
    "Googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Googlebot-smartphone": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.129 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "HeadlessChrome": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36",
    "AhrefsBot": "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "GPTBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    "YandexBot": "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Bytespider": "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "Mastodon": "Mastodon/4.2.1 (http.rb/5.1.1; +https://mastodon.social/) Bot",
    "GoogleOther": "Mozilla/5.0 (compatible; GoogleOther)",
    "Mediapartners-Google": "Mediapartners-Google",
    "Google-Read-Aloud": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 (compatible; Google-Read-Aloud; +https://support.google.com/webmasters/answer/1061943)",
}
LIBRARIES = {
    "curl": "curl/8.5.0",
    "python-requests": "python-requests/2.31.0",
    "Go-http-client-1": "Go-http-client/1.1",
    "Go-http-client-2": "Go-http-client/2.0",
    "wget": "Wget/1.21.4",
    "python-urllib": "Python-urllib/3.11",
    "httpx": "python-httpx/0.27.0",
    "okhttp": "okhttp/4.12.0",
    "axios": "axios/1.6.2",
    "node-fetch": "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "java": "Java/17.0.9",
    "apache-httpclient": "Apache-HttpClient/4.5.14 (Java/17.0.9)",
    "Dalvik": "Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)",
    "bare Mozilla": "Mozilla/5.0",
    "bare Mozilla compatible": "Mozilla/5.0 (compatible)",
    "node": "node",
}
HUMANS = {  # name: (user agent, device type, browser family, os family)
    "iPhone Safari": (IPHONE, "mobile", "Mobile Safari", "iOS"),
    "Android Chrome": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36", "mobile", "Chrome Mobile", "Android"),
    "Windows Chrome": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "pc", "Chrome", "Windows"),
    "Windows Edge": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "pc", "Edge", "Windows"),
    "Linux Firefox": ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "pc", "Firefox", "Ubuntu"),
    "Mac Safari": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "pc", "Safari", "Mac OS X"),
    "Mac Firefox": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0", "pc", "Firefox", "Mac OS X"),
    "Samsung Internet": ("Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "mobile", "Samsung Internet", "Android"),
    "iPad Safari": ("Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "tablet", "Mobile Safari", "iOS"),
    "Instagram iOS": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 311.0.2.22.111 (iPhone15,3; iOS 17_1_2; en_US; en; scale=3.00; 1290x2796; 541635890)", "mobile", "Instagram", "iOS"),
    "Instagram Android": ("Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 Instagram 309.1.0.41.113 Android (33/13; 480dpi; 1080x2176; samsung; SM-G991B; o1s; exynos2100; en_US; 541635863)", "mobile", "Instagram", "Android"),
    "TikTok iOS": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US RevealType/Dialog isDarkMode/0 WKWebView/1 BytedanceWebview/d8a21c6 FalconTag/", "mobile", None, "iOS"),
    "TikTok Android": ("Mozilla/5.0 (Linux; Android 12; SM-A525F Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/117.0.0.0 Mobile Safari/537.36 trill_320403 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/trill app_version/32.4.3 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6", "mobile", None, "Android"),
    "Facebook iOS": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0.32.107;FBBV/540004786;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/541727377]", "mobile", None, "iOS"),
    "Facebook Android": ("Mozilla/5.0 (Linux; Android 13; SM-S918B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/443.0.0.23.229;]", "mobile", None, "Android"),
    "Snapchat iOS": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/12.60.0.44 (like Safari/8617.1.17.10.8, panda)", "mobile", None, "iOS"),
    "Pinterest iOS": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]", "mobile", None, "iOS"),
    "LinkedIn iOS": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.7456", "mobile", None, "iOS"),
    "X iOS": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Twitter for iPhone/10.18", "mobile", None, "iOS"),
    "Opera": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "pc", "Opera", "Windows"),
    "ChromeOS": ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "pc", "Chrome", "Chrome OS"),
    "Android tablet": ("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "tablet", "Chrome", "Android"),
    "Instagram iPad": ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.16.111 (iPad13,1; iPadOS 16_6; en_US; en; scale=2.00; 1640x2360; 517048442)", "tablet", "Instagram", "iOS"),
    "UC Browser": ("Mozilla/5.0 (Linux; U; Android 10; en-US; RMX2020 Build/QP1A.190711.020) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.4.0.1306 Mobile Safari/537.36", "mobile", "UC Browser", "Android"),
    "Huawei Browser": ("Mozilla/5.0 (Linux; Android 10; HarmonyOS; ELS-NX9; HMSCore 6.12.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.2.311 Mobile Safari/537.36", "mobile", "Huawei Browser", "Android"),
    "Snapchat Android": ("Mozilla/5.0 (Linux; Android 13; Pixel 6 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 Snapchat/12.59.0.38 (like Safari/604.1)", "mobile", "Snapchat", "Android"),
    "Cubot phone": ("Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36", "mobile", "Chrome Mobile", "Android"),
    "Cubot KingKong": ("Mozilla/5.0 (Linux; Android 11; CUBOT KINGKONG 5 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.196 Mobile Safari/537.36", "mobile", "Chrome Mobile", "Android"),
    "WhatsApp in-app": ("Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 WhatsApp/2.23.24.76", "mobile", None, "Android"),
}


def click(client, slug, ua, ip="198.51.100.7", **headers):
    if ua is not None:
        headers["User-Agent"] = ua
    r = client.get("/" + slug, headers=headers, environ_base={"REMOTE_ADDR": ip})
    assert r.status_code == 302
    assert r.headers["Location"].startswith("https://shop.example.com/serum?")
    return r


# --- bots and link previews ---------------------------------------------------------------


@pytest.mark.parametrize(
    "ua, reasons",
    [pytest.param(ua, {"preview"}, id=name) for name, ua in PREVIEWS.items()]
    + [pytest.param(ua, {"crawler"}, id=name) for name, ua in CRAWLERS.items()]
    + [pytest.param(ua, {"http_library"}, id=name) for name, ua in LIBRARIES.items()]
    + [pytest.param("", {"empty_ua"}, id="empty"), pytest.param(None, {"empty_ua"}, id="none"),
       pytest.param("   ", {"empty_ua"}, id="blank"), pytest.param("-", {"empty_ua"}, id="dash")],
)
def test_bots_and_previews_are_redirected_and_recorded_as_bots(client, enrolled, clicks, ua,
                                                                reasons):
    if ua is None:  # no User-Agent header at all (the test client always sends one)
        environ = EnvironBuilder(path="/" + enrolled["link"]["slug"]).get_environ()
        assert "HTTP_USER_AGENT" not in environ
        _, status, _ = run_wsgi_app(client.application, environ, buffered=True)
        assert status.startswith("302")
    else:
        click(client, enrolled["link"]["slug"], ua)
    [row] = clicks()
    assert row["is_bot"] is True and row["device"] == "bot"
    assert row["bot_reason"] in reasons


@pytest.mark.parametrize("ua, device, browser, os_family",
                         [pytest.param(*v, id=k) for k, v in HUMANS.items()])
def test_browsers_are_recorded_as_humans_with_their_device(client, enrolled, clicks, ua, device,
                                                           browser, os_family):
    click(client, enrolled["link"]["slug"], ua)
    [row] = clicks()
    assert (row["is_bot"], row["bot_reason"], row["device"]) == (False, None, device)
    assert row["os"] == os_family
    if browser:
        assert row["browser"] == browser


# --- the visitor hash ---------------------------------------------------------------------


def visitors(clicks):
    return [row["visitor"] for row in clicks()]


def test_same_ip_and_ua_on_one_utc_day_is_one_visitor(client, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    with freeze_time("2026-03-01 00:00:01"):
        click(client, slug, IPHONE)
    with freeze_time("2026-03-01 23:59:59"):
        click(client, slug, IPHONE)
    first, second = visitors(clicks)
    assert first == second and len(first) == 32


def test_another_ip_or_ua_is_another_visitor(client, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    click(client, slug, IPHONE, ip="198.51.100.7")
    click(client, slug, IPHONE, ip="198.51.100.8")
    click(client, slug, IPHONE.replace("17_0", "17_1"), ip="198.51.100.7")
    assert len(set(visitors(clicks))) == 3


def test_the_visitor_hash_rotates_at_utc_midnight(client, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    with freeze_time("2026-03-01 23:59:59.9"):
        click(client, slug, IPHONE)
    with freeze_time("2026-03-02 00:00:00"):
        click(client, slug, IPHONE)
    rows = clicks()
    assert [str(r["day"]) for r in rows] == ["2026-03-01", "2026-03-02"]
    assert rows[0]["visitor"] != rows[1]["visitor"]


def test_instances_with_the_same_secret_agree(make_app, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    one, two = make_app(SECRET_KEY="shared-" + "x" * 40), make_app(SECRET_KEY="shared-" + "x" * 40)
    other = make_app(SECRET_KEY="another-" + "y" * 40)
    with freeze_time("2026-03-01 12:00:00"):
        for instance in (one, two, other):
            click(instance.test_client(), slug, IPHONE)
    a, b, c = visitors(clicks)
    assert a == b and c != a


# --- the raw IP is never kept -------------------------------------------------------------


def test_forwarded_for_is_used_only_behind_the_configured_proxies(make_app, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    direct = make_app(PROXY_COUNT=0).test_client()
    proxied = make_app(PROXY_COUNT=1).test_client()
    click(direct, slug, IPHONE, ip="203.0.113.50")
    # behind one proxy: the proxy's address is the peer, the follower's is the last hop
    click(proxied, slug, IPHONE, ip="10.0.0.2", **{"X-Forwarded-For": "203.0.113.50"})
    # a follower's own X-Forwarded-For is a spoof: only the hop our proxy added counts
    click(proxied, slug, IPHONE, ip="10.0.0.2", **{"X-Forwarded-For": "1.2.3.4, 203.0.113.50"})
    # without proxies configured, X-Forwarded-For is ignored
    click(direct, slug, IPHONE, ip="203.0.113.50", **{"X-Forwarded-For": "1.2.3.4"})
    assert len(set(visitors(clicks))) == 1


def test_proxy_count_comes_from_the_environment(make_app, enrolled, clicks, monkeypatch):
    slug = enrolled["link"]["slug"]
    click(make_app().test_client(), slug, IPHONE, ip="203.0.113.50")
    monkeypatch.setenv("TRACKER_PROXY_COUNT", "2")
    proxied = make_app().test_client()
    click(proxied, slug, IPHONE, ip="10.0.0.3", **{"X-Forwarded-For": "203.0.113.50, 10.0.0.2"})
    first, second = visitors(clicks)
    assert first == second


def test_the_raw_ip_is_in_neither_the_database_nor_the_logs(app, make_app, tmp_path, enrolled,
                                                            clicks, caplog):
    caplog.set_level(logging.DEBUG)
    slug = enrolled["link"]["slug"]
    ip = "198.51.100.173"
    click(app.test_client(), slug, IPHONE, ip=ip, Referer="https://www.instagram.com/")
    click(app.test_client(), slug, "", ip=ip)
    behind = make_app(PROXY_COUNT=1).test_client()
    click(behind, slug, IPHONE, ip="10.0.0.2", **{"X-Forwarded-For": ip})
    click(app.test_client(), slug, IPHONE, ip="2001:db8::dead:beef")
    assert len(clicks()) == 4
    for instance in (app, behind.application):
        instance.extensions["tracker.redirector"].writer.close()  # written, connection closed
    needles = (ip, "2001:db8::dead:beef")
    with app.extensions["tracker.engine"].connect() as conn:  # every value of every table
        stored = [str(v) for t in SQLModel.metadata.sorted_tables for r in conn.execute(t.select())
                  for v in r]
    assert not [v for v in stored if any(n in v for n in needles)]
    if app.config["DATABASE_URL"].startswith("sqlite"):
        files = [p for p in tmp_path.iterdir() if p.is_file()]
        assert any(p.name == "test.db" for p in files)
        for path in files:  # the database, its WAL and shared memory, the write lock
            data = path.read_bytes()
            for needle in needles:
                assert needle.encode() not in data, path
                assert needle.encode("utf-16-le") not in data, path
    assert ip not in caplog.text and "dead:beef" not in caplog.text


# --- cropping -----------------------------------------------------------------------------


def test_long_user_agents_are_cropped_before_use(client, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    long_ua = IPHONE + " " + "x" * 10_000
    click(client, slug, long_ua)
    click(client, slug, long_ua + "y" * 100)  # differs only past the crop: the same visitor
    first, second = clicks()
    assert first["visitor"] == second["visitor"]
    assert first["device"] == "mobile" and first["is_bot"] is False


def test_long_referrers_and_urls_are_cropped(client, enrolled, clicks):
    slug = enrolled["link"]["slug"]
    host = ".".join(["a" * 63] * 6) + ".com"  # longer than a host may be
    click(client, slug, IPHONE, Referer=f"https://{host}/" + "p" * 10_000)
    click(client, slug + "?" + "q=1&" * 5000, IPHONE)  # the query is never passed on
    first, second = clicks()
    assert first["referrer_host"] is None or len(first["referrer_host"]) <= 255
    assert second["referrer_host"] is None
