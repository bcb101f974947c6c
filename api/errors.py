"""One error shape for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hark.errors import ErrorCode, HarkError

log = logging.getLogger("hark.api")

STATUS = {
    ErrorCode.VALIDATION: 422,
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.BATCH_TOO_LARGE: 413,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.BAD_MAPPING: 422,
    ErrorCode.BAD_FILE: 422,
    ErrorCode.BAD_CATALOG: 422,
    ErrorCode.INDEX_UNAVAILABLE: 503,
    ErrorCode.EMBEDDER_UNAVAILABLE: 503,
    ErrorCode.DATABASE_UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}
_HTTP_CODES = {
    405: ErrorCode.METHOD_NOT_ALLOWED,
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    413: ErrorCode.BODY_TOO_LARGE,
}


def error_response(code: ErrorCode, message: str, details: Any = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if code == ErrorCode.UNAUTHORIZED else None
    if code == ErrorCode.RATE_LIMITED and isinstance(details, dict):
        headers = {"Retry-After": str(details["retry_after_s"])}
    return JSONResponse(
        HarkError(code, message, details).to_dict(), status_code=STATUS[code], headers=headers
    )


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [p for p in err.get("loc", ()) if p != "body"]
        message = str(err.get("msg", "")).removeprefix("Value error, ")
        details.append({"loc": loc, "message": message, "type": err.get("type")})
    return details


class CatchUnexpected:
    """Answers an unexpected exception with the error shape and keeps the connection open.

    Starlette's own last-resort handler re-raises after answering, so uvicorn closes a
    keep-alive connection on every 500; this one sits inside it and does not. An exception
    after the response started (a background task) is logged and swallowed: the client has
    its answer, and the work it queued is picked up by the next sync."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                log.exception("error after the response was sent", exc_info=exc)
                return
            if isinstance(exc, OperationalError):
                log.error("database unavailable: %s", exc)
                response = error_response(
                    ErrorCode.DATABASE_UNAVAILABLE, "the database is unavailable"
                )
            else:
                log.exception("unhandled error", exc_info=exc)
                response = error_response(ErrorCode.INTERNAL, "internal error")
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HarkError)
    async def _hark(_: Request, exc: HarkError) -> JSONResponse:
        return error_response(exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        if any(d["type"] == "json_invalid" for d in details):
            return error_response(
                ErrorCode.MALFORMED_JSON, "the request body is not valid JSON", details
            )
        if any(d["loc"] == [] for d in details):
            # FastAPI reads a body as JSON only under a JSON content type; otherwise the body
            # looks missing. Say what is wrong with what was sent instead.
            body = await request.body()
            if body.strip():
                try:
                    sent = json.loads(body)
                except ValueError:
                    return error_response(
                        ErrorCode.MALFORMED_JSON, "the request body is not valid JSON", details
                    )
                content_type = request.headers.get("content-type", "")
                if _is_json_type(content_type) and not isinstance(sent, dict):
                    return error_response(
                        ErrorCode.VALIDATION,
                        f"the request body must be a JSON object, not {_json_kind(sent)}",
                        details,
                    )
                return error_response(
                    ErrorCode.VALIDATION,
                    "send the JSON body with 'Content-Type: application/json'",
                    details,
                )
        return error_response(
            ErrorCode.VALIDATION, "the request does not match the schema", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.VALIDATION)
        response = error_response(code, str(exc.detail))
        response.status_code = exc.status_code
        return response

    @app.exception_handler(OperationalError)
    async def _database(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc)
        return error_response(ErrorCode.DATABASE_UNAVAILABLE, "the database is unavailable")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(ErrorCode.INTERNAL, "internal error")


def _json_kind(value: object) -> str:
    """What a parsed JSON value is, in JSON's own words."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _is_json_type(content_type: str) -> bool:
    """FastAPI's rule for reading a body as JSON: application/json or application/*+json."""
    main, _, sub = content_type.split(";", 1)[0].strip().lower().partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))
