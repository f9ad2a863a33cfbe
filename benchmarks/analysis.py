"""Analysis speed: messages per second of each tier on ONE core, on real mixed fi/tr/en
messages of 5–40 words (test-split texts of XED fi, TSATweets tr and SemEval-2017 en), in the
batches ``vastaa analyze`` forms; and the memory the loaded models take.

    python benchmarks/analysis.py [--messages 3000] [--full-messages 512] [--runs 3] [--write]

The full tier (about 20 messages a second) runs on the first ``--full-messages`` of them.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _cpu  # noqa: E402

from vastaa.analysis import datasets as ds  # noqa: E402
from vastaa.analysis.analyzer import ANALYZERS, TextIn  # noqa: E402
from vastaa.benchmarking import write_section  # noqa: E402

BATCH = 256


def messages(count: int, seed: int = 5) -> list[str]:
    root = ds.data_dir()
    pools = [
        ds.held_back("xed_fi_sentiment", ds.xed_fi_sentiment(root))[1],
        ds.held_back("tsatweets_tr", ds.tsatweets(root))[1],
        ds.semeval_test(root),
    ]
    rng = random.Random(seed)
    chosen: list[str] = []
    for pool in pools:
        fitting = [e.text for e in pool if 5 <= len(e.text.split()) <= 40]
        chosen.extend(rng.sample(fitting, min(count // 3, len(fitting))))
    rng.shuffle(chosen)
    return chosen


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(tier: str, texts: list[str]) -> float:
    analyzer = ANALYZERS[tier]()
    analyzer.analyze([TextIn("warm up")])
    began = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        analyzer.analyze([TextIn(text) for text in texts[start : start + BATCH]])
    return len(texts) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--full-messages", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    texts = messages(args.messages)
    before = rss_mib()
    rows = []
    memory = []
    for tier, sample in (("fast", texts), ("full", texts[: args.full_messages])):
        rates = [run(tier, sample) for _ in range(args.runs)]
        rows.append((tier, len(sample), statistics.median(rates), min(rates), max(rates)))
        memory.append(rss_mib())
        print(f"{tier}: {rows[-1][2]:,.0f} msgs/s")
    report = render(rows, args, before, memory)
    print(report)
    if args.write:
        write_section("Analysis speed", report)


def render(
    rows: list[tuple[str, int, float, float, float]],
    args: argparse.Namespace,
    before: float,
    memory: list[float],
) -> str:
    lines = [
        f"`python benchmarks/analysis.py --messages {args.messages} --full-messages "
        f"{args.full_messages} --runs {args.runs}` ({platform.machine()}, CPython "
        f"{platform.python_version()}, {_cpu()}; pinned to one core, BLAS and OpenMP threads 1; "
        "real messages of 5–40 words, a third each fi/tr/en, "
        f"batches of {BATCH}; median of the runs; target: fast tier ≥ 2,000 msgs/s, models "
        "≤ 500 MB).",
        "",
        "| tier | messages | msgs/s (median) | min | max | peak memory after |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for (tier, count, median, low, high), peak in zip(rows, memory, strict=True):
        lines.append(
            f"| {tier} | {count} | {median:,.0f} | {low:,.0f} | {high:,.0f} | {peak:,.0f} MiB |"
        )
    lines += [
        "",
        f"Peak memory is the whole process's ({before:,.0f} MiB before any model was loaded, the "
        "test data included); the full tier adds the 4-bit encoder (72 MB file) to the fast "
        "tier's models.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
