"""The model planner, used when a chat model is configured: the model proposes a plan as
structured output; code validates it against the workspace's vocabulary and the Plan schema.
Whatever fails validation falls back to the rules planner's reading, field by field, and a
model error falls back to the rules plan whole."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError

from ask.plan import Granularity, GroupBy, Intent, Measure, Plan, PlanWindow
from ask.vocabulary import Vocabulary
from hark.dates import shift_date
from hark.domain import Sentiment
from prompts import load_prompt

log = logging.getLogger("hark.llm")


class DayRange(BaseModel):
    start_day: date
    end_day: date


class PlanDraft(BaseModel):
    """What the model decides; dates are calendar days, the end day included."""

    intent: Intent
    start_day: date | None = None
    end_day: date | None = None
    baseline_start_day: date | None = None
    baseline_end_day: date | None = None
    sentiment: Sentiment | None = None
    brands: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    answer_language: str | None = Field(None, description="ISO 639-1 code")
    measure: Measure = "count"
    group_by: GroupBy | None = None
    order: Literal["most", "least"] = "most"
    top_n: int | None = Field(None, ge=1, le=50)
    granularity: Granularity | None = None
    periods: list[DayRange] = Field(default_factory=list, max_length=62)


UTC_ZONE = ZoneInfo("UTC")


def _window(
    start: date | None, end: date | None, label: str, tz: tzinfo = UTC_ZONE
) -> PlanWindow | None:
    if start is None or end is None or end < start:
        return None
    return PlanWindow(
        # Local midnights of the workspace's zone, held in UTC like every window.
        start=datetime.combine(start, time(), tz).astimezone(UTC_ZONE),
        end=datetime.combine(shift_date(end, timedelta(days=1)), time(), tz).astimezone(UTC_ZONE),
        label=f"{label} ({start.isoformat()} – {end.isoformat()})"
        if start != end
        else start.isoformat(),
    )


class LLMPlanner:
    def __init__(self, chat: Any, languages: list[str]) -> None:
        self.prompt = load_prompt("plan", 2)
        self.structured = chat.with_structured_output(PlanDraft)
        self.languages = languages

    def refine(self, rules: Plan, vocab: Vocabulary) -> Plan:
        """The model's reading where it validates, the rules' reading elsewhere."""
        entity_ids = [e.id for e in vocab.entities.entities] if vocab.entities is not None else []
        topic_ids = vocab.topics.ids if vocab.topics is not None else []
        text = self.prompt.render(
            reference=rules.reference.date().isoformat(),
            brands=", ".join(vocab.brands[:200]) or "(none)",
            entities=", ".join(entity_ids) or "(none)",
            topics=", ".join(topic_ids) or "(none)",
            sources=", ".join(vocab.sources[:100]) or "(none)",
            locations=", ".join(vocab.locations[:200]) or "(none)",
            question=rules.question,
        )
        try:
            draft = self.structured.invoke(text)
            if isinstance(draft, dict):
                draft = PlanDraft.model_validate(draft)
        # Any model or client error (HTTP, timeout, malformed output) must not fail the question.
        except Exception as exc:
            log.warning("model planner failed, rules plan used: %s", exc)
            return rules.model_copy(update={"notes": [*rules.notes, "model planner failed"]})
        dropped: list[str] = []

        def known(values: list[str], allowed: list[str], what: str) -> list[str]:
            keep = [v for v in values if v in allowed]
            dropped.extend(f"{what} {v!r}" for v in values if v not in allowed)
            return keep

        tz = ZoneInfo(rules.timezone)
        window = _window(draft.start_day, draft.end_day, "period", tz) or rules.window
        baseline = _window(draft.baseline_start_day, draft.baseline_end_day, "baseline", tz)
        periods = [
            p
            for r in draft.periods
            if (p := _window(r.start_day, r.end_day, "period", tz)) is not None
        ]
        if draft.intent is Intent.WHY_CHANGE and baseline is None:
            baseline = rules.baseline
        if draft.intent is Intent.WHY_CHANGE and (window is None or baseline is None):
            dropped.append("why-question without periods")
            return rules.model_copy(
                update={"notes": [*rules.notes, "model plan lacked periods: rules plan used"]}
            )
        language = draft.answer_language if draft.answer_language in self.languages else None
        update = {
            "intent": draft.intent,
            "window": window,
            "baseline": baseline if draft.intent in (Intent.WHY_CHANGE, Intent.COMPARE) else None,
            "sentiment": draft.sentiment,
            "brands": known(draft.brands, vocab.brands, "brand"),
            "entities": known(draft.entities, entity_ids, "entity"),
            "topics": known(draft.topics, topic_ids, "topic"),
            "sources": known(draft.sources, vocab.sources, "source"),
            "locations": known(draft.locations, vocab.locations, "location"),
            "question_language": language or rules.question_language,
            "measure": draft.measure,
            "group_by": draft.group_by,
            "order": draft.order,
            "top_n": draft.top_n,
            "granularity": draft.granularity,
            "periods": periods if len(periods) >= 2 else [],
            "planner": "llm",
            "notes": [*rules.notes, *(f"model named unknown {d}: dropped" for d in dropped)],
        }
        try:
            return Plan.model_validate({**rules.model_dump(), **update})
        except ValidationError as exc:
            log.warning("model plan invalid, rules plan used: %s", exc)
            return rules.model_copy(update={"notes": [*rules.notes, "model plan was invalid"]})
