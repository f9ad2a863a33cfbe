"""Measured figures go into BENCHMARKS.md, one ``## Title`` section per measurement, replaced in
place when measured again (by the scripts in benchmarks/ and by ``vastaa model eval --write``)."""

from __future__ import annotations

from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def write_section(title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or add) the ``## title`` section of ``path`` with ``body``."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    header = f"## {title}\n"
    section = f"{header}\n{body.rstrip()}\n"
    if header in text:
        before, rest = text.split(header, 1)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
