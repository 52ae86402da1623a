"""Follower tiers at every band boundary: the creator resource (Python) and the tiers report (SQL).

Default bands (README): nano from 0, micro from 10,000, mid from 50,000, macro from 500,000,
mega from 1,000,000 followers. Each count below sits on one side of a boundary.
"""

import pytest

EXPECTED = {  # followers -> tier, read off the README's bands by hand
    0: "nano", 9_999: "nano", 10_000: "micro", 49_999: "micro", 50_000: "mid",
    499_999: "mid", 500_000: "macro", 999_999: "macro", 1_000_000: "mega",
}


@pytest.fixture
def boundary_creators(api):
    api.campaign()
    for followers in EXPECTED:
        api.creator(f"c{followers}", followers=followers)
        api.enrol("glow-serum-launch", f"c{followers}")


def test_creator_resource_names_the_tier_at_each_boundary(api, boundary_creators):
    for followers, tier in EXPECTED.items():
        assert api.get(f"/api/v1/creators/c{followers}").json["tier"] == tier, followers


def test_tier_filter_lists_the_creators_on_each_side(api, boundary_creators):
    listed = api.get("/api/v1/creators", query_string={"tier": "micro"}).json
    handles = {c["handle"] for c in listed["creators"]}
    assert handles == {"c10000", "c49999"}


def test_tiers_report_groups_each_boundary_like_the_creator_resource(api, boundary_creators):
    rows = api.get("/api/v1/reports/tiers").json["rows"]
    got = {row["tier"]: (row["creators"], row["followers"]) for row in rows}
    assert got == {
        "nano": (2, 9_999), "micro": (2, 59_999), "mid": (2, 549_999),
        "macro": (2, 1_499_999), "mega": (1, 1_000_000),
    }


def test_creators_report_tier_column_matches_at_the_boundary(api, boundary_creators):
    rows = api.get("/api/v1/reports/creators").json["rows"]
    assert {row["creator"]: row["tier"] for row in rows} == {
        f"c{followers}": tier for followers, tier in EXPECTED.items()
    }
