"""After-care reports (R33) as Markdown, and the same text as PDF (fpdf2 with the DejaVu fonts
that ship with the evidence cards, so Finnish and Turkish letters print).

Per incident: what happened (figures, timeline by day, channels, languages), the statement and
fix, the team's review (what went well, what to improve, what to change in the product, service
or instructions) and the evidence records of every complaint. Per period: every incident that
was active in it, with totals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from vastaa.clock import parse_day
from vastaa.incidents.queries import LISTED, Page
from vastaa.incidents.service import Figures

FONTS = Path(__file__).resolve().parent.parent / "evidence" / "fonts"


def period(start: str, end: str, now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """[start, end] as whole local days (end included); the last 30 days by default."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    last = parse_day(end) if end else today
    first = parse_day(start) if start else last - timedelta(days=29)
    if first > last:
        raise ValueError("start after end")
    since = datetime.combine(first, time(0), tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return since, until


def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} d {hours % 24} h"


MARKUP = re.compile(r"([\\`*_\[\]<>|#!&])")
ESCAPED = re.compile(r"\\([\\`*_\[\]<>|#!&])")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def cell(text: object) -> str:
    """Text from people (customers, the team) for the Markdown: one line, and every character
    Markdown or HTML would act on escaped, so a viewer shows it as written and runs nothing."""
    return MARKUP.sub(r"\\\1", " ".join(str(text).split()))


def _plain(text: str) -> str:
    return ESCAPED.sub(r"\1", text)


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def figure_rows(figures: Figures) -> list[tuple[str, str]]:
    return [
        ("Complaints", str(figures.complaints)),
        ("People affected", str(figures.people)),
        ("Channels", ", ".join(figures.channels) or "—"),
        ("Languages", ", ".join(figures.languages) or "—"),
        ("Time to detect", duration(figures.time_to_detect)),
        ("Time to first response", duration(figures.time_to_first_response)),
        ("Sentiment before (−1…+1)", _score(figures.sentiment_before)),
        ("Sentiment after the fix", _score(figures.sentiment_after)),
        ("Replies sent", str(figures.replies_sent)),
        ("Follow-ups sent / waiting", f"{figures.follow_ups_sent} / {figures.follow_ups_pending}"),
    ]


