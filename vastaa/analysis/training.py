"""``vastaa model train``: the fast tier's classifiers, trained from the public datasets (never
on a test split) and written to ``trained/`` to ship with the package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vastaa.analysis import datasets as ds
from vastaa.analysis.classifier import TRAINED, LinearModel, featurize
from vastaa.analysis.datasets import Example
from vastaa.analysis.text import for_features


@dataclass(frozen=True)
class Task:
    """A classifier: its labels (the positive one first for binary tasks) and training data."""

    name: str
    labels: tuple[str, ...]
    train: Callable[[Path], list[Example]]
    c: float = 1.0


def _sentiment_train(root: Path) -> list[Example]:
    tr_train, _ = ds.held_back("tsatweets_tr", ds.tsatweets(root))
    fi_train, _ = ds.held_back("xed_fi_sentiment", ds.xed_fi_sentiment(root))
    return ds.semeval_train(root) + tr_train + fi_train


def _offensive_train(root: Path) -> list[Example]:
    return ds.tweeteval(root, "offensive", "train") + ds.offenseval_tr(root, "train")


def _hate_train(root: Path) -> list[Example]:
    return ds.tweeteval(root, "hate", "train")


def _complaint_train(root: Path) -> list[Example]:
    train, _ = ds.held_back("complaints_en", ds.complaints(root))
    return train


TASKS = {
    task.name: task
    for task in (
        Task("sentiment", ("negative", "neutral", "positive"), _sentiment_train),
        Task("offensive", ("offensive",), _offensive_train),
        Task("hate", ("hate",), _hate_train),
        Task("complaint", ("complaint",), _complaint_train),
    )
}


def features_of(examples: list[Example]):  # type: ignore[no-untyped-def]
    return featurize([for_features(example.text, example.lang) for example in examples])


def train(task: Task, root: Path) -> LinearModel:
    """One-vs-rest logistic regression with balanced class weights (macro metrics count every
    class the same)."""
    from sklearn.linear_model import LogisticRegression

    examples = task.train(root)
    features = features_of(examples)
    coefs, intercepts = [], []
    for label in task.labels:
        target = np.array([example.label == label for example in examples])
        model = LogisticRegression(
            C=task.c, solver="liblinear", class_weight="balanced", max_iter=200
        )
        model.fit(features, target)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    return LinearModel(task.name, task.labels, np.vstack(coefs), np.array(intercepts))


def train_all(root: Path, names: list[str] | None = None, folder: Path = TRAINED) -> list[Path]:
    return [train(TASKS[name], root).save(folder) for name in names or list(TASKS)]
