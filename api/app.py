"""The FastAPI application factory."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from api.errors import CatchUnexpected, install_error_handlers
from api.limits import BRIEFS, CATALOG_WRITES, DISCOVERIES, BodySizeLimit, CostLimiter
from api.routers import (
    ask,
    brief_schedules,
    briefs,
    conversations,
    enrichment,
    health,
    labels,
    mentions,
    openai_compat,
    replies,
    slack,
    telegram,
    workspace,
)
from api.web.router import install_web
from hark import __version__
from hark.settings import Settings, get_settings
from integrations.mcp_server import McpHttp
from services.container import Container


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    settings = settings or get_settings()
    c = container or Container(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _ = c.engine  # migrate before the first request, not during it
        if settings.index_on_start:
            # Pushes whose queued indexing died with the last process are indexed now.
            threading.Thread(target=c.index.catch_up, name="hark-catch-up", daemon=True).start()
        # Scheduled briefs and delivery retries run in this process on the embedded default.
        scheduler = c.brief_schedules.scheduler() if settings.scheduler else None
        if scheduler is not None:
            scheduler.start()
        # The MCP endpoint's requests run in its session manager's task group, which lives
        # as long as the app does.
        async with mcp_http.running():
            yield
        if scheduler is not None:
            scheduler.stop()
        for bot in ("slack_bot", "telegram_bot"):
            if getattr(app.state, bot, None) is not None:
                getattr(app.state, bot).close()
        c.close()

    app = FastAPI(
        title="Hark",
        version=__version__,
        lifespan=lifespan,
        description="Listen to what customers say about a brand; ask grounded "
        "questions. Authenticate with 'Authorization: Bearer <key>' "
        "(create keys with `hark keys create`).",
    )
    app.state.container = c
    app.state.cost_limiter = CostLimiter(
        {
            CATALOG_WRITES: settings.api_catalog_writes_per_hour,
            DISCOVERIES: settings.api_discoveries_per_hour,
            BRIEFS: settings.api_briefs_per_hour,
        }
    )
    # MCP tools at /mcp, behind the same API keys; a brief there spends the same budget.
    mcp_http = McpHttp(c, before_brief=partial(app.state.cost_limiter.spend, budget=BRIEFS))
    install_error_handlers(app)
    # Added first, so it sits innermost: it sees what the routes raise before Starlette's
    # last-resort handler would.
    app.add_middleware(CatchUnexpected)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    app.include_router(health.router)
    app.include_router(mentions.router)
    app.include_router(enrichment.router)
    app.include_router(ask.router)
    app.include_router(workspace.router)
    app.include_router(labels.router)
    app.include_router(brief_schedules.router)
    app.include_router(briefs.router)
    app.include_router(conversations.router)
    app.include_router(openai_compat.router)
    app.include_router(replies.router)
    app.include_router(slack.router)
    app.include_router(telegram.router)
    app.router.routes.append(mcp_http.route("/mcp"))
    # The analysts' web page at /web/, its session cookies standing in for API keys.
    install_web(app)
    return app
