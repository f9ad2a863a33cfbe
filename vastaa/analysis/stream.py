"""``vastaa analyze``: JSON lines in, one JSON line out per input, in order. Lines that have
already arrived are analysed together (faster), but nothing waits for more input, so a caller
that writes one line and waits for its answer gets it."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from typing import BinaryIO

from vastaa.analysis.analyzer import Analyzer, TextIn

CHUNK = 1 << 16


def available_lines(stream: BinaryIO) -> Iterator[list[bytes]]:
    """Batches of the complete lines available now; the last line may lack its newline."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        yield from _in_memory(stream)  # not a file (a test runner's buffer): read it all
        return
    pending = b""
    while chunk := os.read(fd, CHUNK):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        if lines:
            yield lines
    if pending.strip():
        yield [pending]


def _in_memory(stream: BinaryIO) -> Iterator[list[bytes]]:
    lines = stream.read().split(b"\n")
    for start in range(0, len(lines), 256):
        yield lines[start : start + 256]


def parse(line: bytes) -> TextIn | str:
    """A ``TextIn``, or the reason the line is not one."""
    try:
        data = json.loads(line)
    except ValueError as error:
        return f"invalid JSON: {error}"
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return 'each line must be a JSON object with a "text" string'
    lang = data.get("lang")
    if lang is not None and not (isinstance(lang, str) and 2 <= len(lang) <= 3):
        return '"lang" must be an ISO 639-1 code such as "fi"'
    return TextIn(data["text"], lang.lower() if lang else None)


def analyze_lines(analyzer: Analyzer, lines: list[bytes]) -> tuple[list[str], int]:
    """One output line per non-blank input line, and how many inputs were refused."""
    parsed = [parse(line) for line in lines if line.strip()]
    good = [item for item in parsed if isinstance(item, TextIn)]
    results = iter(analyzer.analyze(good))
    out, refused = [], 0
    for item in parsed:
        if isinstance(item, TextIn):
            out.append(json.dumps(next(results).as_json(), ensure_ascii=False))
        else:
            refused += 1
            out.append(json.dumps({"error": item}, ensure_ascii=False))
    return out, refused
