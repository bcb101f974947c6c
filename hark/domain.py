"""The domain model: what a mention is, independent of storage and transport."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from hark.dates import AwareUtcDatetime, UtcDatetime, shift
from hark.errors import ErrorCode, HarkError
from hark.storable import INT32_MAX, JsonObject, StorableStr


class SourceType(StrEnum):
    REVIEW = "review"
    SOCIAL = "social"
    SURVEY = "survey"
    SUPPORT = "support"
    NEWS = "news"
    FORUM = "forum"
    OTHER = "other"


class AuthorType(StrEnum):
    """Who wrote a mention. "brand": an official or support account of the brand or of a
    competitor (its replies are not customer voice); "customer": anyone else."""

    CUSTOMER = "customer"
    BRAND = "brand"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class MentionCreate(BaseModel):
    """A mention as a source hands it to Hark (API push or one mapped file row)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: StorableStr = Field(min_length=1, max_length=256)
    source: StorableStr = Field(min_length=1, max_length=128)
    source_type: SourceType = SourceType.OTHER
    text: StorableStr = Field(min_length=1)
    title: StorableStr | None = Field(None, max_length=1000)
    author: StorableStr | None = Field(None, max_length=256)
    created_at: AwareUtcDatetime | None = Field(
        None, description="With an offset; 1900-01-01 to 2199-12-31 (UTC)."
    )
    rating: float | None = Field(None, strict=True, allow_inf_nan=False)
    rating_min: float | None = Field(None, strict=True, allow_inf_nan=False)
    rating_max: float | None = Field(None, strict=True, allow_inf_nan=False)
    url: StorableStr | None = Field(None, max_length=2048)
    language: StorableStr | None = Field(None, min_length=2, max_length=8)
    location: StorableStr | None = Field(None, max_length=256)
    brand: StorableStr | None = Field(None, max_length=256)
    reach: int | None = Field(None, strict=True, ge=0, le=INT32_MAX)
    author_type: AuthorType | None = Field(
        None,
        description="Who wrote it, when the source knows: 'brand' (an official or support "
        "account) or 'customer'. Unset: read from the author handle and the text.",
    )
    metadata: JsonObject = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rating_in_scale(self) -> MentionCreate:
        lo, hi, r = self.rating_min, self.rating_max, self.rating
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError("rating_min must be below rating_max")
        if r is not None and ((lo is not None and r < lo) or (hi is not None and r > hi)):
            raise ValueError(f"rating {r} is outside its scale [{lo}, {hi}]")
        return self


class TopicTag(BaseModel):
    topic: str
    sentiment: Sentiment | None = None
    similarity: float
    clause: str | None = Field(None, description="The part of the text the topic was read from.")


class EntityTag(BaseModel):
    entity: str
    kind: str
    main: bool = Field(description="The mention is about it, not naming it in passing.")
    surface: str


class MentionPublic(BaseModel):
    """A stored mention as the API and CLI show it."""

    id: int
    workspace: str
    source: str
    external_id: str
    source_type: SourceType
    text: str
    title: str | None = None
    author: str | None = None
    created_at: datetime | None = None
    rating: float | None = None
    rating_min: float | None = None
    rating_max: float | None = None
    url: str | None = None
    language: str | None = None
    location: str | None = None
    brand: str | None = None
    reach: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    ingested_at: datetime
    content_hash: str
    duplicate_of: int | None = None
    is_repost: bool = False
    sentiment: Sentiment | None = None
    sentiment_score: float | None = None
    topics: list[TopicTag] = Field(
        default_factory=list, description="Topics under the active taxonomy, aspect-level."
    )
    entities: list[EntityTag] = Field(default_factory=list)
    noise: str | None = Field(
        None, description="Why the mention is left out of counts: mass_posted, link_only."
    )
    author_type: AuthorType | None = Field(
        None, description="'brand' (official/support account) or 'customer'; unset: customer."
    )
    copies: int = Field(0, description="Reposts and near-duplicates collapsed into it.")


class SearchHit(BaseModel):
    mention: MentionPublic
    score: float = Field(description="Cosine similarity to the query, higher is closer.")


