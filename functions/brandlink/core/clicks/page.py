"""The insights page (``GET /insights``): one self-contained HTML document for a marketer.

Server-rendered: headline figures, one table per ``GroupBy`` tag key (campaign, variant, …) with the
CTR as a number and a bar, and clicks over time as an inline SVG bar chart with axis labels. No
script, no font, no image and no stylesheet from anywhere else: the route's Content-Security-Policy
allows nothing but the page's own inline style, so the page cannot leak a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from brandlink.core.clicks.insights import Figures, Insights

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DEFAULT_GROUP_KEYS = ("campaign", "variant")
MAX_GROUP_KEYS = 5

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{background:#1f3a5f;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85;font-size:13px}main{padding:20px 28px;max-width:1100px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:22px}
.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:150px;box-shadow:0 1px 2px #0002}
.card .v{font-size:26px;font-weight:650}.card .l{font-size:12px;color:#5a6472;text-transform:uppercase}
section{background:#fff;border-radius:8px;padding:14px 18px;margin-bottom:20px;box-shadow:0 1px 2px #0002}
h2{font-size:17px;margin:0 0 10px}table{border-collapse:collapse;width:100%}
th,td{text-align:right;padding:6px 10px;border-bottom:1px solid #e5e8ec;font-variant-numeric:tabular-nums}
th:first-child,td:first-child{text-align:left}th{font-size:12px;color:#5a6472;text-transform:uppercase}
.bar{display:inline-block;height:10px;background:#2f7de1;border-radius:2px;vertical-align:middle;margin-left:6px}
.empty{color:#5a6472;font-style:italic}.note{font-size:12px;color:#5a6472}
svg text{font-size:11px;fill:#5a6472}
"""


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 180:
        return f"{value:g} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _cards(figures: Figures) -> str:
    cards = (
        ("Click-through rate", _percent(figures.click_through_rate)),
        ("Messages with links", f"{figures.messages_with_links:,}"),
        ("Clicked messages", f"{figures.clicked_messages:,}"),
        ("Unique clickers", f"{figures.unique_clickers:,}"),
        ("Clicks", f"{figures.clicks:,}"),
        ("Link previews", f"{figures.previews:,}"),
        ("Median time to first click", _seconds(figures.median_time_to_first_click_seconds)),
    )
    return "".join(
        f'<div class="card"><div class="v">{escape(value)}</div><div class="l">{escape(label)}</div></div>'
        for label, value in cards
    )


def _group_table(key: str, insights: Insights) -> str:
    title = f"By {escape(key)}"
    if not insights.groups:
        return f'<section><h2>{title}</h2><p class="empty">No message has a “{escape(key)}” tag yet.</p></section>'
    rows = []
    for value, figures in sorted(insights.groups.items()):
        rate = figures.click_through_rate
        width = 0 if rate is None else round(rate * 120)
        rows.append(
            "<tr>"
            f"<td>{escape(value)}</td>"
            f"<td>{figures.messages_with_links:,}</td>"
            f"<td>{figures.clicked_messages:,}</td>"
            f'<td>{_percent(rate)}<span class="bar" style="width:{width}px"></span></td>'
            f"<td>{figures.unique_clickers:,}</td>"
            f"<td>{figures.clicks:,}</td>"
            f"<td>{figures.previews:,}</td>"
            f"<td>{_seconds(figures.median_time_to_first_click_seconds)}</td>"
            "</tr>"
        )
    head = (
        f"<tr><th>{escape(key)}</th><th>Sent with links</th><th>Clicked</th><th>CTR</th>"
        "<th>Unique clickers</th><th>Clicks</th><th>Previews</th><th>Median to first click</th></tr>"
    )
    return f"<section><h2>{title}</h2><table>{head}{''.join(rows)}</table></section>"


def _label(start: datetime, interval: str) -> str:
    return start.strftime("%d %b %H:00") if interval == "hour" else start.strftime("%d %b")


def _chart(insights: Insights) -> str:
    series = insights.clicks_over_time
    interval = insights.query.interval
    if not series:
        return '<section><h2>Clicks over time</h2><p class="empty">No clicks yet.</p></section>'
    width, height, left, bottom, top = 900, 260, 48, 40, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(max(clicks + previews for _, clicks, previews in series), 1)
    slot = plot_w / len(series)
    bar = max(slot * 0.7, 1.0)
    parts = [
        f'<svg role="img" aria-label="Clicks per {interval}" viewBox="0 0 {width} {height}" width="100%">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#9aa3ad"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#9aa3ad"/>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    label_every = max(1, len(series) // 12)
    for index, (start, clicks, previews) in enumerate(series):
        x = left + index * slot + (slot - bar) / 2
        click_h = plot_h * clicks / peak
        preview_h = plot_h * previews / peak
        base = top + plot_h
        title = f"{_label(start, interval)}: {clicks} clicks, {previews} previews"
        parts.append(
            f"<g><title>{escape(title)}</title>"
            f'<rect x="{x:.1f}" y="{base - click_h:.1f}" width="{bar:.1f}" height="{click_h:.1f}" fill="#2f7de1"/>'
            f'<rect x="{x:.1f}" y="{base - click_h - preview_h:.1f}" width="{bar:.1f}" height="{preview_h:.1f}" '
            'fill="#b9c7d8"/></g>'
        )
        if index % label_every == 0:
            label = escape(_label(start, interval))
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle">{interval} (UTC)</text>')
    parts.append(
        f'<text x="12" y="{top + plot_h / 2}" transform="rotate(-90 12 {top + plot_h / 2})" '
        'text-anchor="middle">taps</text>'
    )
    parts.append("</svg>")
    legend = (
        '<p class="note"><span class="bar" style="width:12px"></span> clicks '
        '<span class="bar" style="width:12px;background:#b9c7d8"></span> link previews (not counted as clicks)</p>'
    )
    table = "".join(
        f"<tr><td>{escape(_label(start, interval))}</td><td>{clicks:,}</td><td>{previews:,}</td></tr>"
        for start, clicks, previews in series
        if clicks or previews
    )
    return (
        f"<section><h2>Clicks over time (per {interval})</h2>{''.join(parts)}{legend}"
        f"<details><summary>As a table</summary><table><tr><th>{interval}</th><th>Clicks</th><th>Previews</th></tr>"
        f"{table}</table></details></section>"
    )


def render_page(service_name: str, by_key: Sequence[tuple[str, Insights]], overall: Insights) -> str:
    """The page: ``overall`` gives the headline and the chart, ``by_key`` one table per tag key."""
    query = overall.query
    span = "all time"
    if query.start or query.end:
        since = query.start.isoformat() if query.start else "the start"
        span = f"{since} to {query.end.isoformat() if query.end else 'today'}"
    figures = overall.figures
    empty = ""
    if figures.messages_with_links == 0 and figures.clicks == 0 and figures.previews == 0:
        empty = (
            '<p class="empty">No message with a short link has been sent by this service in this period yet. '
            "Send messages with ShortenUrls=true and their clicks will show here.</p>"
        )
    tables = "".join(_group_table(key, insights) for key, insights in by_key)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Link insights — {escape(service_name)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>Link insights: {escape(service_name)}</h1>"
        f"<p>{escape(query.service_sid)} · {escape(span)} · messages are counted by when they were sent, "
        "taps by when they happened</p></header><main>"
        f'{empty}<div class="cards">{_cards(figures)}</div>{tables}{_chart(overall)}'
        '<p class="note">CTR = messages with at least one click ÷ messages sent with short links. Link previews '
        "(WhatsApp, iMessage, Slack…) are shown but never count as clicks.</p>"
        "</main></body></html>"
    )
