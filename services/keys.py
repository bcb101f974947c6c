"""The key service: API keys scoped to one workspace (secrets shown once, stored hashed)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from hark.errors import ErrorCode, HarkError
from store import api_keys
from store.api_keys import ApiKey

__all__ = ["ApiKey", "KeyService"]


class KeyService:
    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine

    def create(self, workspace: str, name: str) -> tuple[ApiKey, str]:
        """The stored key and its secret, which is never stored or shown again."""
        with self._engine().begin() as conn:
            return api_keys.create_key(conn, workspace=workspace, name=name)

    def resolve(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None."""
        with self._engine().connect() as conn:
            return api_keys.resolve_key(conn, plaintext=secret)

    def list(self, workspace: str | None = None) -> list[ApiKey]:
        with self._engine().connect() as conn:
            return api_keys.list_keys(conn, workspace=workspace)

    def revoke(self, key_id: int) -> None:
        with self._engine().begin() as conn:
            if not api_keys.revoke_key(conn, key_id=key_id):
                raise HarkError(ErrorCode.NOT_FOUND, f"no active key with id {key_id}")
