"""The brief service: make a brief now (for a period, or the last whole week), keep it with its
facts, fetch and re-render old ones. Schedules and delivery call ``make`` like any front-end.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError
from sqlalchemy import Engine

from hark.errors import ErrorCode, HarkError
from hark.settings import Settings

if TYPE_CHECKING:
    from ask.plan import PlanWindow
    from briefs.model import Brief, BriefFilters
    from services.ask import AskService

Format = Literal["markdown", "json", "html", "text"]
FORMATS: tuple[str, ...] = ("markdown", "json", "html", "text")
MAX_PERIOD_DAYS = 366
MAX_LIST = 100


def parse_period(text: str, tz: tzinfo) -> PlanWindow:
    """ "2015-02-16..2015-02-22" (whole days, both included, in ``tz``), or one day."""
    from briefs.content import window

    first, sep, last = text.strip().partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if sep else start
    except ValueError:
        raise HarkError(
            ErrorCode.VALIDATION,
            f"period {text!r} is not FIRST..LAST in ISO dates (2015-02-16..2015-02-22)",
        ) from None
    if end < start:
        raise HarkError(ErrorCode.VALIDATION, f"period {text!r} ends before it starts")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise HarkError(ErrorCode.VALIDATION, f"a brief covers at most {MAX_PERIOD_DAYS} days")
    return window(_midnight(start, tz), _midnight(end + timedelta(days=1), tz), tz)


def last_week(reference: datetime, tz: tzinfo) -> PlanWindow:
    """The last whole week (Monday to Sunday, in ``tz``) that ends on or before the
    reference day: a Monday-morning brief covers the week just ended."""
    from briefs.content import window

    day = reference.astimezone(tz).date()
    # A reference on Sunday closes that week; any other day, the week before.
    end = day + timedelta(days=1) if day.weekday() == 6 else day - timedelta(days=day.weekday())
    return window(_midnight(end - timedelta(days=7), tz), _midnight(end, tz), tz)


def days_before(reference: datetime, tz: tzinfo, days: int) -> PlanWindow:
    """The ``days`` whole days that end with the day before ``reference`` (in ``tz``)."""
    from briefs.content import window

    end = reference.astimezone(tz).date()
    return window(_midnight(end - timedelta(days=days), tz), _midnight(end, tz), tz)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def filters_key(filters: BriefFilters) -> str:
    return json.dumps(filters.model_dump(), sort_keys=True, ensure_ascii=False)[:1024]


class BriefService:
    def __init__(self, settings: Settings, engine: Callable[[], Engine], ask: AskService) -> None:
        self.settings = settings
        self._engine = engine
        self._ask = ask

    def make(
        self,
        workspace: str,
        *,
        period: str | PlanWindow | None = None,
        language: str = "en",
        filters: BriefFilters | None = None,
        schedule_id: int | None = None,
        baseline_periods: int | None = None,
        use_llm: bool = True,
        save: bool = True,
    ) -> Brief:
        """The brief of ``period`` (a "FIRST..LAST" text or a window; by default the last
        whole week before the latest mention) against the period before, stored unless
        ``save`` is false."""
        from briefs.content import BASELINE_PERIODS, BriefRequest, Workspace, build_brief
        from briefs.model import Brief, BriefFilters

        if language not in self.settings.languages:
            raise HarkError(
                ErrorCode.VALIDATION,
                f"language {language!r} is not one of HARK_LANGUAGES "
                f"({', '.join(self.settings.languages)})",
            )
        filters = filters or BriefFilters()
        asker = self._ask.asker
        tz = asker.timezone_for(workspace)
        vocab = asker.vocabulary.get(workspace)
        if period is None:
            from ask.planner import reference_time

            window = last_week(reference_time(vocab, self.settings.ask_reference_date), tz)
        elif isinstance(period, str):
            window = parse_period(period, tz)
        else:
            window = period
        key = filters_key(filters)
        engine = self._engine()
        previous = None
        with engine.connect() as conn:
            from store import briefs as store

            row = store.latest_before(
                conn,
                workspace=workspace,
                period_start=window.start,
                schedule_id=schedule_id,
                filters_key=key,
            )
        if row is not None:
            try:
                previous = Brief.model_validate({**row.body, "id": row.id})
            except ValidationError:  # a brief stored by an older Hark: no "since last"
                previous = None
        ws = Workspace(
            engine=engine,
            evidence=lambda plan: asker.evidence(workspace, plan, vocab=vocab, tz=tz),
            tz=tz,
            display=(
                {e.id: e.name for e in vocab.entities.entities}
                if vocab.entities is not None
                else {}
            ),
            has_entities=vocab.entities is not None and bool(vocab.entities.entities),
            topic_names=(
                {t.id: t.name for t in vocab.topics.taxonomy.topics}
                if vocab.topics is not None
                else {}
            ),
        )
        request = BriefRequest(
            workspace=workspace,
            period=window,
            language=language,
            filters=filters,
            timezone=getattr(tz, "key", "UTC"),
            baseline_periods=BASELINE_PERIODS if baseline_periods is None else baseline_periods,
        )
        brief = build_brief(ws, request, previous)
        brief.schedule = schedule_id
        if use_llm and asker.llm is not None:
            self._phrase_summary(brief, asker.llm)
        brief.created_at = datetime.now(UTC)
        if save:
            with engine.begin() as conn:
                from store import briefs as store

                brief.id = store.save(
                    conn,
                    workspace=workspace,
                    schedule_id=schedule_id,
                    period_start=window.start,
                    period_end=window.end,
                    language=brief.language,
                    filters_key=key,
                    headline=brief.headline,
                    body=brief.model_dump(mode="json"),
                    created_at=brief.created_at,
                )
        return brief

    def _phrase_summary(self, brief: Brief, llm: Any) -> None:
        """A model phrases the key figures and what to look at from the brief's facts; the
        answer verifier checks it (numbers, cited ids, language) and the template summary
        stays where it fails."""
        from ask.facts import Evidence
        from prompts import load_prompt

        t0 = time.perf_counter()
        prompt = load_prompt("brief_summary", 1)
        evidence = Evidence(facts=brief.facts(), quotes=brief.quotes)
        template = "\n".join([brief.headline, brief.summary, *(a.text for a in brief.actions)])
        result = llm.compose(
            question=prompt.render(),
            language=brief.language,
            evidence=evidence,
            template_answer=template,
        )
        if result.fell_back:
            brief.warnings.append(
                "the model's summary failed the checks ("
                + "; ".join(p.detail for p in result.problems)[:300]
                + "), so the template summary is shown"
            )
        else:
            brief.summary, brief.composer = result.text, "llm"
        brief.timings_ms["compose"] = round((time.perf_counter() - t0) * 1000, 1)

    def get(self, workspace: str, brief_id: int) -> Brief:
        from briefs.model import Brief
        from store import briefs as store

        with self._engine().connect() as conn:
            row = store.get(conn, workspace=workspace, brief_id=brief_id)
        if row is None:
            raise HarkError(ErrorCode.NOT_FOUND, f"no brief {brief_id} in this workspace")
        return Brief.model_validate({**row.body, "id": row.id})

    def listing(
        self,
        workspace: str,
        *,
        limit: int = 20,
        before: int | None = None,
        schedule_id: int | None = None,
    ) -> list[dict[str, Any]]:
        from store import briefs as store

        limit = max(1, min(limit, MAX_LIST))
        with self._engine().connect() as conn:
            rows = store.listing(
                conn,
                workspace=workspace,
                limit=limit,
                before_id=before,
                schedule_id=schedule_id,
            )
        from ask.composer_template import period_text

        tz = self._ask.asker.timezone_for(workspace)
        # Periods end at midnight after their last day: labelled as the brief labels them.
        return [
            {
                **r._mapping,
                "period": period_text(
                    r.period_start.astimezone(tz), r.period_end.astimezone(tz), "en"
                ),
            }
            for r in rows
        ]

    def render(self, brief: Brief, fmt: str) -> str:
        """The brief as ``fmt``: "markdown", "json" (every fact), "html" (a self-contained
        page with charts) or "text" (the plain-text part of its e-mail)."""
        if fmt == "json":
            return brief.model_dump_json(indent=2)
        if fmt == "markdown":
            from briefs.markdown import render_markdown

            return render_markdown(brief)
        if fmt == "html":
            from briefs.html import render_html

            return render_html(brief)
        if fmt == "text":
            from briefs.email import render_text

            return render_text(brief)
        raise HarkError(
            ErrorCode.VALIDATION, f"unknown format {fmt!r}; one of {', '.join(FORMATS)}"
        )
