"""Measured figures replace their own section of BENCHMARKS.md and leave the others alone."""

from __future__ import annotations

from pathlib import Path

from vastaa.benchmarking import write_section


def test_a_section_is_added_then_replaced_in_place(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    write_section("Ingestion", "first", path)
    write_section("Analysis speed", "fast", path)

    write_section("Ingestion", "second", path)

    text = path.read_text()
    assert "first" not in text and "second" in text and "fast" in text
    assert text.index("## Ingestion") < text.index("## Analysis speed")
