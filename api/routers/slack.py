"""/v1/slack: the Slack app's Events API (app mentions, direct messages) and ``/hark`` slash
command endpoints. Authenticated by Slack's request signature, not by API keys; left out of
the OpenAPI document, since Slack, not API clients, defines what they take."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from integrations.bots import read_body
from integrations.slack import SlackBot

router = APIRouter(prefix="/v1/slack", tags=["slack"], include_in_schema=False)
_LOCK = threading.Lock()


def slack_bot(request: Request) -> SlackBot:
    """The app's Slack bot: ``app.state.slack_bot`` if one was set (e.g. with a conversational
    answerer), else one over the ask service, made on first use."""
    state = request.app.state
    with _LOCK:
        bot: SlackBot | None = getattr(state, "slack_bot", None)
        if bot is None:
            container = state.container
            bot = state.slack_bot = SlackBot(container.settings, container.chat.answer_for)
    return bot


async def _body(request: Request, bot: SlackBot) -> bytes:
    return await read_body(
        request.stream(),
        request.headers.get("content-length"),
        bot.settings.bot_max_body_bytes,
    )


@router.post("/events")
async def events(request: Request) -> JSONResponse:
    """Slack's Events API: url_verification, and questions answered in their thread later."""
    bot = slack_bot(request)
    reply = bot.handle_event(await _body(request, bot), request.headers)
    # Acknowledged means handled: a retry of this delivery would only be dropped.
    return JSONResponse(reply, headers={"X-Slack-No-Retry": "1"})


@router.post("/commands")
async def commands(request: Request) -> JSONResponse:
    """The ``/hark <question>`` slash command: an ephemeral acknowledgement now, the answer
    through the command's response_url when it is ready."""
    bot = slack_bot(request)
    return JSONResponse(bot.handle_command(await _body(request, bot), request.headers))
