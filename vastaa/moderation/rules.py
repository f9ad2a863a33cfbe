"""Automatic moderation rules, pure: parsing a rule's conditions and actions, and deciding
whether a message matches. All given conditions must hold; a rule with none matches nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vastaa.errors import PermanentError

SCORES = ("min_offensive", "min_identity_attack", "min_threat")


@dataclass(frozen=True)
class Conditions:
    min_offensive: float | None = None
    min_identity_attack: float | None = None
    min_threat: float | None = None
    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()  # handles, without @
    channels: tuple[str, ...] = ()  # "platform" or "platform:account"
    only_ads: bool = False  # only under posts that are paid ads

    @property
    def empty(self) -> bool:
        return self == Conditions()

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {name: getattr(self, name) for name in SCORES}
        found = {name: value for name, value in found.items() if value is not None}
        for name in ("keywords", "authors", "channels"):
            if getattr(self, name):
                found[name] = list(getattr(self, name))
        if self.only_ads:
            found["only_ads"] = True
        return found


@dataclass(frozen=True)
class Actions:
    hide: bool = False
    review: bool = False
    label: str = ""
    assign: str = ""  # a username

    @property
    def empty(self) -> bool:
        return not (self.hide or self.review or self.label or self.assign)

    def as_json(self) -> dict[str, Any]:
        return {
            "hide": self.hide,
            "review": self.review,
            "label": self.label,
            "assign": self.assign,
        }


@dataclass(frozen=True)
class Facts:
    """What a rule looks at in one message."""

    text: str
    analysis: Mapping[str, Any]
    handle: str
    platform: str
    account: str
    under_ad: bool


def parse_conditions(data: Mapping[str, Any]) -> Conditions:
    scores = {name: _score(data.get(name), name) for name in SCORES}
    return Conditions(
        **scores,
        keywords=_words(data.get("keywords")),
        authors=tuple(h.lstrip("@") for h in _words(data.get("authors"))),
        channels=_words(data.get("channels")),
        only_ads=bool(data.get("only_ads")),
    )


def parse_actions(data: Mapping[str, Any]) -> Actions:
    label = str(data.get("label") or "").strip()
    if len(label) > 60:
        raise PermanentError("a label has at most 60 characters")
    return Actions(
        hide=bool(data.get("hide")),
        review=bool(data.get("review")),
        label=label,
        assign=str(data.get("assign") or "").strip(),
    )


def _score(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise PermanentError(f"{name}: a number between 0 and 1") from None
    if not 0.0 <= score <= 1.0:
        raise PermanentError(f"{name}: a number between 0 and 1")
    return score


def _words(value: Any) -> tuple[str, ...]:
    """A list, or text with one item per line or comma."""
    items: Sequence[Any] = (
        value if isinstance(value, list) else re.split(r"[\n,]", str(value or ""))
    )
    cleaned = (str(item).strip().casefold() for item in items)
    return tuple(dict.fromkeys(item for item in cleaned if item))[:500]


def matches(conditions: Conditions, facts: Facts) -> bool:
    if conditions.empty:
        return False
    scores = (facts.analysis.get("abuse") or {}).get("scores") or {}
    rude = max(float(scores.get("offensive", 0.0)), float(scores.get("insult", 0.0)))
    checks = (
        conditions.min_offensive is None or rude >= conditions.min_offensive,
        _at_least(conditions.min_identity_attack, scores.get("identity_attack")),
        _at_least(conditions.min_threat, scores.get("threat")),
        not conditions.authors or facts.handle.casefold().lstrip("@") in conditions.authors,
        not conditions.channels or _in_channels(conditions.channels, facts),
        not conditions.only_ads or facts.under_ad,
    )
    return all(checks) and _has_keyword(conditions.keywords, facts)


def _at_least(minimum: float | None, value: Any) -> bool:
    return minimum is None or float(value or 0.0) >= minimum


def _in_channels(channels: tuple[str, ...], facts: Facts) -> bool:
    full = f"{facts.platform}:{facts.account}".casefold()
    return facts.platform.casefold() in channels or full in channels


def _has_keyword(keywords: tuple[str, ...], facts: Facts) -> bool:
    """Whole words (or phrases), case-insensitive, in any script."""
    return not keywords or _pattern(keywords).search(facts.text.casefold()) is not None


@lru_cache(maxsize=256)
def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in keywords)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
