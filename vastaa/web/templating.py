"""Jinja2 environments (one per interface language), filters, and the full-or-fragment choice."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_compact_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from vastaa.clock import as_utc
from vastaa.config import LOCALES
from vastaa.i18n import LANGUAGE_NAMES, translations

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [PACKAGE / "web" / "templates"] + sorted(PACKAGE.glob("*/templates"))


def external_url(value: str | None) -> str | None:
    """A link taken from social media is shown only if it is plain http(s): never
    ``javascript:``, ``data:`` or anything else a browser would run."""
    if not value:
        return None
    scheme = urlsplit(value.strip()).scheme.lower()
    return value.strip() if scheme in ("http", "https") else None


def minutes_from(value: datetime, now: datetime) -> int:
    """Whole minutes from ``now`` to ``value`` (negative once it has passed)."""
    seconds = (as_utc(value) - now).total_seconds()
    return int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


class Templates:
    """Renders a page in the user's language; user content is always autoescaped."""

    def __init__(self, *, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        loader = ChoiceLoader([FileSystemLoader(str(d)) for d in dict.fromkeys(TEMPLATE_DIRS)])
        self.environments = {locale: self._environment(loader, locale) for locale in LOCALES}

    def _environment(self, loader: ChoiceLoader, locale: str) -> Environment:
        environment = Environment(
            loader=loader,
            autoescape=select_autoescape(default=True, default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
        environment.filters["when"] = lambda value: self.when(value, locale)
        environment.filters["age"] = lambda value, now: self.age(value, now, locale)
        environment.filters["external_url"] = external_url
        environment.filters["compact"] = lambda value: format_compact_decimal(
            value, locale=locale, fraction_digits=0
        )
        environment.filters["minutes_from"] = minutes_from
        environment.filters["duration"] = lambda minutes: format_timedelta(
            timedelta(minutes=abs(int(minutes))), threshold=2, format="short", locale=locale
        )
        environment.filters["span"] = lambda value: (
            "—"
            if value is None
            else format_timedelta(value, threshold=2, format="short", locale=locale)
        )
        environment.globals["locale"] = locale
        environment.globals["language_names"] = LANGUAGE_NAMES
        return environment

    def when(self, value: datetime | None, locale: str) -> str:
        if value is None:
            return ""
        return format_datetime(as_utc(value), "short", tzinfo=self.zone, locale=locale)

    @staticmethod
    def age(value: datetime | None, now: datetime, locale: str) -> str:
        if value is None:
            return ""
        return format_timedelta(as_utc(value) - now, threshold=1.0, format="short", locale=locale)

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        locale: str,
        partial: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """The full page, or only ``partial`` when HTMX asks for a fragment."""
        template_name = partial if partial and is_htmx(request) else name
        template = self.environments[locale].get_template(template_name)
        html = template.render(request=request, **context)
        return HTMLResponse(html, status_code=status_code)