def markdown(page: Page, *, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    incident = page.incident

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    lines = [
        f"# Incident #{incident.number}" + (f": {cell(incident.title)}" if incident.title else ""),
        "",
        f"Status: {incident.status} · level: {incident.level} · owner: {cell(page.owner or '—')}",
        "",
        f"First complaint {when(incident.first_at)}, pattern {when(incident.pattern_at)}, "
        f"problem {when(incident.problem_at)}, identified {when(incident.identified_at)}, "
        f"fixed {when(incident.fixed_at)}, closed {when(incident.closed_at)} ({timezone}).",
        "",
        "## Figures",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {cell(value)} |" for name, value in figure_rows(page.figures)),
        "",
        "## By day",
        "",
        "| day | complaints | sentiment |",
        "|---|---:|---:|",
        *(f"| {d.day.isoformat()} | {d.complaints} | {_score(d.sentiment)} |" for d in page.trend),
        "",
    ]
    for heading, texts in (
        ("Known-issue statement", incident.statement),
        ("Fix", incident.fix_note),
    ):
        if texts:
            lines += [f"## {heading}", ""]
            lines += [f"- **{lang}:** {cell(text)}" for lang, text in sorted(texts.items())]
            lines.append("")
    review = incident.review or {}
    lines += [
        "## Review",
        "",
        f"**What went well:** {cell(review.get('went_well') or '—')}",
        "",
        f"**What to improve:** {cell(review.get('improve') or '—')}",
        "",
        "**What to change in the product, service or instructions:** "
        f"{cell(review.get('change') or '—')}",
        "",
        "## Complaints and their evidence",
        "",
        "| when | channel | language | author | evidence record | text |",
        "|---|---|---|---|---:|---|",
    ]
    for member in page.members:
        lines.append(
            f"| {when(member.at)} | {cell(member.platform)} | {cell(member.lang or '—')} | "
            f"{cell(member.author) or '—'} | {member.evidence or '—'} | "
            f"{cell(member.text)[:300]} |"
        )
    lines += [
        "",
        "Evidence records are numbered as in `vastaa evidence verify`; each conversation's "
        "records and their hashes are exported with `vastaa evidence export`.",
        "",
    ]
    return "\n".join(lines)


def period_markdown(pages: Sequence[Page], *, start: datetime, end: datetime, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    people = sum(p.figures.people for p in pages)
    detected = [p.figures.time_to_detect for p in pages if p.figures.time_to_detect]
    answered = [p.figures.time_to_first_response for p in pages if p.figures.time_to_first_response]
    lines = [
        f"# After-care {start.astimezone(zone):%Y-%m-%d} – "
        f"{(end - timedelta(days=1)).astimezone(zone):%Y-%m-%d}",
        "",
        f"{len(pages)} incidents, {people} people affected, median time to detect "
        f"{duration(_median(detected))}, median time to first response "
        f"{duration(_median(answered))}."
        + (f" Only the first {LISTED} incidents are listed." if len(pages) >= LISTED else ""),
        "",
        "| # | title | status | people | to detect | to first response | sentiment before | "
        "after | replies |",
        "|---:|---|---|---:|---|---|---:|---:|---:|",
    ]
    for page in pages:
        f, incident = page.figures, page.incident
        lines.append(
            f"| {incident.number} | {cell(incident.title) or '—'} | {incident.status} | "
            f"{f.people} | "
            f"{duration(f.time_to_detect)} | {duration(f.time_to_first_response)} | "
            f"{_score(f.sentiment_before)} | {_score(f.sentiment_after)} | {f.replies_sent} |"
        )
    for page in pages:
        review = page.incident.review or {}
        if any(review.values()):
            lines += ["", f"## #{page.incident.number} {cell(page.incident.title)}".rstrip(), ""]
            for key, label in (
                ("went_well", "What went well"),
                ("improve", "What to improve"),
                ("change", "What to change"),
            ):
                lines.append(f"- **{label}:** {cell(review.get(key) or '—')}")
    lines.append("")
    return "\n".join(lines)


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def pdf(text: str) -> bytes:
    """The Markdown of these reports as a PDF: headings, paragraphs, lists and tables."""
    from fpdf import FPDF

    document = FPDF(format="A4")
    document.set_auto_page_break(auto=True, margin=15)
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    document.add_page()
    table: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [_plain(c.strip()) for c in UNESCAPED_PIPE.split(line.strip()[1:-1])]
            if not all(c and set(c) <= set("-: ") for c in cells):  # not the |---| line
                table.append(cells)
            continue
        if table:
            _table(document, table)
            table = []
        _line(document, line)
    return bytes(document.output())


def _line(document: object, line: str) -> None:
    from fpdf import FPDF

    assert isinstance(document, FPDF)
    width = document.epw
    if line.startswith("# "):
        document.set_font("DejaVu", "B", 16)
        document.multi_cell(width, 9, _plain(line[2:]), new_x="LMARGIN", new_y="NEXT")
    elif line.startswith("## "):
        document.ln(2)
        document.set_font("DejaVu", "B", 12)
        document.multi_cell(width, 7, _plain(line[3:]), new_x="LMARGIN", new_y="NEXT")
    elif line.strip():
        document.set_font("DejaVu", "", 9)
        shown = line[2:] if line.startswith("- ") else line
        prefix = "• " if line.startswith("- ") else ""
        # Our own bold labels ("**What went well:**") print bold; people's text is plain.
        label, bold, rest = shown.partition(":** ") if shown.startswith("**") else ("", "", shown)
        if bold:
            document.set_font("DejaVu", "B", 9)
            document.write(5, prefix + label.strip("*") + ": ")
            document.set_font("DejaVu", "", 9)
            prefix = ""
        document.multi_cell(0, 5, prefix + _plain(rest), new_x="LMARGIN", new_y="NEXT")
    else:
        document.ln(2)


def _table(document: object, rows: list[list[str]]) -> None:
    from fpdf import FPDF

    assert isinstance(document, FPDF)
    document.set_font("DejaVu", "", 7.5)
    headed = any(rows[0])
    body = rows if headed else rows[1:]  # "| | |": a table of names and values, no heading
    if not body:
        return
    # Each column as wide as its longest cell, up to a point: people's text gets the room.
    widths = tuple(
        min(max(len(row[n]) for row in rows if n < len(row)), 60) + 3 for n in range(len(rows[0]))
    )
    with document.table(first_row_as_headings=headed, line_height=4, col_widths=widths) as table:
        for row in body:
            cells = table.row()
            for cell in row:
                cells.cell(cell)
    document.ln(2)
