"""The chat service: conversations whose questions are read as follow-ups of the previous turn
(ask/followup.py), kept turn by turn; the same reading for chat clients that keep no state
and resend the history (OpenAI's chat completions); the workspace's assistants (one for the
workspace, one per brand); and answers with numbered references and a list of sources, for
clients that show the text alone.

Imports of the question-answering stack stay inside the methods: the container builds this
service for every command, most of which never chat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from hark.errors import ErrorCode, HarkError
from hark.settings import Settings
from hark.tokens import count_tokens
from store import conversations as store

if TYPE_CHECKING:
    from ask.plan import Plan
    from ask.service import AskResult
    from services.ask import AskService

# A conversation past this many turns is refused: each turn is stored whole.
MAX_TURNS = 500
# Earlier questions read again to resolve a follow-up (within HARK_CHAT_HISTORY_TOKENS): the
# rules carry what a question leaves unsaid from the turn before, so the recent ones settle it.
MAX_HISTORY = 12
MAX_ASSISTANTS = 200
SOURCE_CHARS = 140
# Attempts at numbering a turn when a concurrent message of the same conversation took it.
_TURN_ATTEMPTS = 5
_CITATION = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# A line of the sources list as ``numbered`` writes it: "[1] #570 · twitter · 2015-02-23: …".
_SOURCE_LINE = re.compile(r"(?m)^\[\d+\] #(\d+) · ")
SOURCES_HEADING = {
    "en": "Sources",
    "ru": "Источники",
    "kk": "Дереккөздер",
    "be": "Крыніцы",
    "uk": "Джерела",
    "ar": "المصادر",
    "fa": "منابع",
    "ka": "წყაროები",
}
ASSISTANT = "hark"


@dataclass(frozen=True)
class Assistant:
    """A model name a chat client picks: ``hark`` answers over the workspace, ``hark:<brand>``
    answers questions that name no brand for that brand (a stored brand value or an entity
    id of the catalog)."""

    id: str
    name: str | None = None
    brands: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    """One message of a chat client's history, its text only."""

    role: Literal["system", "user", "assistant"]
    text: str


@dataclass(frozen=True)
class ChatAnswer:
    """An answer with the conversation it belongs to (None: a client that keeps the history
    itself) and its turn number there (from 1)."""

    result: AskResult
    conversation_id: int | None
    turn: int


class Turn(BaseModel):
    turn: int
    question: str
    plan: dict[str, Any] = Field(description="How the question was read, follow-up resolved.")
    answer: str
    language: str
    composer: str
    facts: list[dict[str, Any]]
    citations: list[dict[str, Any]]
    warnings: list[str]
    created_at: datetime


class Conversation(BaseModel):
    id: int
    key: str | None = Field(None, description="What a chat platform calls it, if one does.")
    title: str | None = Field(None, description="The first question, unless one was given.")
    created_at: datetime
    updated_at: datetime
    turns: list[Turn] = Field(default_factory=list)


@dataclass(frozen=True)
class NumberedCitation:
    n: int
    id: int
    in_text: bool


@dataclass(frozen=True)
class Numbered:
    """An answer whose citations read [1], [2] … with a sources list at its end."""

    text: str
    citations: list[NumberedCitation] = field(default_factory=list)


