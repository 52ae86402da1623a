"""Turn a redirect request into a click row: bot flag with its reason, device, visitor hash."""

import base64
import enum
import hashlib
import hmac
import os
import time
from functools import lru_cache
from urllib.parse import urlsplit

import ua_parser
from user_agents.parsers import (
    UserAgent,
    parse_browser,
    parse_device,
    parse_operating_system,
)

from tracker.clock import utcnow

MAX_UA = 512
MAX_REFERRER = 2048


class BotReason(enum.StrEnum):
    """Why a click is not counted as a human's."""

    EMPTY_UA = "empty_ua"
    PREVIEW = "preview"  # a link-preview fetcher of a chat or social app
    HTTP_LIBRARY = "http_library"
    CRAWLER = "crawler"  # known to ua-parser as a spider, or says bot/crawl/spider


# What ua-parser and user-agents do not know: link-preview fetchers and HTTP libraries.
# Plain substrings of the lower-cased UA: a long regex alternation costs ~20 us per UA.
PREVIEW_MARKERS = (
    "facebookexternalhit", "facebookcatalog", "facebot", "meta-externalagent",
    "meta-externalfetcher", "slackbot", "slack-imgproxy", "telegrambot", "discordbot",
    "twitterbot", "linkedinbot", "pinterestbot", "applebot", "skypeuripreview", "redditbot",
    "embedly", "iframely", "vkshare", "snap url preview", "bitlybot", "google-pagerenderer",
    "quora link preview", "cardyb", "microsoftpreview", "yahoo! slurp",
)
PREVIEW_PREFIXES = ("whatsapp",)  # WhatsApp's in-app browser is a normal browser UA
LIBRARY_PREFIXES = (
    "curl", "wget", "python-requests", "python-urllib", "python-httpx", "aiohttp",
    "go-http-client", "okhttp", "axios", "node-fetch", "undici", "java/", "apache-httpclient",
    "libwww-perl", "lwp-", "php", "guzzlehttp", "ruby", "faraday", "httpie", "postmanruntime",
    "insomnia", "powershell", "dart:io", "rest-client", "scrapy", "http.rb", "got ",
    "reqwest", "winhttp", "jakarta", "dalvik/", "node",
)
# Scripts that dress up as a browser without saying which: no browser sends only this.
BARE_AGENTS = frozenset({"mozilla", "mozilla/4.0", "mozilla/5.0", "mozilla/5.0 (compatible)"})
CRAWLER_MARKERS = (
    "bot/", "bot;", "bot)", "bot ", "crawl", "spider", "slurp", "headlesschrome", "phantomjs",
    "lighthouse", "pingdom", "uptime", "preview", "scanner", "validator", "feedfetcher",
    "archiver", "googleother", "google-read-aloud", "mediapartners-google",
)


def bot_reason(ua, known_spider):
    """Why a user agent is not a human's browser, or None."""
    low = ua.lower()
    if any(m in low for m in PREVIEW_MARKERS) or low.startswith(PREVIEW_PREFIXES):
        return BotReason.PREVIEW
    if low.startswith(LIBRARY_PREFIXES) or low.strip() in BARE_AGENTS:
        return BotReason.HTTP_LIBRARY
    low = low.replace("cubot", "")  # a phone brand ("CUBOT X30"), not a robot
    if known_spider or low.endswith("bot") or any(m in low for m in CRAWLER_MARKERS):
        return BotReason.CRAWLER
    return None


@lru_cache(maxsize=20_000)
def classify(ua):
    """(bot reason or None, device, browser, os) for a user-agent string; cached per string."""
    if not ua.strip(" \t-"):  # a blank or "-" header is no more a browser than a missing one
        return BotReason.EMPTY_UA, "bot", "Other", "Other"
    parsed = ua_parser.parse(ua)
    agent = UserAgent.__new__(UserAgent)  # user-agents' API, fed by the fast ua-parser resolver
    agent.ua_string = ua
    part = parsed.user_agent
    agent.browser = parse_browser(*(part and (part.family, part.major, part.minor) or ("Other",)))
    part = parsed.os
    agent.os = parse_operating_system(
        *(part and (part.family, part.major, part.minor) or ("Other",))
    )
    part = parsed.device
    agent.device = parse_device(*(part and (part.family, part.brand, part.model) or ("Other",) * 3))
    reason = bot_reason(ua, agent.is_bot)
    if reason:
        device = "bot"
    elif agent.is_tablet:
        device = "tablet"
    elif agent.is_mobile:
        device = "mobile"
    elif agent.is_pc:
        device = "pc"
    else:
        device = "other"
    return reason, device, agent.browser.family[:50], agent.os.family[:50]


@lru_cache(maxsize=4)
def daily_salt(secret, day):
    """The visitor-hash salt of one UTC day: derived, so every instance agrees on it."""
    return hmac.new(secret.encode(), f"visitor-salt:{day}".encode(), hashlib.sha256).digest()


def visitor_hash(secret, day, ip, ua):
    """HMAC of IP and user agent under the day's salt; the IP itself is never kept."""
    msg = f"{ip}\n{ua}".encode()
    return hmac.new(daily_salt(secret, day), msg, hashlib.sha256).hexdigest()[:32]


def new_click_id():
    """48 bits of milliseconds then 96 random bits: unique across instances, unguessable."""
    raw = int(time.time() * 1000).to_bytes(6, "big") + os.urandom(12)
    return base64.urlsafe_b64encode(raw).decode()


@lru_cache(maxsize=2048)
def referrer_host(referrer):
    """The host of a Referer header, lower case, or None."""
    if not referrer:
        return None
    try:
        host = urlsplit(referrer[:MAX_REFERRER]).hostname
    except ValueError:
        return None
    return host[:255] if host else None


def click_row(*, link, ip, ua, referrer, secret, now=None):
    """The row to store for one GET of a short link."""
    now = now or utcnow()
    ua = (ua or "")[:MAX_UA]
    reason, device, browser, os_family = classify(ua)
    day = now.date()
    return {
        "click_id": new_click_id(),
        "link_id": link[0],
        "campaign_id": link[1],
        "creator_id": link[2],
        "created_at": now,
        "day": day,
        "visitor": visitor_hash(secret, day.isoformat(), ip, ua),
        "is_bot": reason is not None,
        "bot_reason": reason and reason.value,
        "device": device,
        "browser": browser,
        "os": os_family,
        "referrer_host": referrer_host(referrer),
    }
