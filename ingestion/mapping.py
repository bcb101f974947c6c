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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

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
    "author_type",
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
    # author_type only: cell values that mean "a brand wrote it" (any other value: customer).
    brand_if: tuple[str, ...] = ()

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
    if name == "author_type" and spec.brand_if:
        return "brand" if str(raw) in spec.brand_if else "customer"
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
            raise ValueError(f"bad UTC offset {value!r}") from None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}") from None


# --- the TOML file's shape ------------------------------------------------------------------
# Pydantic models of what a mapping file may hold, so that a mistake is refused before any row
# is read with the path of the value at fault ("fields.created_at.timezone: ..."). They are
# turned into the FieldSpec/Mapping dataclasses above, which is what ingestion uses.


def _scalar(value: Any) -> Any:
    """A value compared with a cell's text (by its string form): no lists or tables."""
    if isinstance(value, (list, dict)):
        raise ValueError(f"{value!r} must be a string, number or boolean")
    return value


class _Table(BaseModel):
    # A misspelt key must not be silently ignored: it would drop a field from every row.
    model_config = ConfigDict(extra="forbid")


class FieldTable(_Table):
    """One ``[fields]`` entry: a column name, or a table of these keys."""

    column: str | None = None
    format: str | None = Field(None, description="strptime pattern, iso, unix or unix_ms")
    timezone: str | None = Field(None, description="IANA name or UTC offset (+05:00)")
    scale: tuple[float, float] | None = Field(None, description="[min, max] of the rating")
    join_key: str | None = None
    template: str | None = None
    hash_of: list[str] = Field(default_factory=list)
    default: Any = None
    strip_suffix: str | None = None
    null_if: list[Any] = Field(default_factory=list, description="values that mean no value")
    brand_if: list[Any] = Field(
        default_factory=list,
        description="author_type only: values of the column that mean a brand's own post "
        '(e.g. inbound = "False"); any other value means a customer',
    )

    @model_validator(mode="before")
    @classmethod
    def _column_name(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_timezone(value)
        return value

    @field_validator("scale", mode="before")
    @classmethod
    def _scale_pair(cls, value: Any) -> Any:
        if value is not None and (not isinstance(value, list) or len(value) != 2):
            raise ValueError("scale must be [min, max]")
        return value

    @field_validator("scale")
    @classmethod
    def _ordered_scale(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] >= value[1]:
            raise ValueError("scale must be [min, max] with min < max")
        return value

    @field_validator("brand_if", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return value if isinstance(value, list) else [value]

    @field_validator("null_if", "brand_if")
    @classmethod
    def _scalars(cls, value: list[Any]) -> list[Any]:
        return [_scalar(v) for v in value]

    @model_validator(mode="after")
    def _has_a_value(self) -> FieldTable:
        if not (self.column or self.template or self.hash_of or self.default is not None):
            raise ValueError("needs a column, template, hash_of or default")
        return self

    def to_spec(self) -> FieldSpec:
        return FieldSpec(
            column=self.column,
            format=self.format,
            timezone=_parse_timezone(self.timezone) if self.timezone is not None else None,
            scale=self.scale,
            join_key=self.join_key,
            template=self.template,
            hash_of=tuple(self.hash_of),
            default=self.default,
            strip_suffix=self.strip_suffix,
            null_if=tuple(str(v) for v in self.null_if),
            brand_if=tuple(str(v) for v in self.brand_if),
        )


class SourceTable(_Table):
    name: str | None = Field(None, description="the mentions' source; default: the file's name")
    type: str = "other"
    format: str | None = Field(None, description="csv | jsonl | json; default: from the suffix")
    encoding: str = "utf-8-sig"

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in {t.value for t in SourceType}:
            raise ValueError(
                f"unknown source type {value!r}; one of {[t.value for t in SourceType]}"
            )
        return value


class MetadataTable(_Table):
    columns: list[str] = Field(default_factory=list)


class FilterTable(_Table):
    include_if: dict[str, Any] = Field(default_factory=dict, description="column = value")

    @field_validator("include_if")
    @classmethod
    def _scalars(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {k: _scalar(v) for k, v in value.items()}


class MappingFile(_Table):
    source: SourceTable = Field(default_factory=SourceTable)
    fields: dict[str, FieldTable] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    metadata: MetadataTable = Field(default_factory=MetadataTable)
    filter: FilterTable = Field(default_factory=FilterTable)

    @field_validator("fields", mode="before")
    @classmethod
    def _mappable(cls, value: Any) -> Any:
        # Checked before the entries, so a misnamed field is reported as such, not as a
        # table with bad keys.
        if isinstance(value, dict):
            bad = set(value) - MAPPABLE_FIELDS
            if bad:
                raise ValueError(
                    f"unknown fields {sorted(bad)}; mappable: {sorted(MAPPABLE_FIELDS)}"
                )
            for required in ("external_id", "text"):
                if required not in value:
                    raise ValueError(f"must map {required!r}")
        return value


_TABLE_OF: dict[str, type[BaseModel]] = {
    "source": SourceTable,
    "metadata": MetadataTable,
    "filter": FilterTable,
}


def _explain(exc: ValidationError) -> str:
    """Each problem as "path.to.value: what is wrong", the path as written in the TOML."""
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        where = ".".join(loc) or "mapping"
        if err["type"] == "extra_forbidden":
            parent = MappingFile if len(loc) == 1 else _TABLE_OF.get(loc[0], FieldTable)
            known = ", ".join(parent.model_fields)
            problems.append(
                f"{where}: unknown {'table' if len(loc) == 1 else 'key'}; known: {known}"
            )
        elif err["type"] == "model_type":
            # Pydantic would name the model class; the file only knows tables.
            what = "a column name or a table" if loc[:1] == ["fields"] else "a table"
            problems.append(f"{where}: must be {what}")
        else:
            problems.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(problems)


def parse_mapping(data: dict[str, Any], name: str) -> Mapping:
    try:
        spec = MappingFile.model_validate(data)
    except ValidationError as exc:
        raise HarkError(ErrorCode.BAD_MAPPING, f"mapping {name!r}: {_explain(exc)}") from None
    return Mapping(
        name=name,
        source=spec.source.name or name,
        source_type=SourceType(spec.source.type),
        format=spec.source.format,
        encoding=spec.source.encoding,
        fields={k: v.to_spec() for k, v in spec.fields.items()},
        labels=dict(spec.labels),
        metadata_columns=tuple(spec.metadata.columns),
        include_if={k: str(v) for k, v in spec.filter.include_if.items()},
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
    return parse_mapping(data, path.stem)


def bundled_mappings() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))
