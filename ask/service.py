"""Answering a question: plan -> analysis (facts, quotes) -> composed answer -> checks.

Numbers come from analytics over SQL; the template composer renders them offline; with a
model configured, the LLM composer phrases them and the verifier checks its answer (retry
once, else the template answer with a warning). Mention text is untrusted data throughout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import Engine

from analytics.scope import Scope
from ask.analysis import ThemesFn, analyse
from ask.composer_template import TemplateComposer
from ask.facts import Evidence, Fact
from ask.followup import FollowUp
from ask.plan import Plan
from ask.planner import RulesPlanner, reference_time
from ask.quotes import QuotePicker, VectorsFor
from ask.untrusted import safe_url
from ask.vocabulary import VocabularyCache
from hark.errors import ErrorCode, HarkError
from store import name_search

log = logging.getLogger("hark.ask")
MAX_QUESTION_CHARS = 2000


class Citation(BaseModel):
    id: int
    text: str
    source: str
    created_at: datetime | None = None
    url: str | None = Field(None, description="The mention's link: http(s) only, else null.")

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str | None) -> str | None:
        # Clients turn this into a link: a javascript: or data: URL from a mention would run.
        return safe_url(url)


class AskResult(BaseModel):
    answer: str
    language: str
    plan: Plan
    facts: list[Fact]
    citations: list[Citation]
    warnings: list[str] = Field(default_factory=list)
    composer: str = Field(description="'template' or 'llm'.")
    timings_ms: dict[str, float] = Field(default_factory=dict)


class Asker:
    def __init__(
        self,
        *,
        engine: Engine,
        planner: RulesPlanner,
        vocabulary: VocabularyCache,
        vectors_for: Callable[[str], VectorsFor],
        embed_query: Callable[[str], np.ndarray],
        llm: Any | None = None,
        llm_planner: Any | None = None,
        reference_setting: str | None = None,
        timezone_for: Callable[[str], tzinfo] | None = None,
        themes: Callable[..., Any] | None = None,
        prevalence_error: Callable[[str | None], dict[str, float]] | None = None,
        sentiment_version: Callable[[str], str | None] | None = None,
    ) -> None:
        self.engine = engine
        # The sentiment model's measured error per language, and the version labelling a
        # workspace now: what bias-aware counts allow for (analytics.prevalence).
        self.prevalence_error = prevalence_error
        self.sentiment_version = sentiment_version
        self.planner = planner
        self.vocabulary = vocabulary
        self.vectors_for = vectors_for
        self.embed_query = embed_query
        self.llm = llm
        self.llm_planner = llm_planner
        self.reference_setting = reference_setting
        self.timezone_for = timezone_for or (lambda _ws: ZoneInfo("UTC"))
        self.themes = themes
        self.template = TemplateComposer()

    def _count_names(self, workspace: str) -> Callable[[list[str]], int]:
        def count(patterns: list[str]) -> int:
            with self.engine.connect() as conn:
                return name_search.count_naming(conn, workspace=workspace, patterns=patterns)

        return count

    def themes_for(self, workspace: str) -> ThemesFn | None:
        if self.themes is None:
            return None
        themes, vectors = self.themes, self.vectors_for(workspace)

        def found(scope: Scope, window: Any, baseline: Any, sentiment: str | None) -> Any:
            return themes(
                self.engine, scope, window, baseline, vectors_for=vectors, sentiment=sentiment
            )

        return found

    def evidence(
        self,
        workspace: str,
        plan: Plan,
        *,
        vocab: Any | None = None,
        tz: tzinfo | None = None,
        exclude: Collection[int] = (),
    ) -> tuple[Evidence, dict[str, str]]:
        """The facts and quotes of a plan over the workspace (numbers from analytics, quotes
        from its mentions), and the display names of the catalog ids they use. Briefs and
        chat build plans of their own and come here, as questions do. Quotes in
        ``exclude`` are not chosen again ("show me more examples" in a conversation)."""
        vocab = vocab if vocab is not None else self.vocabulary.get(workspace)
        tz = tz or self.timezone_for(workspace)
        # Counting runs without the sentiment filter, so shares ("negative: 58 % of all") have
        # their denominator; analytics takes the sentiment as an argument. Quotes are drawn
        # with it: a quote for "negative mentions" is a negative mention.
        scope = Scope(
            workspace,
            plan.filters(with_sentiment=False),
            topics=tuple(plan.topics),
            entities=tuple(plan.entities),
            text_any=tuple(tuple(n.patterns) for n in plan.names),
        )
        quote_scope = replace(scope, filters=plan.filters())
        picker = QuotePicker(
            self.engine, quote_scope, self.vectors_for(workspace), self.embed_query
        )
        # The picker never repeats a quote it used; ones shown before count as used.
        picker._used.update(exclude)
        names = (
            {t.id: t.name for t in vocab.topics.taxonomy.topics} if vocab.topics is not None else {}
        )
        display = (
            {e.id: e.name for e in vocab.entities.entities} if vocab.entities is not None else {}
        )
        evidence = analyse(
            plan,
            scope,
            self.engine,
            picker,
            names,
            display=display,
            tz=ZoneInfo(plan.timezone) if plan.timezone != "UTC" else tz,
            themes=self.themes_for(workspace),
            prevalence_error=self.prevalence_error,
            model_version=self.sentiment_version(workspace) if self.sentiment_version else None,
        )
        return evidence, display

    def plan(
        self,
        workspace: str,
        question: str,
        *,
        reference: datetime | None = None,
        use_llm: bool = True,
        follow: FollowUp | None = None,
    ) -> Plan:
        """How the question is read over the workspace: the rules planner's plan, resolved
        against the conversation's previous turn when ``follow`` is given (ask/followup.py),
        then refined by a configured model. A question that reads as something impossible
        is a validation error."""
        question = _checked(question)
        vocab = self.vocabulary.get(workspace)
        if reference is not None:
            # A day given by the caller counts to its end, as the default reference does.
            reference = reference.replace(tzinfo=UTC) if reference.tzinfo is None else reference
            reference = datetime.combine(reference.astimezone(UTC).date(), clock(23, 59, 59), UTC)
        ref = reference or reference_time(vocab, self.reference_setting)
        tz = self.timezone_for(workspace)
        try:
            plan = self.planner.plan(
                question,
                vocab,
                reference=ref,
                tz=tz,
                count_names=self._count_names(workspace),
            )
            if follow is not None:
                plan = follow.resolve(plan, vocab=vocab, tz=tz)
            if self.llm_planner is not None and use_llm:
                plan = (
                    follow.refine(self.llm_planner, plan, vocab)
                    if follow is not None
                    else self.llm_planner.refine(plan, vocab)
                )
            plan.filters(with_sentiment=False)  # an impossible filter fails here
        except ValidationError as exc:
            # The question reads as something impossible ("5-1 star", "last 0 days").
            err = exc.errors()[0]
            raise HarkError(
                ErrorCode.VALIDATION, f"the question asks for an impossible filter: {err['msg']}"
            ) from None
        return plan

    def ask(
        self,
        workspace: str,
        question: str,
        *,
        reference: datetime | None = None,
        use_llm: bool = True,
        follow: FollowUp | None = None,
    ) -> AskResult:
        """``follow``: the question is a turn of a conversation (ask/followup.py)."""
        question = _checked(question)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        plan = self.plan(workspace, question, reference=reference, use_llm=use_llm, follow=follow)
        vocab = self.vocabulary.get(workspace)
        tz = self.timezone_for(workspace)
        timings["plan"] = (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        evidence, display = self.evidence(
            workspace,
            plan,
            vocab=vocab,
            tz=tz,
            exclude=follow.exclude(plan) if follow is not None else (),
        )
        timings["analyse"] = (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        answer = self.template.compose(plan, evidence, display)
        warnings = list(plan.notes)
        composer = "template"
        if self.llm is not None and use_llm:
            result = self.llm.compose(
                # A follow-up ("and for Delta?") is phrased knowing what it follows.
                question=follow.context(question) if follow is not None else question,
                language=plan.question_language or plan.language,
                evidence=evidence,
                template_answer=answer,
            )
            if result.fell_back:
                warnings.append(
                    "the model's answer failed the checks ("
                    + "; ".join(p.detail for p in result.problems)[:300]
                    + "), so the template answer is shown"
                )
            else:
                answer, composer = result.text, "llm"
        timings["compose"] = (time.perf_counter() - t0) * 1000
        cited = {q.id: q for q in evidence.quotes}
        log.info("ask workspace=%s intent=%s composer=%s", workspace, plan.intent, composer)
        return AskResult(
            answer=answer,
            language=plan.language
            if composer == "template"
            else (plan.question_language or plan.language),
            plan=plan,
            facts=evidence.facts,
            citations=[
                Citation(id=q.id, text=q.text, source=q.source, created_at=q.created_at, url=q.url)
                for q in cited.values()
            ],
            warnings=warnings,
            composer=composer,
            timings_ms={k: round(v, 1) for k, v in timings.items()},
        )


def _checked(question: str) -> str:
    """The question with its whitespace collapsed; empty or overlong ones are refused."""
    question = " ".join(question.split())
    if not question:
        raise HarkError(ErrorCode.VALIDATION, "the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise HarkError(
            ErrorCode.VALIDATION, f"the question is longer than {MAX_QUESTION_CHARS} characters"
        )
    return question
