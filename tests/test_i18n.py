"""Every interface string is translated into Finnish and Turkish, and the catalogs are current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from vastaa.errors import PermanentError
from vastaa.i18n import N_, po_path, translations

ROOT = Path(__file__).resolve().parents[1]
METHODS = [("vastaa/**.py", "python"), ("vastaa/**/templates/**.html", "jinja2")]
OPTIONS = {"vastaa/**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def source_messages() -> set[str | tuple[str, ...]]:
    found = extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        options_map=OPTIONS,
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
    )
    return {message for _, _, message, _, _ in found}


def catalog_ids(locale: str) -> dict[str, object]:
    with po_path(locale).open("rb") as source:
        catalog = read_po(source, locale=locale)
    return {str(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def test_the_catalogs_know_every_string_in_the_code() -> None:
    wanted = {m if isinstance(m, str) else m[0] for m in source_messages()}

    for locale in ("fi", "tr", "en"):
        assert wanted - set(catalog_ids(locale)) == set(), locale


@pytest.mark.parametrize("locale", ["fi", "tr"])
def test_every_string_is_translated(locale: str) -> None:
    untranslated = [
        msgid
        for msgid, string in catalog_ids(locale).items()
        if not (all(string) if isinstance(string, tuple) else string)
    ]
    assert untranslated == []


def test_placeholders_survive_translation() -> None:
    for locale in ("fi", "tr"):
        text = translations(locale).gettext("Edited %(when)s") % {"when": "X"}
        assert "X" in text


@pytest.mark.parametrize("locale", ["fi", "tr"])
def test_every_translation_names_the_same_fields(locale: str) -> None:
    """``%(name)s`` and ``{name}`` fields are filled in after translating: a field renamed or
    dropped in a catalog would fail when the message is shown."""
    fields = re.compile(r"%\((\w+)\)|\{(\w+)\}")

    def named(text: str) -> set[tuple[str, str]]:
        return set(fields.findall(text))

    differ = [
        msgid
        for msgid, string in catalog_ids(locale).items()
        if isinstance(string, str) and string and named(string) != named(msgid)
    ]
    assert differ == []


def test_an_error_is_said_in_the_readers_language() -> None:
    error = PermanentError(N_("incident #{number} is closed: reopen it first"), number=7)

    assert str(error) == "incident #7 is closed: reopen it first"
    assert error.said(translations("fi").gettext) == (
        "häiriö #7 on suljettu: avaa se ensin uudelleen"
    )
    assert "#7" in error.said(translations("tr").gettext)
    assert PermanentError("not in any catalog").said(translations("fi").gettext) == (
        "not in any catalog"
    )
