"""What the analysis says about one message. ``as_json`` is the stable output of
``vastaa analyze`` (documented in docs/analysis.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SentimentLabel = Literal["negative", "neutral", "positive"]
ABUSE_KINDS = ("offensive", "insult", "identity_attack", "threat", "obscene")
INTENTS = ("complaint", "question", "praise", "suggestion", "spam", "other")
PROBLEM_AREAS = (
    "product",
    "service",
    "delivery",
    "billing",
    "instructions",
    "user_error",
    "other",
)


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int

    def as_json(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Sentiment:
    label: SentimentLabel
    score: float

    def as_json(self) -> dict[str, object]:
        return {"label": self.label, "score": round(self.score, 3)}


@dataclass(frozen=True)
class Abuse:
    scores: dict[str, float]
    toxic: bool

    def as_json(self) -> dict[str, object]:
        return {
            "toxic": self.toxic,
            "scores": {kind: round(self.scores.get(kind, 0.0), 3) for kind in ABUSE_KINDS},
        }


@dataclass(frozen=True)
class Analysis:
    lang: str
    lang_confidence: float
    sentiment: Sentiment
    abuse: Abuse
    intents: list[str] = field(default_factory=list)
    problem_area: str | None = None
    specific: bool = False
    pii: list[Span] = field(default_factory=list)
    tier: str = "fast"

    @property
    def vague_rude(self) -> bool:
        """Rude with no concrete issue named: R8's "not answering may be best" hint."""
        rude = self.abuse.scores.get("offensive", 0.0) >= 0.5 or self.abuse.toxic
        return rude and not self.specific

    def as_json(self) -> dict[str, object]:
        return {
            "lang": self.lang,
            "lang_confidence": round(self.lang_confidence, 3),
            "sentiment": self.sentiment.as_json(),
            "abuse": self.abuse.as_json(),
            "intents": list(self.intents),
            "problem_area": self.problem_area,
            "specific": self.specific,
            "pii": [span.as_json() for span in self.pii],
            "vague_rude": self.vague_rude,
            "tier": self.tier,
        }
