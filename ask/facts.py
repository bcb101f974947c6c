"""What an answer is made of: facts computed from the data (numbers from code) and quotes of
the mentions behind them. Composers only phrase these; the verifier checks answers against
them. Everything here is returned to the caller, so they can see what the answer rests on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from ask.untrusted import safe_url


class Fact(BaseModel):
    id: str = Field(description="Stable within one answer: f1, f2, ...")
    kind: str = Field(
        description="window, count, share, change, driver, spike, comparison, breakdown, caveat"
    )
    statement: str = Field(description="The fact in plain English with its numbers as shown.")
    numbers: list[float] = Field(
        default_factory=list,
        description="Every number the statement shows, as shown (percentages in percent).",
    )
    data: dict[str, Any] = Field(default_factory=dict, description="The structured values.")
    citations: list[int] = Field(
        default_factory=list, description="Ids of quotes (mentions) that illustrate this fact."
    )


class Quote(BaseModel):
    id: int = Field(description="Mention id; cited in answers as [id].")
    text: str
    source: str
    created_at: datetime | None = None
    url: str | None = None
    sentiment: str | None = None
    language: str | None = None
    illustrates: str | None = Field(
        None, description="Id of the fact (e.g. a driver) this quote was chosen to show."
    )

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str | None) -> str | None:
        # A mention's url field is the poster's: only an http(s) link may travel on with it.
        return safe_url(url)


class Evidence(BaseModel):
    facts: list[Fact] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)

    def quote_ids(self) -> set[int]:
        return {q.id for q in self.quotes}

    def allowed_numbers(self) -> set[float]:
        return {float(n) for f in self.facts for n in f.numbers}
