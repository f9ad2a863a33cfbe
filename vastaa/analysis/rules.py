"""Intents, problem area, specificity and the lexicon-based abuse signals, from the word lists
in ``lexicons`` (stems matched at word starts) and the classifiers' outputs.

All lists are matched in one pass per message: one regular expression per language whose named
groups are the categories (``word_counts``)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from vastaa.analysis import lexicons
from vastaa.analysis.lexicons import Stems
from vastaa.analysis.records import PROBLEM_AREAS, Span
from vastaa.analysis.text import TURKISH_UPPER

LANGS = ("fi", "tr", "en")
SPECIFIC_DETAIL = re.compile(r"\d|[A-ZÅÄÖÇĞİÖŞÜ]{1,4}\d|\b\w+\d\w*\b")
MIN_SPECIFIC_WORDS = 6
# Finnish yes/no questions start with a verb carrying -ko/-kö ("Onko", "Toimiiko"); "koko" and
# "joko" are not questions.
FINNISH_QUESTION = re.compile(r"(?:^|[.!?]\s+)(?!koko\b|joko\b)\w+(?:ko|kö)\b")
COMPLAINT_AREAS = ("product", "delivery", "billing", "service")
AREAS = tuple(area for area in PROBLEM_AREAS if area in lexicons.PROBLEM_AREAS)

# Category → word list; where one stem is in two lists, the earlier category wins.
CATEGORIES: dict[str, Stems] = {
    "identity": lexicons.IDENTITY_GROUPS,
    "hostile": lexicons.HOSTILE,
    "threat": lexicons.THREATS,
    "obscene": lexicons.OBSCENE,
    **{f"area_{area}": lexicons.PROBLEM_AREAS[area] for area in AREAS},
    "question": lexicons.QUESTION_WORDS,
    "thanks": lexicons.THANKS,
    "suggestion": lexicons.SUGGESTIONS,
    "spam": {lang: lexicons.SPAM for lang in LANGS},
}


def normalise(text: str) -> str:
    return text.translate(TURKISH_UPPER).lower()


def _stems(table: Stems, lang: str) -> tuple[str, ...]:
    """The language's list, plus English (people mix English into everything); for other
    languages, every list."""
    if lang in table:
        return table[lang] + (table["en"] if lang != "en" else ())
    return tuple(stem for code in LANGS for stem in table[code])


@cache
def _scanner(lang: str) -> re.Pattern[str]:
    groups = []
    for category, table in CATEGORIES.items():
        stems = sorted(set(_stems(table, lang)), key=len, reverse=True)
        groups.append(f"(?P<{category}>{'|'.join(re.escape(stem) for stem in stems)})")
    return re.compile(rf"(?<!\w)(?:{'|'.join(groups)})")


def word_counts(text: str, lang: str) -> Counter[str]:
    """How many stems of each category the (normalised) text holds."""
    return Counter(match.lastgroup for match in _scanner(lang).finditer(text) if match.lastgroup)


def area_of(counts: Counter[str]) -> str | None:
    best = max(AREAS, key=lambda area: counts[f"area_{area}"])
    return best if counts[f"area_{best}"] else None


def problem_area(text: str, lang: str) -> str | None:
    return area_of(word_counts(text, lang))


def is_question(original: str, text: str, lang: str, counts: Counter[str] | None = None) -> bool:
    if "?" in original:
        return True
    if lang == "fi" and FINNISH_QUESTION.search(text):
        return True
    counts = word_counts(text, lang) if counts is None else counts
    return counts["question"] > 0 and len(text.split()) <= 30


def intents(
    original: str,
    text: str,
    lang: str,
    counts: Counter[str],
    *,
    complaint: float,
    sentiment: str,
    area: str | None,
) -> list[str]:
    """Multi-label; the order is fixed (complaint, question, praise, suggestion, spam)."""
    found = []
    named_fault = area in COMPLAINT_AREAS and sentiment != "positive"
    if complaint >= 0.5 or named_fault or (sentiment == "negative" and area is not None):
        found.append("complaint")
    if is_question(original, text, lang, counts):
        found.append("question")
    if sentiment == "positive" and counts["thanks"]:
        found.append("praise")
    if counts["suggestion"]:
        found.append("suggestion")
    if counts["spam"]:
        found.append("spam")
    return found or ["other"]


def is_specific(original: str, area: str | None, pii: list[Span]) -> bool:
    """A concrete issue is named: a problem area, an order number, a model or a number, in a
    message long enough to say something."""
    if any(span.type == "order_number" for span in pii):
        return True
    words = len(original.split())
    has_detail = SPECIFIC_DETAIL.search(original) is not None
    return area is not None and (words >= MIN_SPECIFIC_WORDS or has_detail)


def abuse_of(counts: Counter[str]) -> dict[str, float]:
    """Scores in [0, 1] from the word lists: obscene, threat and identity attack."""
    identity = 0.0
    if counts["identity"]:
        identity = min(1.0, 0.45 * counts["identity"] + 0.35 * counts["hostile"])
    return {
        "obscene": min(1.0, 0.6 * counts["obscene"]),
        "threat": min(1.0, 0.7 * counts["threat"]),
        "identity_attack": identity,
    }


def lexicon_abuse(text: str, lang: str) -> dict[str, float]:
    return abuse_of(word_counts(text, lang))
