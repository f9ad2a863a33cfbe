"""Incident grouping quality (issue 8): pairwise precision, recall and F1 of
``vastaa.incidents.grouping`` on complaints we wrote and labelled (benchmarks/data: Finnish,
Turkish and English complaints about Kide's products, several problems per product, paraphrases,
cross-language reports of the same fault, isolated one-off complaints).

Each file is one stream of complaints over a few days, grouped on its own with its own product
catalogue (``<name>-products.json``, written from the product descriptions before the
complaints). Files are development or test:

- **dev**: the first set (complaints.jsonl) and fresh-a to fresh-j. The space complaints are
  compared in (``--space``: the mean complaint and the nuisance directions), the weights
  (``--fit``) and the threshold were chosen on the first seven of them; the fault lexicon was
  extended from the misses of half of the first set, and later from the problem labels (not the
  complaints) of fresh-e and fresh-f. fresh-c to fresh-j were the test sets of earlier stops;
  they joined dev once they had been measured (fresh-g to fresh-j after the grouping now
  shipped was chosen: the shipped space and weights have not seen them).
- **test**: fresh-k to fresh-n, written by others who saw neither the code nor the other sets,
  and not looked at while anything was chosen.

Each dev stream is measured, and its pairs fitted on, in the space learned from the other dev
streams (``held_out``), so that the space is not judged on the complaints it was learned from.
Pairs are counted within each stream and summed over the streams of a part.

    python benchmarks/incidents.py [--write] [--dev] [--fit] [--space]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _cpu  # noqa: E402

from vastaa.analysis.encoder import embed_cached  # noqa: E402
from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.incidents import grouping  # noqa: E402
from vastaa.incidents.grouping import (  # noqa: E402
    FEATURES,
    THRESHOLD,
    WEIGHTS,
    Catalogue,
    Complaint,
    Pool,
    Weights,
    features,
    group,
    signature,
)

DATA = Path(__file__).resolve().parent / "data"
START = datetime(2026, 11, 2, tzinfo=UTC)
STREAMS = {
    "complaints": "dev",
    "fresh-a": "dev",
    "fresh-b": "dev",
    "fresh-c": "dev",
    "fresh-d": "dev",
    "fresh-e": "dev",
    "fresh-f": "dev",
    "fresh-g": "dev",
    "fresh-h": "dev",
    "fresh-i": "dev",
    "fresh-j": "dev",
    "fresh-k": "test",
    "fresh-l": "test",
    "fresh-m": "test",
    "fresh-n": "test",
}
# How many nuisance directions ``--space`` keeps (chosen on dev, leaving one stream out).
NUISANCE_DIRECTIONS = 25
# The weights before the fresh sets were written (fitted on half of the first set only), with
# the threshold chosen then: the first baseline.
BEFORE = Weights(-5.62, 2.21, 0, 1.23, -1.14, 8.33, -1.41, 2.19, 0, 0, 8.33, -8.33)
# The weights and threshold two stops ago (fitted on three dev sets, before the nuisance
# directions): the second baseline, run without them.
TWO_STOPS_AGO = Weights(-4.77, 1.98, 6.93, 0.69, -2.63, 4.87, -1.35, 0.97, 6.8, -2.35, 5.91, -0.19)
# The previous stop's (fitted on five dev sets, 15 nuisance directions): the third baseline, run
# with its number of directions. Every baseline runs with today's fault lexicon.
PREVIOUS = Weights(-5.25, 2.02, 10.57, 0.71, -2.76, 4.57, -1.32, 0.63, 6.09, -1.36, 4.71, -0.21)
PREVIOUS_DIRECTIONS = 15
PREVIOUS_THRESHOLD = -1.5


@dataclass
class Stream:
    name: str
    part: str
    rows: list[dict[str, str | int]]
    complaints: list[Complaint]

    @classmethod
    def load(cls, name: str, part: str) -> Stream:
        text = (DATA / f"{name}.jsonl").read_text(encoding="utf-8")
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        products = json.loads((DATA / f"{name}-products.json").read_text(encoding="utf-8"))
        catalogue = Catalogue({k: v for k, v in products.items() if k != "_"})
        vectors = embed_cached([str(row["text"]) for row in rows])
        complaints = [
            Complaint(
                key=n,
                at=START + timedelta(minutes=int(row["minutes"])),
                vector=vectors[n],
                signature=signature(str(row["text"]), catalogue, str(row["lang"])),
            )
            for n, row in enumerate(rows)
        ]
        return cls(name, part, rows, complaints)

    def problems(self) -> list[str]:
        return [str(row["problem"]) for row in self.rows]


Counts = tuple[int, int, int]  # pairs truly together, put together, both


def pairs(truth: Sequence[str], predicted: Sequence[int]) -> Counts:
    same_true = same_pred = both = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        t = truth[i] == truth[j]
        p = predicted[i] == predicted[j]
        same_true += t
        same_pred += p
        both += t and p
    return same_true, same_pred, both


def scores(counts: Sequence[Counts]) -> tuple[float, float, float]:
    same_true, same_pred, both = (sum(c[n] for c in counts) for n in range(3))
    precision = both / same_pred if same_pred else 1.0
    recall = both / same_true if same_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(stream: Stream, threshold: float, weights: Weights) -> Counts:
    label = {}
    for number, found in enumerate(group(stream.complaints, threshold=threshold, weights=weights)):
        for key in found.keys:
            label[key] = number
    return pairs(stream.problems(), [label[n] for n in range(len(stream.rows))])


def fitted(streams: Sequence[Stream]) -> Weights:
    """Weights fitted on every pair of complaints within each development stream (logistic
    regression), each stream being the pool of its pairs and compared in the space learned
    from the others."""
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for stream in streams:
        with held_out(stream, streams):
            x_stream, y_stream = pair_features(stream)
        x += x_stream
        y += y_stream
    model = LogisticRegression(max_iter=2000).fit(x, y)
    fitted = dict(zip(FEATURES, (round(float(v), 2) for v in model.coef_[0]), strict=True))
    return Weights(intercept=round(float(model.intercept_[0]), 2), **fitted)


def pair_features(stream: Stream) -> tuple[list[list[float]], list[bool]]:
    """``features`` of every pair of complaints in a stream, the stream being their pool, and
    whether they are about the same problem."""
    pool = Pool.of(stream.complaints)
    vectors = np.stack([c.vector for c in stream.complaints])
    centred = pool.centred(vectors)
    problems = stream.problems()
    x, y = [], []
    for i, j in itertools.combinations(range(len(problems)), 2):
        a, b = stream.complaints[i], stream.complaints[j]
        cosine, moved = float(vectors[i] @ vectors[j]), float(centred[i] @ centred[j])
        x.append(features(cosine, moved, a.signature, b.signature, pool))
        y.append(problems[i] == problems[j])
    return x, y


def space(
    streams: Sequence[Stream], directions: int = NUISANCE_DIRECTIONS
) -> tuple[np.ndarray, np.ndarray]:
    """The mean complaint of the development streams, and the directions in which the reports
    of one problem differ most from their problem's mean (the top eigenvectors of the
    within-problem covariance; isolated complaints left out)."""
    vectors = np.vstack([np.stack([c.vector for c in s.complaints]) for s in streams])
    spread = []
    for stream in streams:
        rows = np.stack([c.vector for c in stream.complaints])
        problems = np.array(stream.problems())
        for problem in set(stream.problems()) - {p for p in problems if p.startswith("isolated")}:
            members = rows[problems == problem]
            spread.append(members - members.mean(axis=0))
    within = np.vstack(spread)
    _, eigenvectors = np.linalg.eigh(within.T @ within / len(within))
    return vectors.mean(axis=0), eigenvectors[:, -directions:].T


@contextmanager
def using(mean: np.ndarray, nuisance: np.ndarray) -> Iterator[None]:
    """The grouping with another space than the shipped one."""
    kept = grouping.MEAN, grouping.NUISANCE
    grouping.MEAN, grouping.NUISANCE = mean.astype(np.float32), nuisance.astype(np.float32)
    try:
        yield
    finally:
        grouping.MEAN, grouping.NUISANCE = kept


def without_nuisance() -> AbstractContextManager[None]:
    """The grouping as it was before the nuisance directions (the previous stop's baseline)."""
    return using(grouping.MEAN, np.zeros((0, grouping.MEAN.shape[0])))


def held_out(
    stream: Stream, dev: Sequence[Stream], directions: int = NUISANCE_DIRECTIONS
) -> AbstractContextManager[None]:
    """For a development stream, the space learned from the other development streams, so that
    it is measured and fitted on as on complaints the space has not seen; the shipped space
    for the rest."""
    if not any(stream is s for s in dev):
        return nullcontext()
    return using(*space([s for s in dev if s is not stream], directions))


def encoder_only() -> Weights:
    """The first baseline: the encoder's cosine alone."""
    zero = dict.fromkeys(FEATURES, 0.0)
    return Weights(intercept=0.0, **(zero | {"cosine": 1.0}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--fit", action="store_true", help="print weights fitted on dev")
    parser.add_argument("--dev", action="store_true", help="the development sets only")
    parser.add_argument(
        "--space", action="store_true", help=f"write {grouping.SPACE.name} from the dev sets"
    )
    args = parser.parse_args()
    if args.dev and args.write:
        parser.error("--write measures the test sets too")
    chosen = {n: p for n, p in STREAMS.items() if p == "dev"} if args.dev else STREAMS
    streams = [Stream.load(name, part) for name, part in chosen.items()]
    dev = [s for s in streams if s.part == "dev"]
    if args.space:
        mean, nuisance = space(dev)
        np.savez(grouping.SPACE, mean=mean.astype(np.float32), nuisance=nuisance.astype(np.float32))
        return
    if args.fit:
        print(fitted(dev))
        return
    results = {}
    for label, weights, thresholds, directions in (
        ("encoder alone", encoder_only(), [round(0.80 + 0.005 * n, 3) for n in range(31)], 0),
        ("first weights: encoder, products, faults, parts, codes", BEFORE, [-1.0], 0),
        ("+ centred encoder, words, language", TWO_STOPS_AGO, [PREVIOUS_THRESHOLD], 0),
        ("+ 15 nuisance directions", PREVIOUS, [PREVIOUS_THRESHOLD], PREVIOUS_DIRECTIONS),
        (f"now (as at the two previous stops): {NUISANCE_DIRECTIONS} directions learned on "
         "seven sets, more fault concepts, refitted", WEIGHTS, [THRESHOLD], NUISANCE_DIRECTIONS),
    ):  # fmt: skip

        def run(
            stream: Stream,
            threshold: float,
            weights: Weights = weights,
            directions: int = directions,
        ) -> Counts:
            with held_out(stream, dev, directions) if directions else without_nuisance():
                return evaluate(stream, threshold, weights)

        best = max((scores([run(s, t) for s in dev])[2], t) for t in thresholds)[1]
        results[label] = (best, {s.name: run(s, best) for s in streams})
    report = render(streams, results)
    print(report)
    if args.write:
        write_section("Incident grouping", report)


def render(streams: list[Stream], results: dict[str, tuple[float, dict[str, Counts]]]) -> str:
    lines = [
        f"`python benchmarks/incidents.py` on {_cpu()}: pairwise precision, recall and F1 of "
        "the grouping (target F1 ≥ 0.8) on complaints we wrote and labelled. Each file is a "
        "stream of a few days grouped on its own with the product catalogue written for it; "
        "pairs are summed over the streams of a part. **dev**: the space complaints are "
        "compared in (the mean complaint and the nuisance directions, `--space`), the weights "
        "(`--fit`) and the threshold were chosen on the first seven of these, and the fault "
        "lexicon was extended from the misses of half of the first set and from the problem "
        "labels of fresh-e and fresh-f; each dev set is grouped, and its pairs fitted on, in the "
        "space learned from the other dev sets. fresh-c to fresh-j were the test sets of "
        "earlier stops (fresh-g to fresh-j joined dev after the grouping now shipped was "
        "chosen, and it has not seen them). **test**: written blind by others (they saw "
        "neither the code nor the other sets) and not looked at while anything was chosen; run "
        "once, after the choices were made. Every grouping runs with today's fault lexicon; the "
        "older ones without the nuisance directions (but with the mean complaint of the other "
        "dev sets) or with as many as they had; the older ones' thresholds were chosen on dev. "
        f"The threshold in use is {THRESHOLD}.",
        "",
        "| set | part | complaints | fi / tr / en | problems | isolated |",
        "|---|---|---:|---|---:|---:|",
    ]
    for s in streams:
        langs = " / ".join(str(sum(r["lang"] == lg for r in s.rows)) for lg in ("fi", "tr", "en"))
        problems = set(s.problems())
        alone = sum(p.startswith("isolated") for p in problems)
        lines.append(
            f"| {s.name} | {s.part} | {len(s.rows)} | {langs} | {len(problems) - alone} | {alone} |"
        )
    lines += [
        "",
        "| grouping | threshold | set | precision | recall | F1 |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for label, (threshold, counts) in results.items():
        rows = [(s.name, [counts[s.name]]) for s in streams]
        for part in ("dev", "test"):
            rows.append((f"**{part}**", [counts[s.name] for s in streams if s.part == part]))
        for name, chosen in rows:
            p, r, f = scores(chosen)
            lines.append(f"| {label} | {threshold} | {name} | {p:.3f} | {r:.3f} | {f:.3f} |")
    threshold, counts = list(results.values())[-1]
    p, r, f = scores([counts[s.name] for s in streams if s.part == "test"])
    if f < 0.8:
        lines += [
            "",
            f"**Under the target on the blind test sets ({f:.2f} < 0.8)**: precision {p:.2f}, "
            f"recall {r:.2f}. On earlier blind sets, precision was lost where problems of one "
            "product share its name and parts (a washing machine that drains badly, leaks at "
            "the door or stays locked: one group). Recall is lost more: read after their run, "
            "the reports of one problem in fresh-g and fresh-h fall into several small groups, "
            "often one per language, where they share no product name (short replies such as "
            "'mine does exactly this now'), no fault the lexicon knows (a turntable that stops, "
            "a clock that resets, a dial that skips, a microphone that hears badly) and no rare "
            "words. F1 varies widely from set to set (rows above).",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