class ChatService:
    def __init__(self, settings: Settings, engine: Callable[[], Engine], ask: AskService) -> None:
        self.settings = settings
        self._engine = engine
        self._ask = ask

    # --- conversations -------------------------------------------------------------------

    def create(self, workspace: str, *, title: str | None = None) -> Conversation:
        with self._engine().begin() as conn:
            conversation_id = store.create(conn, workspace=workspace, title=title)
        return self.get(workspace, conversation_id)

    def get(self, workspace: str, conversation_id: int) -> Conversation:
        """The conversation with every turn; another workspace's is not found."""
        with self._engine().connect() as conn:
            row = self._row(conn, workspace, conversation_id)
            turns = store.turns(conn, conversation_id=conversation_id)
        return Conversation(
            id=row.id,
            key=row.key,
            title=row.title,
            created_at=row.created_at,
            updated_at=row.updated_at,
            turns=[_turn(t) for t in turns],
        )

    def delete(self, workspace: str, conversation_id: int) -> None:
        with self._engine().begin() as conn:
            if not store.remove(conn, workspace=workspace, conversation_id=conversation_id):
                raise _not_found(conversation_id)

    def reply(
        self,
        workspace: str,
        conversation_id: int | None,
        message: str,
        *,
        use_llm: bool = True,
        reference: datetime | None = None,
        assistant: Assistant | None = None,
    ) -> ChatAnswer:
        """Answer ``message`` as the conversation's next turn (a new conversation when
        ``conversation_id`` is None), read against its previous turn, and keep it."""
        from ask.followup import FollowUp
        from ask.plan import Plan

        if conversation_id is None:
            conversation_id = self.create(workspace).id
        with self._engine().connect() as conn:
            self._row(conn, workspace, conversation_id)
            if store.turn_count(conn, conversation_id=conversation_id) >= MAX_TURNS:
                raise HarkError(
                    ErrorCode.VALIDATION,
                    f"conversation {conversation_id} has {MAX_TURNS} turns: start a new one",
                )
            rows = store.turns(conn, conversation_id=conversation_id, last=MAX_HISTORY)
        previous: Plan | None = None
        notes: list[str] = []
        if rows:
            try:
                previous = Plan.model_validate(rows[-1].plan)
            except ValidationError:
                # A plan stored by an older version that no longer validates: the question
                # is read on its own rather than refused.
                notes.append("the previous turn could not be read: this question stands alone")
        follow = FollowUp(
            previous=previous,
            earlier=tuple(self._within_budget([r.question for r in rows])),
            shown=frozenset(c["id"] for r in rows for c in r.citations if "id" in c),
            **_scope(assistant),
        )
        result = self._ask.asker.ask(
            workspace, message, reference=reference, use_llm=use_llm, follow=follow
        )
        result.warnings.extend(notes)
        turn = self._keep(workspace, conversation_id, result)
        return ChatAnswer(result=result, conversation_id=conversation_id, turn=turn)

    def conversation_for(self, workspace: str, key: str) -> int:
        """The id of the conversation a chat platform calls ``key`` (a Slack thread, a
        Telegram chat), made on its first message."""
        key = key[:200]
        with self._engine().connect() as conn:
            found = store.by_key(conn, workspace=workspace, key=key)
        if found is not None:
            return found
        try:
            with self._engine().begin() as conn:
                return store.create(conn, workspace=workspace, key=key)
        except IntegrityError:  # the platform's retry or a second message made it first
            with self._engine().connect() as conn:
                found = store.by_key(conn, workspace=workspace, key=key)
            if found is None:
                raise
            return found

    def answer_for(self, workspace: str, question: str, key: str | None) -> AskResult:
        """A chat bot's answerer (``integrations.bots.Answerer``): a question in a
        conversation the platform names is a follow-up of the one asked before there, and
        is kept; without a name it stands alone."""
        if key is None:
            return self._ask.asker.ask(workspace, question)
        return self.reply(workspace, self.conversation_for(workspace, key), question).result

    # --- chat clients that keep the history ----------------------------------------------

    def complete(
        self,
        workspace: str,
        messages: Sequence[Message],
        *,
        assistant: Assistant | None = None,
        use_llm: bool = True,
        reference: datetime | None = None,
    ) -> ChatAnswer:
        """Answer the last user message of a history a client resent. Earlier user messages
        are read again, in order, each as a follow-up of the one before (rules only: a model
        plans the last one alone), so "and for Delta?" means what it meant in the chat;
        quotes listed in earlier answers' sources are not shown again as more examples."""
        from ask.followup import FollowUp

        questions = [m.text for m in messages if m.role == "user" and m.text.strip()]
        if not questions:
            raise HarkError(
                ErrorCode.VALIDATION, "no user message: the last one is the question to answer"
            )
        earlier = self._within_budget(questions[:-1])
        scope = _scope(assistant)
        previous: Plan | None = None
        for question in earlier:
            try:
                previous = self._ask.asker.plan(
                    workspace,
                    question,
                    reference=reference,
                    use_llm=False,
                    follow=FollowUp(previous=previous, **scope),
                )
            except HarkError:
                continue  # a question that could not be read was not answered either
        shown = frozenset(
            int(i) for m in messages if m.role == "assistant" for i in _SOURCE_LINE.findall(m.text)
        )
        follow = FollowUp(previous=previous, earlier=tuple(earlier), shown=shown, **scope)
        result = self._ask.asker.ask(
            workspace, questions[-1], reference=reference, use_llm=use_llm, follow=follow
        )
        return ChatAnswer(result=result, conversation_id=None, turn=len(questions))

    # --- assistants ----------------------------------------------------------------------

    def assistants(self, workspace: str) -> list[Assistant]:
        """``hark``, then ``hark:<brand>`` for each stored brand value and each catalog
        entity no brand value stands for (the rules planner maps those to the brand)."""
        vocab = self._ask.asker.vocabulary.get(workspace)
        found = [Assistant(id=ASSISTANT)]
        keys = {_key(b) for b in vocab.brands}
        found += [Assistant(id=f"{ASSISTANT}:{b}", name=b, brands=(b,)) for b in vocab.brands]
        if vocab.entities is not None:
            found += [
                Assistant(id=f"{ASSISTANT}:{e.id}", name=e.name, entities=(e.id,))
                for e in vocab.entities.entities
                if _key(e.id) not in keys and _key(e.name) not in keys
            ]
        return found[:MAX_ASSISTANTS]

    def assistant(self, workspace: str, model: str) -> Assistant:
        """The assistant a model name picks (case aside); not found otherwise."""
        base, sep, brand = model.strip().partition(":")
        if base.strip().lower() == ASSISTANT and not sep:
            return Assistant(id=ASSISTANT)
        if base.strip().lower() == ASSISTANT and brand.strip():
            wanted = _key(brand)
            for found in self.assistants(workspace)[1:]:
                if wanted in {_key(found.id.partition(":")[2]), _key(found.name or "")}:
                    return found
        raise HarkError(
            ErrorCode.NOT_FOUND,
            f"the model {model[:100]!r} does not exist: use 'hark' or 'hark:<brand>' "
            "(GET /v1/models lists them)",
        )

    # --- helpers -------------------------------------------------------------------------

    def _within_budget(self, questions: list[str]) -> list[str]:
        """The newest questions whose tokens fit HARK_CHAT_HISTORY_TOKENS, oldest first."""
        kept: list[str] = []
        used = 0
        for question in reversed(questions[-MAX_HISTORY:]):
            used += count_tokens(question)
            if used > self.settings.chat_history_tokens:
                break
            kept.append(question)
        return kept[::-1]

    def _row(self, conn: Any, workspace: str, conversation_id: int) -> Any:
        row = store.get(conn, workspace=workspace, conversation_id=conversation_id)
        if row is None:
            raise _not_found(conversation_id)
        return row

    def _keep(self, workspace: str, conversation_id: int, result: AskResult) -> int:
        values = {
            "question": result.plan.question,
            "plan": result.plan.model_dump(mode="json"),
            "answer": result.answer,
            "language": result.language,
            "composer": result.composer,
            "facts": [f.model_dump(mode="json") for f in result.facts],
            "citations": [c.model_dump(mode="json") for c in result.citations],
            "warnings": list(result.warnings),
        }
        for _ in range(_TURN_ATTEMPTS):
            try:
                with self._engine().begin() as conn:
                    return store.add_turn(conn, conversation_id=conversation_id, **values)
            except IntegrityError:
                # A concurrent message took the number, or the conversation was deleted
                # meanwhile (then it is not found).
                with self._engine().connect() as conn:
                    self._row(conn, workspace, conversation_id)
        raise HarkError(ErrorCode.VALIDATION, f"conversation {conversation_id} is busy: send again")


