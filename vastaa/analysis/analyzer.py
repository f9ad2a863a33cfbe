"""The analysers behind one small interface. The fast tier runs on every message; the full tier
is for the messages that reach the inbox. A heavier model (a transformer on a GPU, say) replaces
either by implementing ``Analyzer`` and registering under its tier name: nothing else changes."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol, cast

import numpy as np

from vastaa.analysis import rules
from vastaa.analysis.classifier import TRAINED, LinearModel, featurize
from vastaa.analysis.encoder import Encoder
from vastaa.analysis.fusion import FusedModel
from vastaa.analysis.language import LanguageDetector
from vastaa.analysis.pii import find_pii
from vastaa.analysis.records import Abuse, Analysis, Sentiment, SentimentLabel
from vastaa.analysis.text import for_features

TOXIC = 0.5
OFFENSIVE_AND_VAGUE = 0.7
TARGETED = (
    "you",
    "your",
    "u",
    "sinä",
    "sä",
    "sun",
    "te",
    "teidän",
    "sen",
    "siz",
    "senin",
    "sizin",
    "@user",
)


@dataclass(frozen=True)
class TextIn:
    text: str
    lang: str | None = None


class Analyzer(Protocol):
    tier: str

    def analyze(self, items: Sequence[TextIn]) -> list[Analysis]: ...


class FastAnalyzer:
    """eld, the hashed n-gram classifiers, the lexicons, python-stdnum and phonenumbers."""

    tier = "fast"

    def __init__(self, folder: Path = TRAINED) -> None:
        self.folder = folder
        self.language = LanguageDetector()

    @cached_property
    def models(self) -> dict[str, LinearModel]:
        names = ("sentiment", "offensive", "hate", "complaint")
        return {name: LinearModel.load(name, self.folder) for name in names}

    def analyze(self, items: Sequence[TextIn]) -> list[Analysis]:
        if not items:
            return []
        detected = [self._language(item) for item in items]
        normalised = [
            for_features(item.text, lang) for item, (lang, _) in zip(items, detected, strict=True)
        ]
        langs = [lang for lang, _ in detected]
        scores = self._scores(items, normalised, langs)
        return [
            self._one(item, lang, confidence, text, {k: v[i] for k, v in scores.items()})
            for i, (item, (lang, confidence), text) in enumerate(
                zip(items, detected, normalised, strict=True)
            )
        ]

    def _scores(
        self, items: Sequence[TextIn], normalised: list[str], langs: list[str]
    ) -> dict[str, np.ndarray]:
        """Each classifier's per-label probabilities, one row per item."""
        features = featurize(normalised)
        return {name: model.probabilities(features, langs) for name, model in self.models.items()}

    def _language(self, item: TextIn) -> tuple[str, float]:
        if item.lang:
            return item.lang, 1.0
        found = self.language.detect(item.text)
        return found.lang, found.confidence

    def _one(
        self,
        item: TextIn,
        lang: str,
        confidence: float,
        text: str,
        scores: dict[str, np.ndarray],
    ) -> Analysis:
        words = rules.normalise(item.text)
        counts = rules.word_counts(words, lang)
        sentiment = _sentiment(scores["sentiment"], self.models["sentiment"].labels)
        pii = find_pii(item.text)
        area = rules.area_of(counts)
        specific = rules.is_specific(item.text, area, pii)
        intents = rules.intents(
            item.text,
            words,
            lang,
            counts,
            complaint=float(scores["complaint"][0]) if lang == "en" else 0.0,
            sentiment=sentiment.label,
            area=area,
        )
        abuse = _abuse(words, lang, counts, scores, specific=specific)
        complaint_area = area if "complaint" in intents else None
        return Analysis(
            lang, confidence, sentiment, abuse, intents, complaint_area, specific, pii, self.tier
        )


def _sentiment(probabilities: np.ndarray, labels: tuple[str, ...]) -> Sentiment:
    by_label = dict(zip(labels, map(float, probabilities), strict=True))
    label = cast(SentimentLabel, max(by_label, key=lambda name: by_label[name]))
    total = sum(by_label.values()) or 1.0
    score = (by_label["positive"] - by_label["negative"]) / total
    return Sentiment(label, max(-1.0, min(1.0, score)))


def _abuse(
    text: str,
    lang: str,
    counts: Counter[str],
    scores: dict[str, np.ndarray],
    *,
    specific: bool,
) -> Abuse:
    lexical = rules.abuse_of(counts)
    offensive = max(float(scores["offensive"][0]), lexical["obscene"])
    targeted = any(word in TARGETED for word in text.replace("@user", " @user ").split())
    identity = lexical["identity_attack"]
    if lang == "en":
        identity = max(identity, float(scores["hate"][0]) * (1.0 if identity else 0.5))
    values = {
        "offensive": offensive,
        "insult": offensive if targeted else offensive / 2,
        "identity_attack": identity,
        "threat": lexical["threat"],
        "obscene": lexical["obscene"],
    }
    # Swearing about a real fault is a complaint to answer (R7 vs R26): only hate, threats, or
    # strong offence that names no concrete issue make a message toxic.
    toxic = (
        identity >= TOXIC
        or values["threat"] >= TOXIC
        or (offensive >= OFFENSIVE_AND_VAGUE and not specific)
    )
    return Abuse(values, toxic)


class FullAnalyzer(FastAnalyzer):
    """The slower, more accurate tier: the fast tier's rules and lexicons, with each classifier's
    n-gram scores mixed with a head on the multilingual encoder's sentence embedding (see
    ``fusion``). About 20 messages a second a core; ``vastaa serve`` runs it in the background
    on the messages that reach the inbox."""

    tier = "full"

    def __init__(self, folder: Path = TRAINED, encoder: Encoder | None = None) -> None:
        super().__init__(folder)
        self.encoder = encoder or Encoder()

    @cached_property
    def fused(self) -> dict[str, FusedModel]:
        return {name: FusedModel.load(name, self.folder) for name in self.models}

    def _scores(
        self, items: Sequence[TextIn], normalised: list[str], langs: list[str]
    ) -> dict[str, np.ndarray]:
        features = featurize(normalised)
        vectors = self.encoder.embed([item.text for item in items])
        return {
            name: model.probabilities(self.models[name].scores(features), vectors, langs)
            for name, model in self.fused.items()
        }


ANALYZERS: dict[str, Callable[[], Analyzer]] = {"fast": FastAnalyzer, "full": FullAnalyzer}


def analyzer_for(tier: str) -> Analyzer:
    if tier not in ANALYZERS:
        print(f"unknown tier {tier!r}", file=sys.stderr)
        raise SystemExit(2)
    return ANALYZERS[tier]()
