"""Template filters for the dashboard: numbers, money and ratios as people read them."""

from decimal import Decimal

from tracker import money


def money_filter(value):
    """A report's decimal string with thousands separators ("1,234.50"); a dash for null."""
    return "—" if value is None else f"{Decimal(value):,}"


def pct_filter(value, places=1):
    """A ratio as a percentage ("0.0312" -> "3.1%"); a dash for null."""
    return "—" if value is None else f"{Decimal(value) * 100:,.{places}f}%"


def times_filter(value):
    """A multiple such as ROAS ("2.3500" -> "2.35×"); a dash for null."""
    return "—" if value is None else f"{Decimal(value):,.2f}×"


def minor_filter(value, currency):
    """Integer minor units as a decimal with thousands separators ("1,234.50")."""
    return money_filter(money.format_minor(value, currency))


def num_filter(value):
    """An integer with thousands separators."""
    return "—" if value is None else f"{int(value):,}"


FILTERS = {"money": money_filter, "pct": pct_filter, "times": times_filter, "minor": minor_filter,
           "num": num_filter}
