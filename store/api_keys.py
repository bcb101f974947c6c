"""API keys: random secrets shown once, stored as SHA-256 hashes, scoped to one workspace."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from hark.errors import ErrorCode, HarkError
from hark.storable import check_text
from hark.workspace import is_workspace_name
from store.db import utcnow
from store.tables import api_keys

KEY_PREFIX = "hark_"


@dataclass(frozen=True)
class ApiKey:
    id: int
    workspace: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


_PUBLIC = [api_keys.c[n] for n in ("id", "workspace", "name", "prefix", "created_at", "revoked_at")]


def _hash(secret: str) -> str:
    # Keys are 256-bit random, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(conn: Connection, *, workspace: str, name: str) -> tuple[ApiKey, str]:
    """Returns the stored key and its plaintext, which is never stored or shown again."""
    if not is_workspace_name(workspace):
        raise HarkError(ErrorCode.VALIDATION, f"{workspace!r} is not a workspace name")
    try:
        check_text(name)
    except ValueError as exc:
        raise HarkError(ErrorCode.VALIDATION, f"key name: {exc}") from None
    token = secrets.token_urlsafe(32)
    plaintext = f"{KEY_PREFIX}{token}"
    prefix = plaintext[: len(KEY_PREFIX) + 6]
    now = utcnow()
    key_id = conn.execute(
        api_keys.insert().returning(api_keys.c.id),
        {
            "workspace": workspace,
            "name": name,
            "prefix": prefix,
            "key_hash": _hash(plaintext),
            "created_at": now,
        },
    ).scalar_one()
    return ApiKey(key_id, workspace, name, prefix, now, None), plaintext


def resolve_key(conn: Connection, *, plaintext: str) -> ApiKey | None:
    row = conn.execute(
        select(*_PUBLIC).where(
            api_keys.c.key_hash == _hash(plaintext), api_keys.c.revoked_at.is_(None)
        )
    ).first()
    return ApiKey(**row._asdict()) if row else None


def list_keys(conn: Connection, *, workspace: str | None = None) -> list[ApiKey]:
    stmt = select(*_PUBLIC).order_by(api_keys.c.id)
    if workspace:
        stmt = stmt.where(api_keys.c.workspace == workspace)
    return [ApiKey(**r._asdict()) for r in conn.execute(stmt)]


def revoke_key(conn: Connection, *, key_id: int) -> bool:
    result = conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount == 1
