"""Follower tiers: one band table, read by Python (a creator's tier) and by SQL (report groups).

Bands are (min_followers, name) pairs in ascending order, the first starting at 0 (config's
TRACKER_TIERS). A creator is in the last band whose minimum their follower count reaches.
"""

from sqlalchemy import case, literal_column


def tier_index(followers, bands):
    """Index of the band a follower count falls in."""
    index = 0
    for i, (low, _name) in enumerate(bands):
        if followers >= low:
            index = i
    return index


def tier_of(followers, bands):
    """Name of the follower tier band a follower count falls in."""
    return bands[tier_index(followers, bands)][1]


def tier_index_sql(followers, bands):
    """The same rule as tier_index, as a SQL expression over a followers column."""
    return case(
        *[(followers >= literal_column(str(int(low))), literal_column(str(i)))
          for i, (low, _name) in reversed(list(enumerate(bands)))],
        else_=literal_column("0"),
    )


def tier_range(tier, bands):
    """(min, max-exclusive or None) followers for a tier name, or None if unknown."""
    for i, (low, name) in enumerate(bands):
        if name == tier:
            return low, bands[i + 1][0] if i + 1 < len(bands) else None
    return None
