"""The full tier's classifiers: a linear head on the multilingual encoder's sentence embedding,
mixed with the fast tier's n-gram scores.

In a language the task has training data for, the score is ``weight * head + (1 - weight) *
n-grams`` plus a per-language shift, all tuned on development data. In any other language (Finnish
offensive language, say) the n-gram model has seen nothing useful, so the encoder's head alone
carries the labels across: e5 places a Finnish sentence near its English and Turkish meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vastaa.analysis.classifier import TRAINED


@dataclass(frozen=True)
class FusedModel:
    name: str
    labels: tuple[str, ...]
    coef: np.ndarray  # (labels, embedding dimension)
    intercept: np.ndarray
    weight: float
    langs: tuple[str, ...]
    biases: np.ndarray  # (langs, labels)

    def head(self, embeddings: np.ndarray) -> np.ndarray:
        return np.asarray(embeddings @ self.coef.T + self.intercept)

    def scores(self, fast: np.ndarray, embeddings: np.ndarray, langs: Sequence[str]) -> np.ndarray:
        """``fast`` holds the n-gram model's raw scores (without its own shifts)."""
        head = self.head(embeddings)
        mixed = self.weight * head + (1.0 - self.weight) * fast
        index = {lang: i for i, lang in enumerate(self.langs)}
        known = np.array([lang in index for lang in langs], dtype=bool)
        shifts = np.array([index.get(lang, 0) for lang in langs], dtype=np.intp)
        if not self.langs:
            return head
        return np.where(known[:, None], mixed + self.biases[shifts], head)

    def probabilities(
        self, fast: np.ndarray, embeddings: np.ndarray, langs: Sequence[str]
    ) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.scores(fast, embeddings, langs))))

    def save(self, folder: Path = TRAINED) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.full.npz"
        np.savez_compressed(
            path,
            labels=np.array(self.labels),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            weight=np.array(self.weight, dtype=np.float32),
            langs=np.array(self.langs, dtype=str),
            biases=self.biases.astype(np.float32),
        )
        return path

    @classmethod
    def load(cls, name: str, folder: Path = TRAINED) -> FusedModel:
        with np.load(folder / f"{name}.full.npz", allow_pickle=False) as data:
            return cls(
                name,
                tuple(str(label) for label in data["labels"]),
                data["coef"],
                data["intercept"],
                float(data["weight"]),
                tuple(str(lang) for lang in data["langs"]),
                data["biases"],
            )
