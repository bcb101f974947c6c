"""Input types that accept only what both stores (SQLite and PostgreSQL) can hold.

Refusing at the edge is what keeps one odd value from failing deep inside a write: PostgreSQL
refuses NUL in text and NaN in JSON, neither database nor UTF-8 can hold a lone surrogate,
and an INTEGER column ends at 2^31-1 on PostgreSQL. Query and path integers are read as plain
digits only, because Python's ``int()`` also reads "+1", " 1" and "1_0" (as 10).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

INT32_MAX = 2**31 - 1  # INTEGER on PostgreSQL; ids, versions and run numbers are INTEGER
MAX_JSON_DEPTH = 8
MAX_JSON_ITEMS = 1000  # keys and list items in one metadata object, all levels together

_DIGITS = re.compile(r"[0-9]{1,19}")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def check_text(value: str) -> str:
    """``value`` if both databases can store it; a ValueError naming the problem otherwise."""
    bad = _UNSTORABLE.search(value)
    if bad is not None:
        what = "a NUL character" if bad.group() == "\x00" else "a lone surrogate"
        raise ValueError(f"text contains {what} (at {bad.start()}), which cannot be stored")
    return value


def plain_int(value: Any) -> Any:
    """Digits only for text (query and path parameters); JSON numbers pass, booleans don't."""
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise ValueError("expected a whole number written with digits only")
        return int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("expected a whole number")
        return int(value) if math.isfinite(value) else value
    return value


def check_json(value: Any) -> Any:
    """A JSON value both databases store as given: finite numbers, integers within int64,
    storable strings (keys too), bounded depth and size."""
    items = 0

    def walk(node: Any, depth: int, where: str) -> None:
        nonlocal items
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"{where}: nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, dict):
            items += len(node)
            for key, child in node.items():
                if not isinstance(key, str):
                    raise ValueError(f"{where}: keys must be strings")
                check_text(key)
                walk(child, depth + 1, f"{where}.{key}")
        elif isinstance(node, list):
            items += len(node)
            for i, child in enumerate(node):
                walk(child, depth + 1, f"{where}[{i}]")
        elif isinstance(node, str):
            try:
                check_text(node)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
        elif isinstance(node, bool) or node is None:
            pass
        elif isinstance(node, int):
            if not -(2**63) <= node < 2**63:
                raise ValueError(f"{where}: integer outside the 64-bit range")
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise ValueError(f"{where}: numbers must be finite (no NaN or Infinity)")
        else:
            raise ValueError(f"{where}: not a JSON value ({type(node).__name__})")
        if items > MAX_JSON_ITEMS:
            raise ValueError(f"more than {MAX_JSON_ITEMS} keys and items")

    walk(value, 0, "$")
    return value


StorableStr = Annotated[str, AfterValidator(check_text)]
"""Text without NUL or lone surrogates."""

PlainInt = Annotated[int, BeforeValidator(plain_int)]
"""An integer written with digits only (no sign, spaces or underscores), or a JSON number."""

DbId = Annotated[int, BeforeValidator(plain_int), Field(ge=1, le=INT32_MAX)]
"""A positive INTEGER key (mention id, catalog version, discovery run) in a path or query."""

BodyId = Annotated[int, Field(strict=True, ge=1, le=INT32_MAX)]
"""The same key in a JSON body, where it must be a JSON integer: "1", 1.0 and true are a
client's bug to report, not a number to guess."""

JsonObject = Annotated[dict[str, Any], AfterValidator(check_json)]
"""A metadata object stored as JSON."""