def numbered(result: AskResult) -> Numbered:
    """The answer with its mention-id citations renumbered [1], [2] … in order of first
    citation, and a "Sources:" list (in the answer's language) mapping each number to its
    mention: id, source, day, the start of its text made inert, its http(s) link. A chat
    client that shows only the text still shows where each claim comes from."""
    from ask.untrusted import inert

    by_id = {c.id: c for c in result.citations}
    order: dict[int, int] = {}

    def renumber(m: re.Match[str]) -> str:
        ids = [int(i) for i in re.split(r"[,;]", m[1])]
        if not all(i in by_id for i in ids):
            return m[0]  # not a citation ("[2015]")
        for i in ids:
            order.setdefault(i, len(order) + 1)
        return "[" + ", ".join(str(order[i]) for i in ids) + "]"

    text = _CITATION.sub(renumber, result.answer)
    in_text = list(order)
    for c in result.citations:
        order.setdefault(c.id, len(order) + 1)
    lines = []
    for i in in_text:
        c = by_id[i]
        day = f" · {c.created_at.date().isoformat()}" if c.created_at else ""
        source = inert(c.source)[:60]
        line = f"[{order[i]}] #{i} · {source}{day}: {_clip(inert(c.text), SOURCE_CHARS)}"
        lines.append(line + (f" {c.url}" if c.url else ""))
    if lines:
        heading = SOURCES_HEADING.get(result.language, SOURCES_HEADING["en"])
        text = f"{text}\n\n{heading}:\n" + "\n".join(lines)
    citations = [NumberedCitation(n=order[i], id=i, in_text=i in in_text) for i in order]
    return Numbered(text=text, citations=citations)


def shown_in(text: str) -> list[int]:
    """Mention ids an answer's sources list (``numbered``) names."""
    return [int(i) for i in _SOURCE_LINE.findall(text)]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _scope(assistant: Assistant | None) -> dict[str, Any]:
    if assistant is None or not (assistant.brands or assistant.entities):
        return {}
    return {
        "brands": assistant.brands,
        "entities": assistant.entities,
        "scope_name": assistant.name,
    }


def _turn(row: Any) -> Turn:
    return Turn(
        turn=row.number,
        question=row.question,
        plan=row.plan,
        answer=row.answer,
        language=row.language,
        composer=row.composer,
        facts=row.facts,
        citations=row.citations,
        warnings=row.warnings,
        created_at=row.created_at,
    )


def _not_found(conversation_id: int) -> HarkError:
    return HarkError(ErrorCode.NOT_FOUND, f"no conversation {conversation_id} in this workspace")
