"""Readers for CSV, JSONL and JSON-array files: each yields (record number, raw record)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hark.errors import ErrorCode, HarkError

FORMATS = ("csv", "jsonl", "json")

# Reviews can be long; the csv module's 128 KiB default field limit is not a data limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class RecordError(ValueError):
    """A record that cannot even be parsed (e.g. a malformed JSONL line)."""


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("ndjson", "jsonl"):
        return "jsonl"
    if suffix in FORMATS:
        return suffix
    raise HarkError(
        ErrorCode.BAD_FILE,
        f"cannot tell the format of {path.name}; pass one of {', '.join(FORMATS)}",
    )


def read_header(path: Path, fmt: str, encoding: str = "utf-8-sig") -> list[str] | None:
    """Column names of a CSV (None for JSON formats, whose keys vary per record)."""
    if fmt != "csv":
        return None
    try:
        with path.open(encoding=encoding, newline="") as fh:
            return next(csv.reader(fh), [])
    except UnicodeDecodeError as exc:
        raise HarkError(ErrorCode.BAD_FILE, f"{path.name} is not {encoding} text: {exc}") from exc
    except LookupError as exc:
        raise HarkError(ErrorCode.BAD_MAPPING, f"unknown encoding {encoding!r}") from exc


def iter_records(
    path: Path, fmt: str, encoding: str = "utf-8-sig"
) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    if not path.is_file():
        raise HarkError(ErrorCode.BAD_FILE, f"no such file: {path}")
    try:
        if fmt == "csv":
            yield from _csv(path, encoding)
        elif fmt == "jsonl":
            yield from _jsonl(path, encoding)
        elif fmt == "json":
            yield from _json_array(path, encoding)
        else:
            raise HarkError(ErrorCode.BAD_FILE, f"unknown format {fmt!r}")
    except UnicodeDecodeError as exc:
        raise HarkError(ErrorCode.BAD_FILE, f"{path.name} is not {encoding} text: {exc}") from exc
    except LookupError as exc:
        raise HarkError(ErrorCode.BAD_MAPPING, f"unknown encoding {encoding!r}") from exc


def _csv(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh)
        for n, row in enumerate(reader, start=1):
            if None in row:
                yield n, RecordError(f"{len(row[None])} more values than columns")
            else:
                yield n, row


def _jsonl(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    with path.open(encoding=encoding) as fh:
        n = 0
        for line in fh:
            if not line.strip():
                continue
            n += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, RecordError(f"malformed JSON: {exc.msg} at column {exc.colno}")
                continue
            yield n, record if isinstance(record, dict) else RecordError("not a JSON object")


def _json_array(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    try:
        data = json.loads(path.read_text(encoding=encoding))
    except json.JSONDecodeError as exc:
        raise HarkError(ErrorCode.BAD_FILE, f"{path.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise HarkError(ErrorCode.BAD_FILE, f"{path.name} must hold a JSON array of objects")
    for n, record in enumerate(data, start=1):
        yield n, record if isinstance(record, dict) else RecordError("not a JSON object")
