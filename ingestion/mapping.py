"""Field mappings: how one source's columns become Mention fields (TOML files).

A mapping names, for each Mention field, a column or a small spec (date format and timezone,
rating scale, JSON list to join, template, hash of columns). Label columns go to a separate
``[labels]`` table that analysis never reads. See README "Mapping format".
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from hark.dates import to_utc
from hark.domain import MentionCreate, SourceType
from hark.errors import ErrorCode, HarkError

BUNDLED_DIR = Path(__file__).parent / "mappings"

MAPPABLE_FIELDS = {
    "external_id",
    "text",
    "title",
    "author",
    "created_at",
    "rating",
    "url",
    "language",
    "location",
    "brand",
    "reach",
    "source_type",
}
_SPEC_KEYS = {
    "column",
    "format",
    "timezone",
    "scale",
    "join_key",
    "template",
    "hash_of",
    "default",
    "strip_suffix",
    "null_if",
}


class RowError(ValueError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class FieldSpec:
    column: str | None = None
    format: str | None = None
    timezone: tzinfo | None = None
    scale: tuple[float, float] | None = None
    join_key: str | None = None
    template: str | None = None
    hash_of: tuple[str, ...] = ()
    default: Any = None
    strip_suffix: str | None = None
    null_if: tuple[str, ...] = ()

    def columns(self) -> set[str]:
        cols = set(self.hash_of)
        if self.column:
            cols.add(self.column)
        return cols


@dataclass(frozen=True)
class Mapping:
    name: str
    source: str
    source_type: SourceType
    format: str | None
    encoding: str
    fields: dict[str, FieldSpec]
    labels: dict[str, str] = field(default_factory=dict)
    metadata_columns: tuple[str, ...] = ()
    include_if: dict[str, str] = field(default_factory=dict)

    def required_columns(self) -> set[str]:
        cols = set(self.labels.values()) | set(self.metadata_columns) | set(self.include_if)
        for spec in self.fields.values():
            cols |= spec.columns()
        return cols

    def check_header(self, header: list[str]) -> None:
        missing = sorted(self.required_columns() - set(header))
        if missing:
            raise HarkError(
                ErrorCode.BAD_MAPPING,
                f"mapping {self.name!r} names columns the file lacks: {missing}",
                {"missing": missing, "available": header},
            )

    def include(self, record: dict[str, Any]) -> bool:
        return all(str(record.get(col, "")) == want for col, want in self.include_if.items())

    def apply(self, record: dict[str, Any]) -> tuple[MentionCreate, dict[str, Any]]:
        """One raw record -> (mention, labels). Raises RowError naming the failing field."""
        values: dict[str, Any] = {"source": self.source, "source_type": self.source_type}
        for name, spec in self.fields.items():
            value = _extract(name, spec, record)
            if value is None:
                continue
            if name == "rating" and spec.scale:
                values["rating_min"], values["rating_max"] = spec.scale
            values[name] = value
        values["metadata"] = {c: _blank_to_none(record.get(c)) for c in self.metadata_columns}
        labels = {name: _blank_to_none(record.get(col)) for name, col in self.labels.items()}
        try:
            mention = MentionCreate.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "row"
            raise RowError(where, err["msg"]) from None
        return mention, labels


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _extract(name: str, spec: FieldSpec, record: dict[str, Any]) -> Any:
    if spec.template:
        try:
            return spec.template.format(**{k: v for k, v in record.items() if k})
        except (KeyError, IndexError) as exc:
            raise RowError(name, f"template needs column {exc}") from None
        except (ValueError, AttributeError) as exc:
            raise RowError(name, f"template cannot be filled: {exc}") from None
    if spec.hash_of:
        parts = [str(record.get(c) or "") for c in spec.hash_of]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    raw = _blank_to_none(record.get(spec.column)) if spec.column else None
    if raw is not None and str(raw) in spec.null_if:
        raw = None
    if raw is None:
        raw = spec.default
    if raw is None:
        return None
    if spec.join_key:
        return _join_json_list(name, raw, spec.join_key)
    if isinstance(raw, str) and spec.strip_suffix and raw.endswith(spec.strip_suffix):
        raw = raw[: -len(spec.strip_suffix)]
    if name == "created_at":
        return parse_datetime(raw, spec.format, spec.timezone)
    if name in ("rating", "reach"):
        try:
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError(number)
        except (TypeError, ValueError):
            raise RowError(name, f"not a number: {str(raw)[:40]!r}") from None
        if name == "reach" and not 0 <= number < 2**31:
            raise RowError(name, f"reach must be between 0 and 2^31: {number}")
        return int(number) if name == "reach" else number
    return raw if isinstance(raw, str) else str(raw)


def _join_json_list(name: str, raw: Any, key: str) -> str:
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
        return " ".join(str(item[key]) for item in items)
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise RowError(name, f"expected a JSON list of objects with {key!r}: {exc}") from None


def parse_datetime(raw: Any, fmt: str | None, tz: tzinfo | None) -> datetime:
    """A date in the given strptime format, 'unix', 'unix_ms' or ISO 8601 (default), as UTC."""
    try:
        if fmt in ("unix", "unix_ms"):
            seconds = float(raw) / (1000 if fmt == "unix_ms" else 1)
            return datetime.fromtimestamp(seconds, UTC)
        text = str(raw).strip()
        if fmt in (None, "iso"):
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = datetime.strptime(text, fmt)
    except (ValueError, OverflowError, OSError) as exc:
        raise RowError(
            "created_at", f"cannot parse {str(raw)[:40]!r} as {fmt or 'ISO 8601'}: {exc}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or UTC)
    try:
        return to_utc(parsed)
    except ValueError as exc:
        raise RowError("created_at", str(exc)) from None


def _parse_timezone(value: str) -> tzinfo:
    if value[:1] in "+-" and ":" in value:
        sign = -1 if value[0] == "-" else 1
        try:
            hours, minutes = value[1:].split(":")
            return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
        except ValueError:
            raise HarkError(ErrorCode.BAD_MAPPING, f"bad UTC offset {value!r}") from None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise HarkError(ErrorCode.BAD_MAPPING, f"unknown timezone {value!r}") from None


def _field_spec(name: str, raw: Any) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(column=raw)
    if not isinstance(raw, dict):
        raise HarkError(ErrorCode.BAD_MAPPING, f"field {name!r} must be a column name or a table")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise HarkError(ErrorCode.BAD_MAPPING, f"field {name!r}: unknown keys {sorted(unknown)}")
    scale = raw.get("scale")
    if scale is not None and (len(scale) != 2 or scale[0] >= scale[1]):
        raise HarkError(ErrorCode.BAD_MAPPING, f"field {name!r}: scale must be [min, max]")
    spec = FieldSpec(
        column=raw.get("column"),
        format=raw.get("format"),
        timezone=_parse_timezone(raw["timezone"]) if "timezone" in raw else None,
        scale=(float(scale[0]), float(scale[1])) if scale else None,
        join_key=raw.get("join_key"),
        template=raw.get("template"),
        hash_of=tuple(raw.get("hash_of", ())),
        default=raw.get("default"),
        strip_suffix=raw.get("strip_suffix"),
        null_if=tuple(str(v) for v in raw.get("null_if", ())),
    )
    if not (spec.column or spec.template or spec.hash_of or spec.default is not None):
        raise HarkError(
            ErrorCode.BAD_MAPPING, f"field {name!r} needs a column, template, hash_of or default"
        )
    return spec


def parse_mapping(data: dict[str, Any], name: str) -> Mapping:
    unknown = set(data) - {"source", "fields", "labels", "metadata", "filter"}
    if unknown:
        raise HarkError(
            ErrorCode.BAD_MAPPING, f"mapping {name!r}: unknown tables {sorted(unknown)}"
        )
    source = data.get("source", {})
    fields_raw = data.get("fields", {})
    bad = set(fields_raw) - MAPPABLE_FIELDS
    if bad:
        raise HarkError(
            ErrorCode.BAD_MAPPING,
            f"mapping {name!r}: unknown fields {sorted(bad)}; mappable: {sorted(MAPPABLE_FIELDS)}",
        )
    for required in ("external_id", "text"):
        if required not in fields_raw:
            raise HarkError(ErrorCode.BAD_MAPPING, f"mapping {name!r} must map {required!r}")
    try:
        source_type = SourceType(source.get("type", "other"))
    except ValueError:
        raise HarkError(
            ErrorCode.BAD_MAPPING,
            f"unknown source type {source.get('type')!r}; one of {[t.value for t in SourceType]}",
        ) from None
    return Mapping(
        name=name,
        source=source.get("name", name),
        source_type=source_type,
        format=source.get("format"),
        encoding=source.get("encoding", "utf-8-sig"),
        fields={k: _field_spec(k, v) for k, v in fields_raw.items()},
        labels=dict(data.get("labels", {})),
        metadata_columns=tuple(data.get("metadata", {}).get("columns", ())),
        include_if={k: str(v) for k, v in data.get("filter", {}).get("include_if", {}).items()},
    )


def load_mapping(name_or_path: str) -> Mapping:
    """A bundled mapping by name (see ``hark mappings``) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = BUNDLED_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise HarkError(
            ErrorCode.BAD_MAPPING,
            f"no mapping {name_or_path!r}; bundled: {', '.join(bundled_mappings())}",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise HarkError(ErrorCode.BAD_MAPPING, f"{path.name}: invalid TOML: {exc}") from exc
    try:
        return parse_mapping(data, path.stem)
    except (TypeError, ValueError, AttributeError, IndexError) as exc:
        # A value of the wrong TOML type (a number where a list belongs, ...).
        raise HarkError(ErrorCode.BAD_MAPPING, f"{path.name}: malformed mapping: {exc}") from exc


def bundled_mappings() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))
