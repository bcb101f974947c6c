"""Phrasing an answer with a chat model, then checking it before anyone sees it.

The model is shown the facts (numbers computed by code) and the packed quotes, and asked to
phrase them. Its reply is verified (ask/verifier.py); on problems it gets one retry that names
them; if that fails too, or the model cannot be reached, the caller's template answer is used
instead, so a question always gets a grounded answer and never an error from the model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from ask.checked_model import CheckedModel, without_thinking
from ask.facts import Evidence
from ask.packing import Packed, pack, render_facts, render_quotes
from ask.verifier import Problem, verify
from enrichment.language import LanguageDetector
from hark.settings import Settings
from prompts import Prompt, load_prompt

log = logging.getLogger("hark.llm")

ANSWER_PROMPT = ("answer", 3)
RETRY_PROMPT = ("answer_retry", 1)
_SPLIT = "\n=== user ===\n"
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


class LLMComposer(CheckedModel):
    def __init__(
        self,
        chat: BaseChatModel,
        settings: Settings,
        *,
        detector: LanguageDetector | None = None,
    ) -> None:
        super().__init__(chat, settings, detector=detector)
        self.answer_prompt = load_prompt(*ANSWER_PROMPT)
        self.retry_prompt = load_prompt(*RETRY_PROMPT)

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
            reply = self.generate(messages, prompt, result)
            if reply is None:
                return result  # a model error: fall back with what was recorded
            text = without_thinking(reply.text)
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
