"""``vastaa model eval``: each classifier on every official test split that fits its task, next
to the published best (the figures named in the issue and in each dataset's SOURCE.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vastaa.analysis import datasets as ds
from vastaa.analysis.classifier import TRAINED, LinearModel
from vastaa.analysis.datasets import Example
from vastaa.analysis.encoder import embed_cached
from vastaa.analysis.fusion import FusedModel
from vastaa.analysis.training import TASKS, decide, embedding_sample, features_of, fit_head
from vastaa.benchmarking import write_section


@dataclass(frozen=True)
class Benchmark:
    dataset: str
    task: str
    metric: str  # "macro_f1" or "macro_recall"
    test: Callable[[Path], list[Example]]
    published: str
    target: float | None


BENCHMARKS = (
    Benchmark(
        "SemEval-2017 4A = TweetEval sentiment (en) test",
        "sentiment",
        "macro_recall",
        ds.semeval_test,
        "0.737",
        0.70,
    ),
    Benchmark(
        "TSATweets (tr), committed 20 % held-back split",
        "sentiment",
        "macro_f1",
        lambda root: ds.held_back("tsatweets_tr", ds.tsatweets(root))[1],
        "—",
        0.70,
    ),
    Benchmark(
        "XED Finnish emotions → sentiment (fi), committed 20 % split",
        "sentiment",
        "macro_f1",
        lambda root: ds.held_back("xed_fi_sentiment", ds.xed_fi_sentiment(root))[1],
        "—",
        None,
    ),
    Benchmark(
        "OffensEval 2020 (tr) test",
        "offensive",
        "macro_f1",
        lambda root: ds.offenseval_tr(root, "test"),
        "≈0.826",
        0.80,
    ),
    Benchmark(
        "TweetEval offensive (en) test",
        "offensive",
        "macro_f1",
        lambda root: ds.tweeteval(root, "offensive", "test"),
        "0.822",
        0.78,
    ),
    Benchmark(
        "TweetEval hate (en) test",
        "hate",
        "macro_f1",
        lambda root: ds.tweeteval(root, "hate", "test"),
        "0.564",
        0.55,
    ),
    Benchmark(
        "Complaints to brands (en), committed 20 % held-back split",
        "complaint",
        "macro_f1",
        lambda root: ds.held_back("complaints_en", ds.complaints(root))[1],
        "0.79–0.87",
        0.80,
    ),
)


@dataclass(frozen=True)
class Score:
    """A benchmark's metric for the fast tier and (when its models are trained) the full tier;
    the per-class F1 is the best tier's."""

    benchmark: Benchmark
    fast: float | None
    full: float | None
    per_class: dict[str, float]
    size: int


def predict_fast(model: LinearModel, examples: list[Example]) -> list[str]:
    langs = [example.lang for example in examples]
    return decide(model, model.scores(features_of(examples), langs))


def predict_full(
    model: FusedModel, fast: LinearModel, examples: list[Example], vectors: np.ndarray
) -> list[str]:
    langs = [example.lang for example in examples]
    return decide(model, model.scores(fast.scores(features_of(examples)), vectors, langs))


def _metric(benchmark: Benchmark, gold: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score, recall_score

    labels = sorted(set(gold))
    if benchmark.metric == "macro_recall":
        return float(recall_score(gold, predicted, labels=labels, average="macro", zero_division=0))
    return float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))


def _per_class(gold: list[str], predicted: list[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    values = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    return dict(zip(labels, map(float, values), strict=True))


def score(benchmark: Benchmark, root: Path, folder: Path = TRAINED) -> Score:
    fast = LinearModel.load(benchmark.task, folder)
    examples = benchmark.test(root)
    gold = [example.label for example in examples]
    predicted = predict_fast(fast, examples)
    fast_value = _metric(benchmark, gold, predicted)
    if not (folder / f"{benchmark.task}.full.npz").exists():
        return Score(benchmark, fast_value, None, _per_class(gold, predicted), len(examples))
    full = FusedModel.load(benchmark.task, folder)
    vectors = embed_cached([example.text for example in examples])
    full_predicted = predict_full(full, fast, examples, vectors)
    full_value = _metric(benchmark, gold, full_predicted)
    best = full_predicted if full_value >= fast_value else predicted
    return Score(benchmark, fast_value, full_value, _per_class(gold, best), len(examples))


def cross_lingual(root: Path) -> Score:
    """How well labels cross languages through the encoder: a sentiment head trained on the
    English and Turkish sample only, scored alone on the Finnish test split."""
    sentiment = TASKS["sentiment"]
    train, _ = sentiment.data(root)
    sample = [example for example in embedding_sample(train) if example.lang != "fi"]
    vectors = embed_cached([example.text for example in sample])
    coef, intercept = fit_head(sentiment.labels, vectors, [e.label for e in sample], 1.0)
    benchmark = next(b for b in BENCHMARKS if b.dataset.startswith("XED"))
    examples = benchmark.test(root)
    head = FusedModel("sentiment", sentiment.labels, coef, intercept, 1.0, (), np.zeros((0, 3)))
    test_vectors = embed_cached([example.text for example in examples])
    predicted = decide(head, head.head(test_vectors))
    gold = [example.label for example in examples]
    crossed = Benchmark(
        "XED (fi) test, encoder head trained on en + tr only (no Finnish)",
        "sentiment",
        "macro_f1",
        benchmark.test,
        "—",
        None,
    )
    value = _metric(crossed, gold, predicted)
    return Score(crossed, None, value, _per_class(gold, predicted), len(examples))


def evaluate_all(root: Path, folder: Path = TRAINED, *, crossed: bool = True) -> list[Score]:
    scores = [score(benchmark, root, folder) for benchmark in BENCHMARKS if benchmark.task in TASKS]
    if crossed and (folder / "sentiment.full.npz").exists():
        scores.append(cross_lingual(root))
    return scores


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render(scores: list[Score]) -> str:
    lines = [
        "| dataset (test split) | metric | fast tier | full tier | published best | target "
        "| per-class F1 (best tier) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for s in scores:
        b = s.benchmark
        target = f"≥ {b.target:.2f}" if b.target is not None else "—"
        classes = ", ".join(f"{label} {value:.3f}" for label, value in s.per_class.items())
        metric = b.metric.replace("_", "-") + f" (n={s.size})"
        lines.append(
            f"| {b.dataset} | {metric} | {_figure(s.fast)} | {_figure(s.full)} | {b.published} "
            f"| {target} | {classes} |"
        )
    return "\n".join(lines)


def write_benchmarks(table: str) -> None:
    """Replace the "Analysis quality" section of BENCHMARKS.md."""
    write_section(
        "Analysis quality",
        "`vastaa model eval` (official test splits; committed held-back splits where a dataset "
        "has none; the models are trained by `vastaa model train` on the training splits only)."
        f"\n\n{table}\n",
    )
