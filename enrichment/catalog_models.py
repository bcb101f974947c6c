"""The shapes of a taxonomy and an entity catalog, as YAML files and API bodies give them.

One set of models for the CLI (`hark taxonomy set`, `hark entities set`) and the API (so `/docs`
shows the schema), with limits that bound what one catalog can cost: every example phrase is
embedded when a version is applied (about 15 ms of CPU each here), and every alias becomes
matcher state. Rules that need the whole catalog (unique ids, known parents, aliases owned by one
entity) stay with the classes that build from these (enrichment/taxonomy.py, entities.py).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from hark.storable import StorableStr

MAX_TOPICS = 300
MAX_EXAMPLES_PER_TOPIC = 50
MAX_PHRASES = 1500  # names, descriptions and examples of all topics: ~20 s to embed, once
MAX_PHRASE_CHARS = 500
MAX_ENTITIES = 1000
MAX_ALIASES_PER_ENTITY = 100
MAX_ALIAS_CHARS = 128

_WORDISH = re.compile(r"\w")


def _has_letters_or_digits(value: str) -> str:
    # A name is also the default id (a slug of it): "!!!" would give an empty id.
    if not _WORDISH.search(unicodedata.normalize("NFKC", value)):
        raise ValueError("needs at least one letter or digit")
    return value


Name = Annotated[
    StorableStr, Field(min_length=1, max_length=128), AfterValidator(_has_letters_or_digits)
]
Phrase = Annotated[StorableStr, Field(min_length=1, max_length=MAX_PHRASE_CHARS)]
Alias = Annotated[StorableStr, Field(min_length=1, max_length=MAX_ALIAS_CHARS)]
OptionalId = Annotated[StorableStr, Field(min_length=1, max_length=128)] | None


class TopicSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name = Field(description="Unique; shown in answers.")
    id: OptionalId = Field(None, description="Stable id; default: a slug of the name.")
    description: StorableStr = Field("", max_length=MAX_PHRASE_CHARS)
    examples: list[Phrase] = Field(
        default_factory=list,
        max_length=MAX_EXAMPLES_PER_TOPIC,
        description="Phrases in any language that speak of the topic.",
    )
    parent: OptionalId = Field(None, description="Id of another topic.")


class TaxonomySpec(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "topics": [
                        {
                            "name": "Delivery",
                            "description": "Couriers, delays, pickup points",
                            "examples": ["the courier was late", "курьер опоздал"],
                        }
                    ]
                }
            ]
        },
    )

    topics: list[TopicSpec] = Field(min_length=1, max_length=MAX_TOPICS)
    threshold: float | None = Field(
        None,
        strict=True,
        allow_inf_nan=False,
        ge=-1,
        le=1,
        description=(
            "Lowest score that assigns a topic, on the scale the taxonomy is scored on"
            " (default: tuned per scale, 0.1 under scoring 2 with three or more topics,"
            " otherwise 0.225); leave it out to keep the tuned default if the scale changes."
        ),
    )
    margin: float | None = Field(
        None,
        strict=True,
        allow_inf_nan=False,
        ge=0,
        le=2,
        description="How far below the best topic a second one may score (default: tuned).",
    )
    scoring: int | None = Field(
        None,
        strict=True,
        ge=1,
        le=2,
        description=(
            "How mentions are scored against topics: 2 (the default) compares them without"
            " what the taxonomy's topics share, from three topics on (one or two topics are"
            " scored as 1); 1 compares them as taxonomies saved before scoring 2 were."
        ),
    )

    @model_validator(mode="after")
    def _phrase_budget(self) -> TaxonomySpec:
        phrases = sum(1 + len(t.examples) for t in self.topics)
        if phrases > MAX_PHRASES:
            raise ValueError(
                f"{phrases} topic names and examples; at most {MAX_PHRASES} in one taxonomy"
            )
        return self


class EntitySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    kind: Literal["brand", "competitor"]
    aliases: list[Alias] = Field(default_factory=list, max_length=MAX_ALIASES_PER_ENTITY)
    id: OptionalId = Field(None, description="A slug ([a-z0-9_-]); default: from the name.")


class EntitiesSpec(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entities": [
                        {"name": "Kaspi", "kind": "brand", "aliases": ["Каспи", "@kaspi_kz"]},
                        {"name": "Halyk", "kind": "competitor", "aliases": ["Халык"]},
                    ]
                }
            ]
        },
    )

    entities: list[EntitySpec] = Field(min_length=1, max_length=MAX_ENTITIES)


_WORDING = {"extra_forbidden": "unknown field", "missing": "required"}


def explain(exc: ValidationError) -> str:
    """One problem as 'topics[0].name: message', the style catalog errors use; an unknown
    field first, since a misspelt key also makes the right one look missing."""
    err = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    where = ""
    for part in err["loc"]:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    message = _WORDING.get(err["type"]) or str(err["msg"]).removeprefix("Value error, ")
    return f"{where or 'catalog'}: {message}"
