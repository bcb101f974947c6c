"""What every checked model call shares: the chat model, the language detector the checks use
(built on first use), and one logged call that accounts for its tokens. Answers
(ask/composer_llm.py) and reply drafts (ask/reply_llm.py) each add their prompt and checks."""

from __future__ import annotations

import logging
import re
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from ask.verifier import Problem, default_detector
from enrichment.language import LanguageDetector
from hark.settings import Settings
from hark.tokens import count_tokens
from prompts import Prompt

log = logging.getLogger("hark.llm")

# Reasoning models served by vLLM/Ollama may leave their thinking in the content.
_THINKING = re.compile(r"<think>.*?</think>", re.S)


def without_thinking(text: str) -> str:
    return _THINKING.sub("", text).strip()


class Spend(Protocol):
    """Where a call's outcome is tallied (an answer's or a draft's result)."""

    problems: list[Problem]
    model: str
    prompt_tokens: int
    completion_tokens: int


class CheckedModel:
    def __init__(
        self,
        chat: BaseChatModel,
        settings: Settings,
        *,
        detector: LanguageDetector | None = None,
    ) -> None:
        self.chat = chat
        self.settings = settings
        self.model = str(getattr(chat, "model_name", None) or settings.llm_model)
        self._detector = detector

    @property
    def detector(self) -> LanguageDetector:
        # Built on first use: lingua's models take seconds to load.
        if self._detector is None:
            self._detector = default_detector(tuple(self.settings.languages))
        return self._detector

    def generate(
        self, messages: list[BaseMessage], prompt: Prompt, spend: Spend, *, attempt: int = 1
    ) -> AIMessage | None:
        """One model call, logged with its prompt and usage; None (and a problem) on error."""
        try:
            reply = self.chat.invoke(messages)
        except Exception as exc:  # any failure of the model or the network falls back
            log.warning("model call failed (%s v%d): %r", prompt.name, prompt.version, exc)
            spend.problems = [*spend.problems, Problem("model_error", f"{exc!r}"[:500])]
            return None
        if not isinstance(reply, AIMessage):  # BaseChatModel.invoke promises one; be sure
            reply = AIMessage(reply.text)
        usage = reply.usage_metadata
        if usage:
            prompt_tokens, completion_tokens = usage["input_tokens"], usage["output_tokens"]
        else:  # the server reported no usage: count what was sent and received
            prompt_tokens = sum(count_tokens(m.text) for m in messages)
            completion_tokens = count_tokens(reply.text)
        model = reply.response_metadata.get("model_name") or self.model
        spend.model = str(model)
        spend.prompt_tokens += prompt_tokens
        spend.completion_tokens += completion_tokens
        log.info(
            "generation prompt=%s version=v%d attempt=%d model=%s prompt_tokens=%d "
            "completion_tokens=%d usage=%s",
            prompt.name,
            prompt.version,
            attempt,
            model,
            prompt_tokens,
            completion_tokens,
            "reported" if usage else "counted",
        )
        return reply
