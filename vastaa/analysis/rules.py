"""Intents, problem area, specificity and the lexicon-based abuse signals, from the word lists
in ``lexicons`` (stems matched at word starts) and the classifiers' outputs."""

from __future__ import annotations

import re
from functools import cache

from vastaa.analysis import lexicons
from vastaa.analysis.records import PROBLEM_AREAS, Span
from vastaa.analysis.text import TURKISH_UPPER

LANGS = ("fi", "tr", "en")
SPECIFIC_DETAIL = re.compile(r"\d|[A-ZÅÄÖÇĞİÖŞÜ]{1,4}\d|\b\w+\d\w*\b")
MIN_SPECIFIC_WORDS = 6
# Finnish yes/no questions start with a verb carrying -ko/-kö ("Onko", "Toimiiko"); "koko" and
# "joko" are not questions.
FINNISH_QUESTION = re.compile(r"(?:^|[.!?]\s+)(?!koko\b|joko\b)\w+(?:ko|kö)\b")
COMPLAINT_AREAS = ("product", "delivery", "billing", "service")


def normalise(text: str) -> str:
    return text.translate(TURKISH_UPPER).lower()


@cache
def _pattern(stems: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(stem) for stem in sorted(stems, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})")


def _stems(table: dict[str, tuple[str, ...]], lang: str) -> tuple[str, ...]:
    """The language's list, plus English: people mix English into everything."""
    stems = table.get(lang, ()) + (table["en"] if lang != "en" else ())
    return stems or tuple(s for lang_ in LANGS for s in table[lang_])


def hits(text: str, table: dict[str, tuple[str, ...]], lang: str) -> int:
    return len(_pattern(_stems(table, lang)).findall(text))


def problem_area(text: str, lang: str) -> str | None:
    counts = {
        area: hits(text, lexicons.PROBLEM_AREAS[area], lang)
        for area in PROBLEM_AREAS
        if area in lexicons.PROBLEM_AREAS
    }
    best = max(counts, key=lambda area: counts[area])
    return best if counts[best] else None


def is_question(original: str, text: str, lang: str) -> bool:
    if "?" in original:
        return True
    if lang == "fi" and FINNISH_QUESTION.search(text):
        return True
    return hits(text, lexicons.QUESTION_WORDS, lang) > 0 and len(text.split()) <= 30


def is_spam(text: str) -> bool:
    return _pattern(lexicons.SPAM).search(text) is not None


def intents(
    original: str,
    text: str,
    lang: str,
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
    if is_question(original, text, lang):
        found.append("question")
    if sentiment == "positive" and hits(text, lexicons.THANKS, lang):
        found.append("praise")
    if hits(text, lexicons.SUGGESTIONS, lang):
        found.append("suggestion")
    if is_spam(text):
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


def lexicon_abuse(text: str, lang: str) -> dict[str, float]:
    """Scores in [0, 1] from the word lists: obscene, threat and identity attack."""
    obscene = min(1.0, 0.6 * hits(text, lexicons.OBSCENE, lang))
    threat = min(1.0, 0.7 * hits(text, lexicons.THREATS, lang))
    groups = hits(text, lexicons.IDENTITY_GROUPS, lang)
    hostile = hits(text, lexicons.HOSTILE, lang)
    identity = min(1.0, 0.45 * groups + 0.35 * hostile) if groups else 0.0
    return {"obscene": obscene, "threat": threat, "identity_attack": identity}
