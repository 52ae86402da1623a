"""A realistic demo brand: Lumi Skin launches a glow serum with 25 creators over 60 days.

Everything goes through the service's own domain functions: tracker.catalog for creators,
campaigns and enrolments, tracker.clicks.classify.click_row for every click (stored with one
bulk insert per batch, as the redirect's writer does) and
tracker.orders.recording.record_event for every order, refund and cancellation. A fixed seed
makes the numbers reproducible for a given end date; `scale` shrinks the traffic (the tests
use a small demo).
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import select

from tracker.catalog import schemas
from tracker.catalog.campaigns import create_campaign
from tracker.catalog.creators import create_creator
from tracker.catalog.enrolments import enrol
from tracker.clicks.classify import click_row
from tracker.models import Campaign, Click, Creator
from tracker.orders import recording as orders
from tracker.stores.events import Kind, OrderEvent, Refund

SEED = 20260301
DAYS = 60
STORE = "lumi-skin.myshopify.com"
SHOP = "https://lumi-skin.example.com/products"
CAMPAIGNS = (  # name, slug, product page, first day (offset), creators enrolled (by index)
    ("Glow Serum Launch", "glow-serum-launch", f"{SHOP}/glow-serum", 0, range(25)),
    ("Night Cream Teaser", "night-cream-teaser", f"{SHOP}/night-cream", 30, range(0, 25, 3)),
)
# handle, platform, followers, niche, fee (USD): a post under 10k followers rarely costs > 500
CREATORS = (
    ("maya.glow", "instagram", 8_200, "skincare", 250),
    ("dewy.dani", "tiktok", 4_900, "skincare", 120),
    ("skinwithsam", "instagram", 6_700, "skincare", 180),
    ("the.acid.edit", "blog", 2_300, "ingredients", 80),
    ("noor.routine", "pinterest", 9_400, "routines", 150),
    ("glowbyjo", "snapchat", 3_100, "beauty", 90),
    ("barefaced.ben", "twitter", 7_800, "mens-care", 200),
    ("kelsey.spf", "facebook", 5_600, "suncare", 140),
    ("dermdiaries", "youtube", 18_500, "dermatology", 600),
    ("cleanbeautyliv", "instagram", 27_000, "clean-beauty", 900),
    ("acnejourney.tom", "tiktok", 41_000, "acne", 1_100),
    ("slugging.sofia", "tiktok", 33_500, "skincare", 950),
    ("minimalist.mia", "pinterest", 12_800, "minimalism", 450),
    ("retinol.rae", "instagram", 22_400, "anti-aging", 800),
    ("glowgetter.gus", "twitch", 15_200, "gaming-beauty", 500),
    ("the.skin.nerd", "blog", 11_000, "ingredients", 400),
    ("hydrationhannah", "youtube", 86_000, "skincare", 2_400),
    ("kbeauty.kim", "instagram", 140_000, "k-beauty", 3_800),
    ("dr.glow.lee", "tiktok", 260_000, "dermatology", 5_500),
    ("vanity.vic", "youtube", 410_000, "beauty", 7_000),
    ("everyday.esme", "other", 64_000, "lifestyle", 1_900),
    ("luxe.lola", "instagram", 720_000, "luxury", 12_000),
    ("beautybyblake", "tiktok", 880_000, "beauty", 14_000),
    ("ari.glam", "youtube", 2_300_000, "beauty", 38_000),
    ("the.zoe.show", "instagram", 1_600_000, "lifestyle", 26_000),
)
# clicks per follower on a post's first day, and the share of human visits that order: smaller
# creators have closer audiences, so both fall with reach (what the tiers report should show)
REACH = ((1_000_000, 0.0007, 0.008), (500_000, 0.0011, 0.011), (50_000, 0.0028, 0.017),
         (10_000, 0.006, 0.026), (0, 0.012, 0.038))
WEEKDAY = (0.9, 1.0, 1.0, 1.05, 0.95, 1.2, 1.3)  # Monday first: weekends scroll more
DECAY = (1.0, 0.45, 0.2, 0.1)  # a post's clicks on the day and after; then a bio-link trickle
HUMAN_UAS = (  # as Instagram, TikTok and the usual browsers send them
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 332.0.2.29.94",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.113 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36 musical_ly_2023405020",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
)
BOT_UAS = (
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot (like TwitterBot)", "curl/8.5.0", "python-requests/2.31.0",
)
BASKETS = (Decimal("38.00"), Decimal("38.00"), Decimal("64.00"), Decimal("24.00"))


class DemoLoaded(Exception):
    """The demo (or one of its creators) is in the database already; nothing was added."""


@dataclass
class Summary:
    campaigns: list = field(default_factory=list)
    creators: int = 0
    clicks: int = 0
    bots: int = 0
    orders: int = 0
    refunds: int = 0
    cancelled: int = 0


def load(session, *, secret, end, seed=SEED, scale=1.0, progress=lambda message: None):
    """Load the demo: campaigns, creators, enrolments, ~60 days of clicks and orders."""
    slugs = [c[1] for c in CAMPAIGNS]
    if session.exec(select(Campaign.slug).where(Campaign.slug.in_(slugs))).first():
        raise DemoLoaded(f"the demo is already loaded (campaign '{slugs[0]}' exists)")
    handles = [c[0] for c in CREATORS]
    if taken := session.exec(select(Creator.handle).where(Creator.handle.in_(handles))).first():
        raise DemoLoaded(f"creator '{taken}' exists already, and the demo would create it")
    rng, summary = random.Random(seed), Summary()
    start = end - timedelta(days=DAYS - 1)
    enrolments = _set_up(session, start, summary, progress)
    plans = _clicks(session, rng, enrolments, secret=secret, start=start, end=end,
                    scale=scale, summary=summary, progress=progress)
    _orders(session, rng, plans, enrolments, end=end, summary=summary, progress=progress)
    return summary


def _set_up(session, start, summary, progress):
    people = []
    for handle, platform, followers, niche, _fee in CREATORS:
        people.append(create_creator(session, data=schemas.CreatorIn(
            handle=handle, name=handle.replace(".", " ").title(), platform=platform,
            followers=followers, niche=niche)))
    summary.creators = len(people)
    progress(f"creators: {len(people)} across every tier and platform")
    enrolments = []
    for name, slug, url, first, members in CAMPAIGNS:
        campaign = create_campaign(session, data=schemas.CampaignIn(
            name=name, slug=slug, destination_url=url, starts_on=start + timedelta(days=first),
            attribution_window_days=30))
        summary.campaigns.append(slug)
        for i in members:
            _handle, _platform, followers, _niche, fee = CREATORS[i]
            commission = "0.10" if followers < 50_000 else "0.05" if followers < 500_000 else "0"
            enrolment, link, code = enrol(session, campaign=campaign, data=schemas.EnrolIn(
                creator=people[i].handle, fee=Decimal(fee) * (1 if first == 0 else Decimal("0.6")),
                product_cost=Decimal("35.00"), commission_rate=Decimal(commission),
                discount=schemas.Discount(type="percent", value=Decimal(15))))
            enrolments.append((campaign, people[i], link, code.code, first))
        progress(f"campaign {slug}: {len(members)} creators enrolled (link + code each)")
    return enrolments


def _reach(followers):
    return next((ctr, conv) for low, ctr, conv in REACH if followers >= low)


def _daily_clicks(rng, followers, first, scale):
    """Expected clicks per day: two posts (one for a late campaign) decaying, weekday-shaped."""
    ctr = _reach(followers)[0]
    posts = sorted(rng.sample(range(first, DAYS - 3), 1 if first else 2))
    expected = [0.0] * DAYS
    for post in posts:
        for age in range(DAYS - post):
            share = DECAY[age] if age < len(DECAY) else 0.02
            expected[post + age] += followers * ctr * share * scale
    return expected


def _clicks(session, rng, enrolments, *, secret, start, end, scale, summary, progress):
    """Click rows day by day; returns the human clicks that will turn into orders."""
    plans = []
    for n, (campaign, creator, link, _code, first) in enumerate(enrolments, 1):
        ids = (link.id, link.campaign_id, link.creator_id)
        _ctr, conversion = _reach(creator.followers)
        rows = []
        for offset, expected in enumerate(_daily_clicks(rng, creator.followers, first, scale)):
            day = start + timedelta(days=offset)
            mean = expected * WEEKDAY[day.weekday()]
            count = int(mean) + (rng.random() < mean - int(mean))
            seen = []
            for _ in range(count):
                at = datetime.combine(day, time(), UTC) + timedelta(
                    seconds=rng.randrange(86400))
                if rng.random() < 0.07:  # link previews and scripts
                    who = (f"66.220.{rng.randrange(256)}.{rng.randrange(256)}", rng.choice(BOT_UAS))
                elif seen and rng.random() < 0.2:  # the same follower again that day
                    who = rng.choice(seen)
                else:
                    who = (f"{rng.randrange(11, 220)}.{rng.randrange(256)}.{rng.randrange(256)}"
                           f".{rng.randrange(1, 255)}", rng.choice(HUMAN_UAS))
                    seen.append(who)
                row = click_row(link=ids, ip=who[0], ua=who[1], referrer=None, secret=secret,
                                now=at)
                rows.append(row)
                if not row["is_bot"] and rng.random() < conversion:
                    plans.append((row, link, campaign, creator))
        if rows:
            session.execute(insert(Click), rows)
            session.commit()
        summary.clicks += len(rows)
        summary.bots += sum(r["is_bot"] for r in rows)
        progress(f"clicks: {n}/{len(enrolments)} enrolments, {summary.clicks} so far")
    return plans


def _order_event(rng, number, *, placed, **clues):
    amount = rng.choice(BASKETS)
    if clues.get("codes"):
        amount = (amount * Decimal("0.85")).quantize(Decimal("0.01"))  # the code's 15 % off
    return OrderEvent(
        platform="shopify", store=STORE, event_id=f"demo-{number}", topic="orders/paid",
        kind=Kind.ORDER, order_id=f"{5_100_000 + number}", placed_at=placed, updated_at=placed,
        currency="USD", amount=amount, status="paid", **clues,
    )


def _orders(session, rng, plans, enrolments, *, end, summary, progress):
    """Orders from converting clicks, code-only and organic orders; then refunds, a cancel."""
    last = datetime.combine(end, time(23, 59), UTC)
    events = []
    for row, link, _campaign, _creator in plans:
        placed = min(row["created_at"] + timedelta(minutes=rng.randrange(3, 2880)), last)
        landing = f"{link.target_url}&tclid={row['click_id']}"
        way = rng.random()
        if way < 0.55:  # came back through the link: the shop kept the click id
            events.append(dict(placed=placed, landing_url=landing, click_id=row["click_id"]))
        elif way < 0.9:  # typed the creator's code at checkout
            code = _code_of(enrolments, link)
            events.append(dict(placed=placed, landing_url=landing, codes=(code,)))
        else:  # the click id was lost on the way; the UTM parameters survived
            events.append(dict(placed=placed, landing_url=link.target_url))
    for _campaign, _creator, _link, code, first in enrolments:  # saw the code, never clicked
        for _ in range(rng.randrange(0, 4)):
            day = rng.randrange(first, DAYS)
            placed = min(last - timedelta(days=DAYS - 1 - day, seconds=rng.randrange(86400)), last)
            events.append(dict(placed=placed, codes=(code.lower(),)))
    for day in range(DAYS):  # the shop's own sales: nobody to credit
        for _ in range(rng.randrange(2, 6)):
            events.append(dict(placed=last - timedelta(days=day, seconds=rng.randrange(86400))))
    events.sort(key=lambda e: e["placed"])
    recorded = []
    for number, clues in enumerate(events, 1):
        event = _order_event(rng, number, **clues)
        recorded.append(orders.record_event(session, event, now=event.placed_at).order)
        if number % 200 == 0 or number == len(events):
            progress(f"orders: {number}/{len(events)}")
    summary.orders = len(recorded)
    _refunds_and_cancel(session, rng, recorded, last, summary)
    progress(f"refunds: {summary.refunds}, cancelled: {summary.cancelled}")


def _code_of(enrolments, link):
    """The discount code issued with a link's enrolment."""
    return next(code for _c, _p, lnk, code, _f in enrolments if lnk.id == link.id)


