"""The weekly report (R31): one ISO week (Monday to Sunday in the team's time zone) against the
week before, as a standalone HTML page (with its charts drawn as SVG, nothing to load) and as a
PDF. ``vastaa report --weekly`` writes both."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.analytics import queries
from vastaa.channels.registry import Registry
from vastaa.clock import EARLIEST, LATEST
from vastaa.i18n import translations
from vastaa.incidents.models import Incident
from vastaa.incidents.report import cell, pdf
from vastaa.listening.queries import Coverage
from vastaa.web.templating import Templates

ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def week(text: str, today: date) -> queries.Filters:
    """``2026-W47``, or the last whole week before ``today``; raises ValueError otherwise."""
    if not text:
        monday = today - timedelta(days=today.weekday() + 7)
    else:
        found = ISO_WEEK.match(text.strip())
        if found is None:
            raise ValueError(f"a week is written like 2026-W47, not {text!r}")
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    if not EARLIEST <= monday <= LATEST:
        raise ValueError(f"a week between {EARLIEST.year} and {LATEST.year}")
    return queries.Filters(monday, monday + timedelta(days=6))


@dataclass(frozen=True)
class Weekly:
    name: str  # 2026-W47
    board: queries.Dashboard
    before: queries.Totals
    gap: Coverage
    incidents: list[Incident]
    made_at: datetime


def weekly(
    session: Session,
    wanted: queries.Filters,
    *,
    timezone: str,
    registry: Registry,
    now: datetime,
) -> Weekly:
    board = queries.dashboard(session, wanted, timezone=timezone)
    gap = board.gap(session, registry)
    incidents = session.scalars(
        select(Incident)
        .where(
            Incident.level != "isolated",
            Incident.first_at < board.until,
            Incident.last_at >= board.since,
        )
        .order_by(Incident.number)
        .limit(100)
    ).all()
    year, number, _ = wanted.start.isocalendar()
    return Weekly(
        name=f"{year}-W{number:02d}",
        board=board,
        before=queries.totals_of(session, wanted.previous()),
        gap=gap,
        incidents=list(incidents),
        made_at=now,
    )


def html(report: Weekly, templates: Templates, locale: str) -> str:
    template = templates.environments[locale].get_template("analytics/weekly.html")
    return template.render(
        report=report,
        board=report.board,
        t=report.board.totals,
        rows=figures(report.board.totals, report.before, locale),
        top=max([1, *(sum(day.inbound.values()) for day in report.board.days)]),
        minutes=lambda value: _minutes(value, locale),
        score=_score,
        percent=_percent,
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


# Short units of time as each language writes them: minutes, hours, days.
UNITS = {"fi": ("min", "h", "vrk"), "tr": ("dk", "sa", "gün"), "en": ("min", "h", "d")}


def _minutes(value: float | None, locale: str = "en") -> str:
    """A duration in minutes as "30 min", "1.5 h" or "2.3 d" (in Finnish "1,5 h", "2,3 vrk")."""
    if value is None:
        return "—"
    minute, hour, day = UNITS.get(locale, UNITS["en"])
    if value < 60:
        return f"{format_decimal(value, '0', locale=locale)} {minute}"
    if value < 48 * 60:
        return f"{format_decimal(value / 60, '0.0', locale=locale)} {hour}"
    return f"{format_decimal(value / 1440, '0.0', locale=locale)} {day}"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def _(text: str) -> str:
    """Marks a name for the message catalogs; it is translated where it is shown."""
    return text


def figures(
    t: queries.Totals, before: queries.Totals, locale: str = "en"
) -> list[tuple[str, str, str]]:
    """(what, this week, the week before); the names in English (the report translates them),
    the durations written for ``locale``."""
    rows: list[tuple[str, Callable[[queries.Totals], str]]] = [
        (_("Messages in"), lambda x: str(x.inbound)),
        (_("Mentions"), lambda x: str(x.mentions)),
        (_("Complaints"), lambda x: str(x.complaints)),
        (_("Replies sent"), lambda x: str(x.outbound)),
        (_("Answered"), lambda x: _percent(x.answered_share)),
        (_("Mean first response"), lambda x: _minutes(x.frt, locale)),
        (_("First responses within SLA"), lambda x: _percent(x.sla_share)),
        (_("Resolved"), lambda x: str(x.resolved)),
        (_("Mean time to resolve"), lambda x: _minutes(x.resolution, locale)),
        (_("Mean sentiment"), lambda x: _score(x.sentiment)),
        (_("negative"), lambda x: _percent(x.negative_share)),
        (_("Turned positive"), lambda x: str(x.tone_changes)),
    ]
    return [(name, show(t), show(before)) for name, show in rows]


def markdown(report: Weekly, locale: str) -> str:
    """The same report as Markdown (which ``incidents.report.pdf`` prints)."""
    _ = translations(locale).gettext
    board, t = report.board, report.board.totals
    f = board.filters
    lines = [
        f"# {_('Weekly report')} {report.name}",
        "",
        f"{f.start.isoformat()} – {f.end.isoformat()}",
        "",
        f"| | {_('This week')} | {_('The week before')} |",
        "|---|---:|---:|",
        *(
            f"| {_(name)} | {now} | {then} |"
            for name, now, then in figures(t, report.before, locale)
        ),
        "",
        f"## {_('By day')}",
        "",
        f"| {_('Day')} | {_('Messages in')} | {_('negative')} | {_('Mean sentiment')} "
        f"| {_('Conversations')} | {_('Answered')} | {_('Mean first response')} |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {d.day.isoformat()} | {sum(d.inbound.values())} | {d.negative} "
            f"| {_score(d.sentiment)} | {d.cases} | {d.answered} | {_minutes(d.frt, locale)} |"
            for d in board.days
        ),
        "",
        f"## {_('By channel')}",
        "",
        f"| {_('Channel')} | {_('Messages in')} | {_('Who can answer')} |",
        "|---|---:|---|",
        *(
            f"| {cell(row.name or row.account)} | {row.messages} "
            f"| {cell(row.answered_by) if row.answered_by else _('Nobody')} |"
            for row in report.gap.channels
        ),
        "",
        f"## {_('Top problem areas')}",
        "",
        f"| {_('Area')} | {_('Complaints')} | {_('negative')} | {_('Messages in')} |",
        "|---|---:|---:|---:|",
        *(f"| {_(a.area)} | {a.complaints} | {a.negative} | {a.inbound} |" for a in board.areas),
        "",
        f"## {_('Teams')}",
        "",
        f"| {_('Team')} | {_('Conversations')} | {_('Answered')} | {_('Mean first response')} "
        f"| {_('Within SLA')} | {_('Resolved')} |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {cell(g.name) if g.name else _('No team')} | {g.cases} | {g.answered} "
            f"| {_minutes(g.frt, locale)} | {_percent(g.sla_share)} | {g.resolved} |"
            for g in board.teams
        ),
        "",
        f"## {_('Agents')}",
        "",
        f"| {_('Agent')} | {_('Replies sent')} | {_('First responses')} "
        f"| {_('Mean first response')} |",
        "|---|---:|---:|---:|",
        *(
            f"| {cell(g.name)} | {g.replies} | {g.answered} | {_minutes(g.frt, locale)} |"
            for g in board.agents
            if g.replies
        ),
        "",
        f"## {_('Incidents')}",
        "",
    ]
    if report.incidents:
        lines += [
            f"| # | {_('Problem')} | {_('Level')} | {_('Status')} | {_('People')} |",
            "|---:|---|---|---|---:|",
            *(
                f"| {i.number} | {cell(i.title or '#' + str(i.number))} | {_(i.level)} "
                f"| {_(i.status)} | {i.people} |"
                for i in report.incidents
            ),
        ]
    else:
        lines.append(_("No incidents."))
    tone = _(
        "Tone changes (R30): %(changes)d turned positive, %(thanked)d thanked, "
        "%(left)d resolved without another answer, %(waiting)d still open."
    ) % {
        "changes": t.tone_changes,
        "thanked": t.tone_thanked,
        "left": t.tone_left,
        "waiting": t.tone_waiting,
    }
    return "\n".join([*lines, "", tone, ""])


def as_pdf(report: Weekly, locale: str) -> bytes:
    return pdf(markdown(report, locale))
