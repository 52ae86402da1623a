"""Server-side SVG charts: no JavaScript, no network, no third-party code.

Geometry uses floats (pixels only); every number printed comes from the caller, already
formatted, so the charts show exactly what the tables show.
"""

from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup, escape

DAILY_W, PANEL_H, LEFT, GAP = 480, 96, 40, 30
BAR_W, ROW_H, LABEL_W, VALUE_W = 420, 22, 118, 64
MAX_BARS = 20


def nice_ceiling(value):
    """The smallest of 1, 2, 5 x 10^k that is at least value (1 for nothing)."""
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10  # pragma: no cover  (the loop always returns)


def _num(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def fill_days(rows, start, end):
    """[(day, clicks, orders)] for every day from start to end, zero where rows have none."""
    by_day = {str(r["day"]): r for r in rows}
    days = []
    for offset in range((end - start).days + 1):  # never a day past end: 9999-12-31 is the last
        day = start + timedelta(days=offset)
        row = by_day.get(day.isoformat(), {})
        days.append((day, int(row.get("clicks") or 0), int(row.get("orders") or 0)))
    return days


def _panel(series, top, label, css):
    """One bar panel of the daily chart: y axis, gridlines and a bar per day."""
    peak = nice_ceiling(max((v for _, v in series), default=0))
    width = (DAILY_W - LEFT - 4) / max(len(series), 1)
    parts = [f'<text x="{LEFT}" y="{top - 6}" class="chart-title">{escape(label)}</text>']
    for frac in (0, 0.5, 1):
        y = top + PANEL_H * (1 - frac)
        tick = peak * frac
        parts.append(f'<line x1="{LEFT}" x2="{DAILY_W}" y1="{_num(y)}" y2="{_num(y)}" '
                     f'class="grid"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{_num(y + 4)}" class="tick" '
                     f'text-anchor="end">{_num(tick)}</text>')
    for i, (day, value) in enumerate(series):
        if not value:
            continue
        h = PANEL_H * value / peak
        x = LEFT + 2 + i * width
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(top + PANEL_H - h)}" width="{_num(max(width - 1, 1))}" '
            f'height="{_num(h)}" class="{css}"><title>{day.isoformat()}: {value} '
            f"{escape(label.lower())}</title></rect>"
        )
    return parts


def daily_chart(days, *, title="Clicks and orders per day"):
    """Two bar panels sharing one time axis: clicks on top, orders below."""
    if not days:
        return Markup('<p class="empty">No days in this range.</p>')
    height = GAP + PANEL_H + GAP + PANEL_H + 22
    parts = [f'<svg viewBox="0 0 {DAILY_W} {height}" class="chart" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    parts += _panel([(d, c) for d, c, _ in days], GAP, "Clicks", "bar-clicks")
    parts += _panel([(d, o) for d, _, o in days], GAP * 2 + PANEL_H, "Orders", "bar-orders")
    width = (DAILY_W - LEFT - 4) / len(days)
    step = max(1, round(len(days) / 5))
    for i in range(0, len(days), step):
        x = LEFT + 2 + (i + 0.5) * width
        anchor = "end" if x > DAILY_W - 24 else "middle"  # the last label must not be cut off
        parts.append(f'<text x="{_num(min(x + 8, DAILY_W) if anchor == "end" else x)}" '
                     f'y="{height - 6}" class="tick" text-anchor="{anchor}">'
                     f'{days[i][0].strftime("%b %-d")}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(items, *, title, fmt):
    """Horizontal bars for (label, Decimal or None), zero line drawn; negatives go left."""
    items = list(items)
    note = ""
    if len(items) > MAX_BARS:
        note = (f'<p class="chart-note">The first {MAX_BARS} of {len(items)}; '
                'all are in the table.</p>')
        items = items[:MAX_BARS]
    if not items:
        return Markup('<p class="empty">Nothing to chart yet.</p>')
    values = [Decimal(v) for _, v in items if v is not None]
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    if low == high:
        high = Decimal(1)
    span = BAR_W - LABEL_W - VALUE_W
    zero = LABEL_W + float((0 - low) / (high - low)) * span
    height = ROW_H * len(items) + 8
    parts = [f'<svg viewBox="0 0 {BAR_W} {height}" class="chart" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 4 + i * ROW_H
        text = str(label)
        short = text if len(text) <= 17 else text[:16] + "…"
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" class="label" text-anchor="end">'
                     f'<title>{escape(text)}</title>{escape(short)}</text>')
        if value is None:
            parts.append(f'<text x="{_num(zero + 4)}" y="{y + 15}" class="tick">no data</text>')
            continue
        end = LABEL_W + float((Decimal(value) - low) / (high - low)) * span
        x, w = min(zero, end), max(abs(end - zero), 1)
        css = "bar-neg" if Decimal(value) < 0 else "bar-pos"
        shown = escape(fmt(value))
        parts.append(f'<rect x="{_num(x)}" y="{y + 3}" width="{_num(w)}" height="{ROW_H - 6}" '
                     f'class="{css}"><title>{escape(text)}: {shown}</title></rect>')
        parts.append(f'<text x="{_num(max(zero, end) + 4)}" y="{y + 15}" class="value">'
                     f"{shown}</text>")
    parts.append(f'<line x1="{_num(zero)}" x2="{_num(zero)}" y1="0" y2="{height}" class="axis"/>')
    parts.append("</svg>")
    return Markup("".join(parts) + note)

