"""Interface translations: gettext catalogs (Babel .po files) for Finnish, Turkish and English.

The .po files in ``vastaa/locale`` are the source of truth; they are compiled in memory when the
app starts, so there is no build step and no compiled file to forget.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from vastaa.config import LOCALES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGE_NAMES = {"fi": "Suomi", "tr": "Türkçe", "en": "English"}


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> Translations:
    """The catalog for ``locale``; unknown locales fall back to English."""
    if locale not in LOCALES:
        locale = "en"
    with po_path(locale).open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def N_(text: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks a message for the catalogs without translating it: it is translated where it is
    shown, in the reader's language."""
    return text


def negotiate(accept_language: str, default: str) -> str:
    """The first of our locales named in an Accept-Language header, else ``default``."""
    for part in accept_language.split(","):
        code = part.split(";", 1)[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return default
