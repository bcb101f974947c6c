"""One error type with stable machine-readable codes, shared by the CLI and the API."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    MALFORMED_JSON = "malformed_json"
    BATCH_TOO_LARGE = "batch_too_large"
    BODY_TOO_LARGE = "body_too_large"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    BAD_MAPPING = "bad_mapping"
    BAD_FILE = "bad_file"
    BAD_CATALOG = "bad_catalog"
    INDEX_UNAVAILABLE = "index_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"
    EMBEDDER_UNAVAILABLE = "embedder_unavailable"
    INTERNAL = "internal_error"


class HarkError(Exception):
    def __init__(self, code: ErrorCode, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": {"code": self.code.value, "message": self.message, "details": self.details}
        }