def _refunds_and_cancel(session, rng, recorded, last, summary):
    attributed = [o for o in recorded if o.creator_id is not None]
    for order in rng.sample(attributed, max(1, len(attributed) // 25)):
        amount = Decimal(order.amount_minor).scaleb(-2)
        part = amount if rng.random() < 0.6 else (amount / 2).quantize(Decimal("0.01"))
        when = min(order.placed_at + timedelta(days=rng.randrange(2, 10)), last)
        orders.record_event(session, OrderEvent(
            platform="shopify", store=STORE, event_id=f"demo-refund-{order.id}",
            topic="refunds/create", kind=Kind.REFUND, order_id=order.external_id,
            updated_at=when, currency=order.currency,
            refunds=(Refund(refund_id=f"r{order.id}", amount=part),)), now=when)
        summary.refunds += 1
    order = rng.choice(attributed)  # the customer changed their mind before shipping
    when = order.placed_at + timedelta(hours=3)
    orders.record_event(session, OrderEvent(
        platform="shopify", store=STORE, event_id=f"demo-cancel-{order.id}",
        topic="orders/cancelled", kind=Kind.CANCEL, order_id=order.external_id,
        placed_at=order.placed_at,
        updated_at=when, currency=order.currency, amount=Decimal(order.amount_minor).scaleb(-2),
        status="cancelled", codes=(order.code,) if order.code else (), click_id=order.click_id,
        landing_url=order.landing_url), now=when)
    summary.cancelled = 1
