"""Phrasing an answer with a chat model, then checking it before anyone sees it.

The model is shown the facts (numbers computed by code) and the packed quotes, and asked to
phrase them. Its reply is verified (ask/verifier.py); on problems it gets one retry that names
them; if that fails too, or the model cannot be reached, the caller's template answer is used
instead, so a question always gets a grounded answer and never an error from the model.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from ask.facts import Evidence
from ask.packing import Packed, pack, render_facts, render_quotes
from ask.verifier import Problem, default_detector, verify
from enrichment.language import LanguageDetector
from hark.settings import Settings
from hark.tokens import count_tokens
from prompts import Prompt, load_prompt

log = logging.getLogger("hark.llm")

ANSWER_PROMPT = ("answer", 3)
RETRY_PROMPT = ("answer_retry", 1)
_SPLIT = "\n=== user ===\n"
# Reasoning models served by vLLM/Ollama may leave their thinking in the content.
_THINKING = re.compile(r"<think>.*?</think>", re.S)
LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Russian",
    "kk": "Kazakh",
    "be": "Belarusian",
    "uk": "Ukrainian",
    "ar": "Arabic",
    "fa": "Persian",
    "ka": "Georgian",
}


@dataclass
class LLMAnswer:
    text: str
    attempts: int
    problems: list[Problem]
    prompt_name: str
    prompt_version: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    fell_back: bool
    citable: set[int] = field(default_factory=set)  # quote ids the model was shown (packed)


class LLMComposer:
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
        self.answer_prompt = load_prompt(*ANSWER_PROMPT)
        self.retry_prompt = load_prompt(*RETRY_PROMPT)
        self._detector = detector

    @property
    def detector(self) -> LanguageDetector:
        # Built on first use: lingua's models take seconds to load.
        if self._detector is None:
            self._detector = default_detector(tuple(self.settings.languages))
        return self._detector

    def compose(
        self, *, question: str, language: str, evidence: Evidence, template_answer: str
    ) -> LLMAnswer:
        packed = pack(evidence, self.settings.llm_context_tokens)
        names = {
            "language": language,
            "language_name": LANGUAGE_NAMES.get(language.lower(), language),
        }
        system, user = _split(self.answer_prompt)
        messages: list[BaseMessage] = [SystemMessage(system.render(**names))] if system else []
        messages.append(HumanMessage(user.render(question=question, **_blocks(packed), **names)))
        result = LLMAnswer(
            text=template_answer,
            attempts=0,
            problems=[],
            prompt_name=self.answer_prompt.name,
            prompt_version=f"v{self.answer_prompt.version}",
            model=self.model,
            prompt_tokens=0,
            completion_tokens=0,
            fell_back=True,
            citable=packed.quote_ids,
        )
        for attempt, prompt in enumerate((self.answer_prompt, self.retry_prompt), start=1):
            if attempt == 2:
                retry = prompt.render(
                    problems="\n".join(f"- {p.kind}: {p.detail}" for p in result.problems),
                    citable=", ".join(str(i) for i in sorted(packed.quote_ids)) or "(none)",
                    **names,
                )
                messages.append(HumanMessage(retry))
            result.attempts = attempt
            reply = self._generate(messages, prompt, result)
            if reply is None:
                return result  # a model error: fall back with what was recorded
            text = _THINKING.sub("", reply.text).strip()
            result.problems = self._verify(text, evidence, language, packed)
            if not result.problems:
                result.text, result.fell_back = text, False
                return result
            messages.append(AIMessage(text))
        log.warning(
            "answer failed verification twice; using the template answer: %s",
            "; ".join(p.detail for p in result.problems),
        )
        return result

    def _verify(
        self, text: str, evidence: Evidence, language: str, packed: Packed
    ) -> list[Problem]:
        candidates = [code.lower() for code in self.settings.languages]
        check_language = len(candidates) > 1 and language.lower() in candidates
        return verify(
            text,
            evidence,
            language=language if check_language else None,
            citable=packed.quote_ids,
            detector=self.detector if check_language else None,
        )

    def _generate(
        self, messages: list[BaseMessage], prompt: Prompt, result: LLMAnswer
    ) -> AIMessage | None:
        """One model call, logged with its prompt and usage; None (and a problem) on error."""
        try:
            reply = self.chat.invoke(messages)
        except Exception as exc:  # any failure of the model or the network falls back
            log.warning("model call failed (%s v%d): %r", prompt.name, prompt.version, exc)
            result.problems = [*result.problems, Problem("model_error", f"{exc!r}"[:500])]
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
        result.model = str(model)
        result.prompt_tokens += prompt_tokens
        result.completion_tokens += completion_tokens
        log.info(
            "generation prompt=%s version=v%d model=%s prompt_tokens=%d completion_tokens=%d "
            "usage=%s",
            prompt.name,
            prompt.version,
            model,
            prompt_tokens,
            completion_tokens,
            "reported" if usage else "counted",
        )
        return reply


def _split(prompt: Prompt) -> tuple[Prompt | None, Prompt]:
    """The system and user halves of a prompt file, split before rendering so that nothing a
    quote says can move the split."""
    system, sep, user = prompt.template.partition(_SPLIT)
    if not sep:
        return None, prompt
    return (
        Prompt(prompt.name, prompt.version, system.strip() + "\n"),
        Prompt(prompt.name, prompt.version, user),
    )


def _blocks(packed: Packed) -> dict[str, str]:
    quotes = render_quotes(packed.quotes) if packed.quotes else "(no quotes)"
    return {"facts": render_facts(packed.facts), "quotes": quotes}
