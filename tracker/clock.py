"""The one clock domain code reads, so every stored time is aware UTC."""

from datetime import UTC, datetime


def utcnow():
    """Current time, aware, in UTC."""
    return datetime.now(UTC)
