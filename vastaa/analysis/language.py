"""Language identification with eld (Efficient Language Detector; n-gram model shipped in the
package, 60 languages), tuned for short social media messages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from vastaa.analysis.text import for_language_id

UNDETERMINED = "und"


@dataclass(frozen=True)
class Detected:
    lang: str
    confidence: float


class LanguageDetector:
    """ISO 639-1 code and a confidence in [0, 1] (the top score against the runner-up)."""

    @cached_property
    def _detector(self):  # type: ignore[no-untyped-def]
        from eld import LanguageDetector as Eld

        return Eld()

    def detect(self, text: str, hint: str | None = None) -> Detected:
        cleaned = for_language_id(text)
        if len(cleaned) < 2:
            return Detected(hint or UNDETERMINED, 0.0)
        result = self._detector.detect(cleaned)
        if not result.language:
            return Detected(hint or UNDETERMINED, 0.0)
        return Detected(result.language, _confidence(result))


def _confidence(result: object) -> float:
    scores = sorted(result.scores().values(), reverse=True)  # type: ignore[attr-defined]
    if not scores or scores[0] <= 0:
        return 0.0
    runner_up = scores[1] if len(scores) > 1 else 0.0
    confidence = float(scores[0]) / float(scores[0] + runner_up)
    if not result.is_reliable():  # type: ignore[attr-defined]
        confidence /= 2
    return confidence
