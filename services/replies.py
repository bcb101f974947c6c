"""The reply service: a proposed public reply to one mention, in its language and the brand's
tone (POST /v1/mentions/{id}/reply-draft).

The draft is grounded in what code knows about the mention (its sentiment, the topics found in
it with each clause's sentiment, its rating) and written offline from the phrase files
(ask/reply_template.py); where a model is configured it writes the draft instead, from the
workspace's tone guidance and the mention's text as untrusted data, and its draft is checked
(ask/reply_llm.py) and replaced by the template draft when it fails twice. Nothing is stored:
a draft is a proposal a person edits and posts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine

from ask.reply_template import (
    ReplyContext,
    TopicMention,
    inline_name,
    phrase_language,
    register,
    sign,
    template_reply,
)
from hark.domain import AuthorType, MentionPublic, Sentiment
from hark.errors import ErrorCode, HarkError
from hark.settings import Settings
from services.workspace_settings import ReplyStyle, WorkspaceSettingsService
from store import enrichment as enrichment_store
from store import mentions as mention_store

if TYPE_CHECKING:
    from ask.reply_llm import DraftRequest, ReplyDrafter

log = logging.getLogger("hark.replies")

# A rating at or below this share of its scale reads as a complaint, at or above the second
# as praise, where the mention has no sentiment of its own.
LOW_RATING, HIGH_RATING = 0.4, 0.8


class GroundedTopic(BaseModel):
    id: str
    name: str = Field(description="The taxonomy's name for it.")
    sentiment: Sentiment | None = Field(
        None, description="The sentiment of the part of the text it was read from."
    )


class Grounding(BaseModel):
    sentiment: Sentiment = Field(description="The sentiment the draft answers.")
    topics: list[GroundedTopic] = Field(
        default_factory=list, description="Topics under the active taxonomy, aspect-level."
    )
    rating: float | None = None


class ReplyDraft(BaseModel):
    mention_id: int
    draft: str = Field(description="Plain text; the signature, if set, on its last line.")
    language: str = Field(description="The draft's language (ISO 639-1).")
    tone: Literal["apologetic", "neutral", "grateful"] = Field(
        description="The register: sorry for a complaint, thanks for praise, helpful otherwise."
    )
    composer: Literal["template", "llm"]
    grounded_on: Grounding
    warnings: list[str] = Field(default_factory=list)


class ReplyService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        workspace_settings: WorkspaceSettingsService,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._workspace_settings = workspace_settings

    @cached_property
    def drafter(self) -> ReplyDrafter | None:
        """The model drafter, only where a model endpoint is configured."""
        if not self.settings.llm_base_url:
            return None
        from ask.llm import make_chat
        from ask.reply_llm import ReplyDrafter

        return ReplyDrafter(make_chat(self.settings), self.settings)

    def draft(self, workspace: str, mention_id: int, *, use_llm: bool = True) -> ReplyDraft:
        """A reply to the workspace's mention ``mention_id`` (not found: 404, also for another
        workspace's mention)."""
        mention, names = self._mention(workspace, mention_id)
        style = self._workspace_settings.reply_style(workspace)
        sentiment = _sentiment(mention)
        topics = [
            TopicMention(
                id=t.topic,
                name=names.get(t.topic, t.topic),
                sentiment=t.sentiment.value if t.sentiment else None,
                similarity=t.similarity,
            )
            for t in mention.topics
        ]
        warnings: list[str] = []
        wanted = (mention.language or "").lower()
        language = phrase_language(wanted)
        if not wanted:
            warnings.append("the mention's language is unknown, so the draft is in English")
        elif language != wanted:
            warnings.append(
                f"there are no reply phrases in {wanted!r}, so the template draft is in English"
            )
        if mention.author_type == AuthorType.BRAND:
            warnings.append("the mention was posted by a brand's own account")
        text = template_reply(ReplyContext(language, sentiment.value, topics, style.signature))
        composer: Literal["template", "llm"] = "template"
        drafter = self.drafter
        if use_llm and drafter is not None:
            request = _request(mention, wanted or language, sentiment, topics, style)
            result = drafter.draft(request, template_draft=text)
            if result.fell_back:
                warnings.append(
                    "the model's draft failed the checks ("
                    + "; ".join(p.detail for p in result.problems)[:300]
                    + "), so the template draft is shown"
                )
            else:
                text, composer = sign(result.text, style.signature), "llm"
                language = request.language
        log.info(
            "reply draft workspace=%s mention=%d composer=%s language=%s",
            workspace,
            mention_id,
            composer,
            language,
        )
        return ReplyDraft(
            mention_id=mention.id,
            draft=text,
            language=language,
            tone=register(sentiment.value),
            composer=composer,
            grounded_on=Grounding(
                sentiment=sentiment,
                topics=[GroundedTopic(id=t.id, name=t.name, sentiment=t.sentiment) for t in topics],
                rating=mention.rating,
            ),
            warnings=warnings,
        )

    def _mention(self, workspace: str, mention_id: int) -> tuple[MentionPublic, dict[str, str]]:
        """The mention and the display names of its active taxonomy's topics."""
        from enrichment.taxonomy import Taxonomy

        with self._engine().connect() as conn:
            found = mention_store.get_mentions(conn, workspace=workspace, ids=[mention_id])
            if not found:
                raise HarkError(ErrorCode.NOT_FOUND, f"no mention {mention_id} in this workspace")
            active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
        names: dict[str, str] = {}
        if active is not None and found[0].topics:
            names = {t.id: t.name for t in Taxonomy.from_stored(active.body).topics}
        return found[0], names


def _request(
    mention: MentionPublic,
    language: str,
    sentiment: Sentiment,
    topics: list[TopicMention],
    style: ReplyStyle,
) -> DraftRequest:
    from ask.reply_llm import DraftRequest

    return DraftRequest(
        language=language,
        mention_text=mention.text,
        source=f"{mention.source} ({mention.source_type.value})",
        sentiment=sentiment.value,
        topics=[(inline_name(t.name), t.sentiment) for t in topics],
        rating=_rating_text(mention),
        author=mention.author,
        tone=style.tone,
        signature=style.signature,
    )


def _sentiment(mention: MentionPublic) -> Sentiment:
    """The mention's sentiment; where it has none, what its rating says; else neutral."""
    if mention.sentiment is not None:
        return mention.sentiment
    share = _rating_share(mention)
    if share is not None and share <= LOW_RATING:
        return Sentiment.NEGATIVE
    if share is not None and share >= HIGH_RATING:
        return Sentiment.POSITIVE
    return Sentiment.NEUTRAL


def _rating_share(mention: MentionPublic) -> float | None:
    low, high, value = mention.rating_min, mention.rating_max, mention.rating
    if value is None or low is None or high is None or high <= low:
        return None
    return (value - low) / (high - low)


def _rating_text(mention: MentionPublic) -> str | None:
    if mention.rating is None:
        return None
    if mention.rating_min is not None and mention.rating_max is not None:
        return f"{mention.rating:g} on a scale of {mention.rating_min:g} to {mention.rating_max:g}"
    return f"{mention.rating:g}"
