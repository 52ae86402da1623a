"""The attribution rules as a table: first match wins, and a named reason when none does."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.orders.attribution import (
    Attribution,
    ClickMatch,
    Clues,
    CodeMatch,
    Method,
    Reason,
    Target,
    UtmMatch,
    attribute,
    in_dates,
)

PLACED = datetime(2026, 6, 15, 12, 0, 0, tzinfo=UTC)
MAYA = Target(1, 10, 100, "maya", "glow", "USD", 1000)
LEO = Target(2, 10, 200, "leo", "glow", "USD", 0)
ZOE = Target(3, 11, 300, "zoe", "spring", "EUR", 500)


def click(target=LEO, *, ago=timedelta(days=1), window=30):
    return ClickMatch("tc1", PLACED - ago, window, target)


def utm(target=ZOE, starts=None, ends=None):
    return UtmMatch(target, starts, ends)


CASES = [
    # (name, clues, codes, click, utms) -> (method, reason, creator)
    ("code wins over click and utm", Clues(codes=("maya15",), click_id="tc1", utm_campaign="s",
     utm_content="zoe"), [CodeMatch("MAYA15", MAYA)], click(), [utm()], ("code", None, "maya")),
    ("first matching code in order", Clues(codes=("A", "B")),
     [CodeMatch("A", LEO), CodeMatch("B", MAYA)], None, [], ("code", None, "leo")),
    ("click when no code matches", Clues(codes=("SALE",), click_id="tc1"), [], click(), [utm()],
     ("click", None, "leo")),
    ("click beats utm", Clues(click_id="tc1", utm_campaign="s", utm_content="zoe"), [], click(),
     [utm()], ("click", None, "leo")),
    ("utm when the click is too old", Clues(click_id="tc1", utm_campaign="s", utm_content="zoe"),
     [], click(ago=timedelta(days=31)), [utm()], ("utm", None, "zoe")),
    ("utm inside dates", Clues(utm_campaign="s", utm_content="zoe"), [], None,
     [utm(starts=date(2026, 6, 1), ends=date(2026, 6, 15))], ("utm", None, "zoe")),
    ("utm picks the enrolment whose dates hold", Clues(utm_campaign="s", utm_content="zoe"), [],
     None, [utm(ZOE, ends=date(2026, 5, 31)), utm(MAYA, starts=date(2026, 6, 15))],
     ("utm", None, "maya")),
    ("nothing at all", Clues(), [], None, [], ("none", "no_signal", None)),
    ("unknown code only", Clues(codes=("SUMMER",)), [], None, [], ("none", "unknown_code", None)),
    ("unknown click id", Clues(click_id="nope"), [], None, [], ("none", "unknown_click", None)),
    ("click after the order", Clues(click_id="tc1"), [], click(ago=-timedelta(seconds=1)), [],
     ("none", "click_after_order", None)),
    ("click outside the window", Clues(click_id="tc1"), [], click(ago=timedelta(days=8), window=7),
     [], ("none", "click_outside_window", None)),
    ("utm unknown", Clues(utm_campaign="x", utm_content="y"), [], None, [],
     ("none", "unknown_utm", None)),
    ("utm before the campaign", Clues(utm_campaign="s", utm_content="zoe"), [], None,
     [utm(starts=date(2026, 6, 16))], ("none", "outside_campaign_dates", None)),
    ("utm after the campaign", Clues(utm_campaign="s", utm_content="zoe"), [], None,
     [utm(ends=date(2026, 6, 14))], ("none", "outside_campaign_dates", None)),
    ("the first rule with a clue names the reason", Clues(codes=("X",), click_id="old"), [],
     click(ago=timedelta(days=90)), [], ("none", "unknown_code", None)),
]


@pytest.mark.parametrize(("clues", "codes", "click", "utms", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules(clues, codes, click, utms, expected):
    got = attribute(clues, placed_at=PLACED, codes=codes, click=click, utms=utms)
    reason = got.reason.value if got.reason else None
    assert (got.method.value, reason, got.creator) == expected
    assert (got.target is None) == (got.method is Method.NONE)


@pytest.mark.parametrize(
    ("ago", "method"),
    [
        (timedelta(days=30) - timedelta(seconds=1), Method.CLICK),  # one second inside
        (timedelta(days=30), Method.CLICK),  # exactly the window: "no more than" it
        (timedelta(days=30, seconds=1), Method.NONE),  # one second outside
        (timedelta(0), Method.CLICK),  # clicked the same second the order was placed
        (-timedelta(seconds=1), Method.NONE),  # one second after the order
    ],
)
def test_click_window_edges(ago, method):
    got = attribute(Clues(click_id="tc1"), placed_at=PLACED, click=click(ago=ago, window=30))
    assert got.method is method


def test_click_result_carries_click_and_campaign():
    got = attribute(Clues(click_id="tc1"), placed_at=PLACED, click=click(MAYA))
    assert got == Attribution(Method.CLICK, target=MAYA, click_id="tc1")
    assert got.campaign == "glow"


def test_code_result_names_the_code():
    got = attribute(Clues(codes=("maya15",)), placed_at=PLACED, codes=[CodeMatch("MAYA15", MAYA)])
    assert (got.code, got.reason) == ("MAYA15", None)


@pytest.mark.parametrize(
    ("day", "starts", "ends", "inside"),
    [
        (date(2026, 6, 1), date(2026, 6, 1), date(2026, 6, 30), True),
        (date(2026, 6, 30), date(2026, 6, 1), date(2026, 6, 30), True),
        (date(2026, 5, 31), date(2026, 6, 1), None, False),
        (date(2026, 7, 1), None, date(2026, 6, 30), False),
        (date(1999, 1, 1), None, None, True),
    ],
)
def test_campaign_dates_are_inclusive(day, starts, ends, inside):
    assert in_dates(day, starts, ends) is inside


def test_reason_values_are_stable():
    # stored in orders.reason and shown in replies: renaming one is a contract change
    assert {r.value for r in Reason} == {
        "no_signal", "unknown_code", "unknown_click", "click_after_order",
        "click_outside_window", "unknown_utm", "outside_campaign_dates",
    }