class SearchResult(BaseModel):
    query: str
    hits: list[SearchHit]
    method: str = Field(description="'hnsw' (Chroma) or 'exact' (small filtered set).")
    candidates: int | None = Field(None, description="Mentions matching the filters, if counted.")


class SearchFilters(BaseModel):
    """Metadata filters shared by SQL counting and vector search, so both see the same set."""

    model_config = ConfigDict(extra="forbid")

    since: UtcDatetime | None = Field(None, description="created_at >= since (inclusive).")
    until: UtcDatetime | None = Field(None, description="created_at < until (exclusive).")
    sources: list[StorableStr] = Field(default_factory=list)
    source_types: list[SourceType] = Field(default_factory=list)
    languages: list[StorableStr] = Field(default_factory=list)
    brands: list[StorableStr] = Field(default_factory=list)
    locations: list[StorableStr] = Field(default_factory=list)
    sentiments: list[Sentiment] = Field(default_factory=list)
    author_types: list[AuthorType] = Field(
        default_factory=list,
        description="Who wrote the mentions: empty (the default) means customers only, so "
        "brands' own posts and support replies stay out of counts, quotes and search; "
        "['customer', 'brand'] brings them back, ['brand'] shows only them.",
        examples=[["customer", "brand"]],
    )
    rating_min: float | None = Field(None, allow_inf_nan=False)
    rating_max: float | None = Field(None, allow_inf_nan=False)

    @field_validator("since", "until")
    @classmethod
    def _utc_whole_seconds(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        # The bounded type has made it UTC (a bare date or time from a person means UTC).
        # Stored times are whole seconds, and the vector index keeps whole-second stamps:
        # rounding bounds up makes SQL, Chroma and the mirror select the same mentions.
        if value.microsecond:
            value = shift(value.replace(microsecond=0), timedelta(seconds=1))
        return value

    @field_validator("languages")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.lower() for v in values]

    @model_validator(mode="after")
    def _ranges(self) -> SearchFilters:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        if (
            self.rating_min is not None
            and self.rating_max is not None
            and self.rating_min > self.rating_max
        ):
            raise ValueError("rating_min must not exceed rating_max")
        return self

    @classmethod
    def from_params(cls, **params: Any) -> SearchFilters:
        """From the singular parameter names the API and the CLI share (``source=[...]``);
        invalid combinations become a VALIDATION error naming the problem."""
        plural = {
            "source": "sources",
            "source_type": "source_types",
            "language": "languages",
            "brand": "brands",
            "location": "locations",
            "sentiment": "sentiments",
            "author_type": "author_types",
        }
        values = {plural.get(k, k): (v or [] if k in plural else v) for k, v in params.items()}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise HarkError(
                ErrorCode.VALIDATION, err["msg"], {"loc": list(err["loc"]), "message": err["msg"]}
            ) from None

    def value_filters(self) -> list[tuple[str, list[str]]]:
        """(mention field, accepted values) for each set-membership filter: the one list the
        SQL, Chroma and in-memory filter translations all walk."""
        return [
            ("source", self.sources),
            ("source_type", [v.value for v in self.source_types]),
            ("language", self.languages),
            ("brand", self.brands),
            ("location", self.locations),
            ("sentiment", [v.value for v in self.sentiments]),
        ]

    def author_type_rule(self) -> tuple[bool, bool]:
        """(customers, brand) included. Not a set-membership filter like the others: a NULL
        author_type (never classified) counts as a customer, and an empty list means
        customers only. Every translation (SQL, Chroma, the mirror) reads this one rule."""
        chosen = set(self.author_types) or {AuthorType.CUSTOMER}
        return AuthorType.CUSTOMER in chosen, AuthorType.BRAND in chosen

    def is_empty(self) -> bool:
        """Selects every canonical mention. The default filters are not empty: they leave
        brand-authored mentions out, so callers that skip filtering on empty stay right."""
        return (
            self.author_type_rule() == (True, True)
            and self.model_copy(update={"author_types": []}) == SearchFilters()
        )
