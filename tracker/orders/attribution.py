"""PURE: decide which creator an order is credited to, or name why none is.

No Flask, no session, no clock. tracker.orders.credit gathers the candidates with indexed queries
(codes on the order, the click behind its click id, enrolments matching its UTM values) and
passes them in; this module only applies the contract's rules, first match wins:
code > click id inside the campaign's window > UTM inside the campaign's dates > none.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class Method(StrEnum):
    CODE = "code"
    CLICK = "click"
    UTM = "utm"
    NONE = "none"


class Reason(StrEnum):
    """Why an order is unattributed: the first rule (in contract order) that had a clue."""

    NO_SIGNAL = "no_signal"  # no code, click id or UTM values on the order
    UNKNOWN_CODE = "unknown_code"  # codes that belong to no enrolled creator
    UNKNOWN_CLICK = "unknown_click"  # a click id we never issued
    CLICK_AFTER_ORDER = "click_after_order"  # the click happened after the order was placed
    CLICK_OUTSIDE_WINDOW = "click_outside_window"  # older than the campaign's window
    UNKNOWN_UTM = "unknown_utm"  # utm_campaign/utm_content match no enrolled creator
    OUTSIDE_CAMPAIGN_DATES = "outside_campaign_dates"  # UTM match, but not between its dates


@dataclass(frozen=True)
class Target:
    """An enrolment an order can be credited to, with what the order needs from it."""

    enrolment_id: int
    campaign_id: int
    creator_id: int
    creator: str  # handle
    campaign: str  # slug
    campaign_currency: str
    commission_bp: int = 0


@dataclass(frozen=True)
class CodeMatch:
    code: str  # as stored (upper case)
    target: Target


@dataclass(frozen=True)
class ClickMatch:
    click_id: str
    clicked_at: datetime  # aware UTC
    window_days: int
    target: Target


@dataclass(frozen=True)
class UtmMatch:
    target: Target
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True)
class Attribution:
    method: Method
    reason: Reason | None = None
    target: Target | None = None
    code: str | None = None
    click_id: str | None = None

    @property
    def creator(self):
        return self.target.creator if self.target else None

    @property
    def campaign(self):
        return self.target.campaign if self.target else None


@dataclass(frozen=True)
class Clues:
    """What the order carried, whether or not it matched anything."""

    codes: tuple[str, ...] = ()  # codes and Stripe promotion ids as sent
    click_id: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None


def attribute(clues, *, placed_at, codes=(), click=None, utms=()):
    """Apply the rules to one order; `codes` are in the order's own order of codes."""
    if codes:
        first = codes[0]
        return Attribution(Method.CODE, target=first.target, code=first.code)
    reasons = []
    if clues.codes:
        reasons.append(Reason.UNKNOWN_CODE)
    if click is not None:
        reason = click_reason(click, placed_at)
        if reason is None:
            return Attribution(Method.CLICK, target=click.target, click_id=click.click_id)
        reasons.append(reason)
    elif clues.click_id:
        reasons.append(Reason.UNKNOWN_CLICK)
    for utm in utms:
        if in_dates(placed_at.date(), utm.starts_on, utm.ends_on):
            return Attribution(Method.UTM, target=utm.target)
    if utms:
        reasons.append(Reason.OUTSIDE_CAMPAIGN_DATES)
    elif clues.utm_campaign or clues.utm_content:
        reasons.append(Reason.UNKNOWN_UTM)
    return Attribution(Method.NONE, reason=reasons[0] if reasons else Reason.NO_SIGNAL)


def click_reason(click, placed_at):
    """None when the click may be credited with an order placed at `placed_at`."""
    if click.clicked_at > placed_at:
        return Reason.CLICK_AFTER_ORDER
    # "no more than the window before it": a click exactly window_days old still counts
    if placed_at - click.clicked_at > timedelta(days=click.window_days):
        return Reason.CLICK_OUTSIDE_WINDOW
    return None


def in_dates(day, starts_on, ends_on):
    """Whether a UTC day lies inside a campaign's optional, inclusive dates."""
    return (starts_on is None or day >= starts_on) and (ends_on is None or day <= ends_on)
