"""The chat model behind answers and plans: any OpenAI-compatible endpoint through langchain's
``ChatOpenAI`` (OpenAI, vLLM, Ollama, llama.cpp server), built from settings.

Parameter names are those of langchain-openai 1.7 (``base_url``, ``api_key``, ``model``,
``timeout``, ``max_retries`` are the aliases of its fields).
"""

from __future__ import annotations

from langchain_openai import ChatOpenAI

from hark.settings import Settings

# The openai client retries 408/409/429/5xx and connection errors with backoff. Once is enough:
# the composer falls back to the offline answer rather than keep a question waiting.
DEFAULT_MAX_RETRIES = 1


def make_chat(settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> ChatOpenAI:
    """The configured chat model. Callers check ``settings.llm_base_url`` first: without it
    answers stay offline (the template composer) and there is no model to build."""
    if not settings.llm_base_url:
        raise ValueError("HARK_LLM_BASE_URL is not set; there is no chat model to build")
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        model=settings.llm_model,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout_s,
        max_retries=max_retries,
        # Always Chat Completions: self-hosted servers rarely implement OpenAI's Responses API,
        # which langchain would otherwise pick for some model names.
        use_responses_api=False,
        # Token usage is read from the response; streaming is not used.
        streaming=False,
    )
