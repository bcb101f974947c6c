"""/v1/telegram/webhook: the Telegram bot's webhook (set it with setWebhook and the same
secret_token as HARK_TELEGRAM_WEBHOOK_SECRET). Authenticated by that secret, not by API keys;
left out of the OpenAPI document, since Telegram, not API clients, defines what it takes."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from integrations.bots import read_body
from integrations.telegram import WEBHOOK_HEADER, TelegramBot

router = APIRouter(prefix="/v1/telegram", tags=["telegram"], include_in_schema=False)
_LOCK = threading.Lock()


def telegram_bot(request: Request) -> TelegramBot:
    """The app's Telegram bot: ``app.state.telegram_bot`` if one was set (e.g. with a
    conversational answerer), else one over the ask service, made on first use."""
    state = request.app.state
    with _LOCK:
        bot: TelegramBot | None = getattr(state, "telegram_bot", None)
        if bot is None:
            container = state.container
            bot = state.telegram_bot = TelegramBot(container.settings, container.chat.answer_for)
    return bot


@router.post("/webhook")
async def webhook(request: Request) -> JSONResponse:
    """One update: acknowledged at once, answered (with sendMessage) after."""
    bot = telegram_bot(request)
    # The secret first: a stranger's request is refused before its body is read.
    bot.verify(request.headers.get(WEBHOOK_HEADER))
    body = await read_body(
        request.stream(), request.headers.get("content-length"), bot.settings.bot_max_body_bytes
    )
    bot.handle_update(body, request.headers)
    return JSONResponse({"ok": True})
