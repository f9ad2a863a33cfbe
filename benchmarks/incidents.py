"""Incident grouping quality (issue 8): pairwise precision, recall and F1 of
``vastaa.incidents.grouping`` on our own labelled complaints (benchmarks/data/complaints.jsonl:
Finnish, Turkish and English complaints about Kide's products, several problems per product,
paraphrases, cross-language reports of the same fault, isolated one-off complaints).

The problems are split in two halves by a hash of their id: the threshold is chosen on the
development half and the figure reported on the other (test) half, and on everything.

    python benchmarks/incidents.py [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _cpu  # noqa: E402

from vastaa.analysis.encoder import embed_cached  # noqa: E402
from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.incidents.grouping import (  # noqa: E402
    WEIGHTS,
    Catalogue,
    Complaint,
    Signature,
    Weights,
    features,
    group,
    signature,
)

DATA = Path(__file__).resolve().parent / "data" / "complaints.jsonl"
PRODUCTS = Path(__file__).resolve().parent / "data" / "products.json"
START = datetime(2026, 11, 2, tzinfo=UTC)
THRESHOLDS = [round(-3.0 + 0.25 * n, 2) for n in range(17)]


def load() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def half(problem: str) -> str:
    return "dev" if hashlib.sha256(problem.encode()).digest()[0] % 2 == 0 else "test"


def pairwise(truth: Sequence[str], predicted: Sequence[int]) -> tuple[float, float, float]:
    same_true = same_pred = both = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        t = truth[i] == truth[j]
        p = predicted[i] == predicted[j]
        same_true += t
        same_pred += p
        both += t and p
    precision = both / same_pred if same_pred else 1.0
    recall = both / same_true if same_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def catalogue() -> Catalogue:
    products = json.loads(PRODUCTS.read_text(encoding="utf-8"))
    return Catalogue({name: aliases for name, aliases in products.items() if name != "_"})


def evaluate(
    rows: list[dict[str, object]],
    vectors: np.ndarray,
    signatures: list[Signature],
    threshold: float,
    weights: Weights = WEIGHTS,
) -> tuple[float, float, float]:
    complaints = [
        Complaint(
            key=i,
            at=START + timedelta(minutes=int(str(row["minutes"]))),
            vector=vectors[i],
            signature=signatures[i],
        )
        for i, row in enumerate(rows)
    ]
    label = {}
    for number, found in enumerate(group(complaints, threshold=threshold, weights=weights)):
        for key in found.keys:
            label[key] = number
    return pairwise([str(row["problem"]) for row in rows], [label[i] for i in range(len(rows))])


def fitted(
    rows: list[dict[str, object]], vectors: np.ndarray, signatures: list[Signature]
) -> Weights:
    """Weights fitted on every pair of development complaints (logistic regression); the code
    weights are kept, since no error-code problem is in the development half."""
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for i, j in itertools.combinations(range(len(rows)), 2):
        cosine = float(vectors[i] @ vectors[j])
        x.append(features(cosine, signatures[i], signatures[j])[:6])
        y.append(rows[i]["problem"] == rows[j]["problem"])
    model = LogisticRegression(max_iter=1000).fit(x, y)
    c = [round(float(v), 2) for v in model.coef_[0]]
    return Weights(round(float(model.intercept_[0]), 2), *c, code=c[3], other_code=-c[3])


def encoder_only() -> Weights:
    """The first baseline: the encoder's cosine alone."""
    return Weights(0, 1, 0, 0, 0, 0, 0, 0, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--fit", action="store_true", help="print weights fitted on dev")
    args = parser.parse_args()
    rows = load()
    vectors = embed_cached([str(row["text"]) for row in rows])
    products = catalogue()
    signatures = [signature(str(row["text"]), products) for row in rows]
    parts = {name: [i for i, r in enumerate(rows) if half(str(r["problem"])) == name]
             for name in ("dev", "test")}  # fmt: skip

    def run(name: str, threshold: float, weights: Weights) -> tuple[float, float, float]:
        chosen = parts[name] if name in parts else list(range(len(rows)))
        return evaluate(
            [rows[i] for i in chosen],
            vectors[chosen],
            [signatures[i] for i in chosen],
            threshold,
            weights,
        )

    if args.fit:
        dev = parts["dev"]
        print(fitted([rows[i] for i in dev], vectors[dev], [signatures[i] for i in dev]))
        return
    results = {}
    for label, weights, thresholds in (
        ("encoder alone", encoder_only(), [round(0.80 + 0.005 * n, 3) for n in range(31)]),
        ("encoder + products, faults, parts, codes", WEIGHTS, THRESHOLDS),
    ):
        best = max((run("dev", t, weights)[2], t) for t in thresholds)[1]
        results[label] = (best, {name: run(name, best, weights) for name in ("dev", "test", "all")})
    report = render(rows, parts, results)
    print(report)
    if args.write:
        write_section("Incident grouping", report)


def render(
    rows: list[dict[str, object]],
    parts: dict[str, list[int]],
    results: dict[str, tuple[float, dict[str, tuple[float, float, float]]]],
) -> str:
    problems = {str(r["problem"]) for r in rows}
    shared = {p for p in problems if not p.startswith("isolated")}
    langs = {lang: sum(1 for r in rows if r["lang"] == lang) for lang in ("fi", "tr", "en")}
    lines = [
        f"`python benchmarks/incidents.py` on {_cpu()}: pairwise precision, recall and F1 of "
        "the grouping (target F1 ≥ 0.8) on our own labelled complaints "
        f"({len(rows)} complaints: {langs['fi']} Finnish, {langs['tr']} Turkish, "
        f"{langs['en']} English; {len(shared)} problems over five products, "
        f"{len(problems) - len(shared)} isolated complaints). The problems are split in two "
        "halves by a hash of their id: the weights (`--fit`) and the threshold are chosen on "
        "the development half; **test** is the half nothing was chosen on. The product "
        "catalogue is benchmarks/data/products.json. The fault lexicon was written without "
        "the set, then extended from the development half's misses only.",
        "",
        "| grouping | threshold | part | complaints | precision | recall | F1 |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    sizes = {"dev": len(parts["dev"]), "test": len(parts["test"]), "all": len(rows)}
    for label, (threshold, scores) in results.items():
        for name in ("dev", "test", "all"):
            p, r, f = scores[name]
            lines.append(
                f"| {label} | {threshold} | {name} | {sizes[name]} | {p:.3f} | {r:.3f} | {f:.3f} |"
            )
    final = list(results.values())[-1][1]["test"][2]
    if final < 0.8:
        lines += [
            "",
            f"**Under the target on the test half ({final:.2f} < 0.8).** Precision is high; "
            "recall is lost where a complaint names neither the product nor a fault the "
            "lexicon knows (sarcasm, a symptom described in other words), and the encoder alone "
            "does not tell one fault of a product from another.",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
