"""``vastaa model eval``: each classifier on every official test split that fits its task, next
to the published best (the figures named in the issue and in each dataset's SOURCE.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vastaa.analysis import datasets as ds
from vastaa.analysis.classifier import TRAINED, LinearModel
from vastaa.analysis.datasets import Example
from vastaa.analysis.training import TASKS, decide, features_of
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
    benchmark: Benchmark
    value: float
    per_class: dict[str, float]
    size: int


def predict_labels(model: LinearModel, examples: list[Example]) -> list[str]:
    langs = [example.lang for example in examples]
    return decide(model, model.scores(features_of(examples), langs))


def score(benchmark: Benchmark, root: Path, folder: Path = TRAINED) -> Score:
    from sklearn.metrics import f1_score, recall_score

    model = LinearModel.load(benchmark.task, folder)
    examples = benchmark.test(root)
    gold = [example.label for example in examples]
    predicted = predict_labels(model, examples)
    labels = sorted(set(gold))
    per_class = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    if benchmark.metric == "macro_recall":
        value = recall_score(gold, predicted, labels=labels, average="macro", zero_division=0)
    else:
        value = f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
    return Score(
        benchmark,
        float(value),
        dict(zip(labels, map(float, per_class), strict=True)),
        len(examples),
    )


def evaluate_all(root: Path, folder: Path = TRAINED) -> list[Score]:
    return [score(benchmark, root, folder) for benchmark in BENCHMARKS if benchmark.task in TASKS]


def render(scores: list[Score]) -> str:
    lines = [
        "| dataset (test split) | metric | ours (fast tier) | published best | target "
        "| per-class F1 |",
        "|---|---|---:|---:|---:|---|",
    ]
    for s in scores:
        b = s.benchmark
        target = f"≥ {b.target:.2f}" if b.target is not None else "—"
        classes = ", ".join(f"{label} {value:.3f}" for label, value in s.per_class.items())
        metric = b.metric.replace("_", "-") + f" (n={s.size})"
        lines.append(
            f"| {b.dataset} | {metric} | {s.value:.3f} | {b.published} | {target} | {classes} |"
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
