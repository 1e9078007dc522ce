"""Users, their server-side sessions and failed logins.

Passwords arrive here already hashed and session tokens as hashes: storage never sees a
secret it could leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from model.users import User, UserError, check_email, check_name, check_role
from storage.schema import login_failures, user_sessions, users


@dataclass(frozen=True)
class SessionInfo:
    """A live session: whose it is and the CSRF token its forms carry."""

    user: User
    csrf_token: str
    expires_at: datetime


def _user(row: Any) -> User:
    return User(row.id, row.name, row.email, row.role, row.disabled, row.created_at)


def add_user(
    conn: Connection, name: str, email: str, role: str, password_hash: str, at: datetime
) -> User:
    """Create a user; the name must be new."""
    check_name(name)
    check_email(email)
    check_role(role)
    if conn.execute(select(users.c.id).where(users.c.name == name)).first():
        raise UserError(f"user {name!r} exists already")
    user_id = conn.execute(
        insert(users)
        .values(
            name=name,
            email=email,
            role=role,
            password_hash=password_hash,
            disabled=False,
            created_at=at,
            password_changed_at=at,
        )
        .returning(users.c.id)
    ).scalar_one()
    return User(int(user_id), name, email, role, False, at)


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]


def user_by_name(conn: Connection, name: str) -> tuple[User, str] | None:
    """The user and their password hash, or None."""
    row = conn.execute(select(users).where(users.c.name == name)).first()
    return (_user(row), row.password_hash) if row else None


def _require(conn: Connection, name: str) -> int:
    found = conn.execute(select(users.c.id).where(users.c.name == name)).scalar_one_or_none()
    if found is None:
        raise UserError(f"no user {name!r}")
    return int(found)


def set_password(conn: Connection, name: str, password_hash: str, at: datetime) -> None:
    """Replace a user's password; their sessions end."""
    user_id = _require(conn, name)
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, password_changed_at=at)
    )
    conn.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))


def set_disabled(conn: Connection, name: str, disabled: bool) -> None:
    """Disable (or enable again) a user; disabling ends every session of theirs."""
    user_id = _require(conn, name)
    conn.execute(update(users).where(users.c.id == user_id).values(disabled=disabled))
    if disabled:
        conn.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))


def create_session(
    conn: Connection,
    user_id: int,
    token_hash: str,
    csrf_token: str,
    at: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        insert(user_sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=at,
            last_seen_at=at,
            expires_at=expires_at,
        )
    )


def session(conn: Connection, token_hash: str, at: datetime) -> SessionInfo | None:
    """The live session with this token hash, touched; None when unknown, expired or disabled."""
    row = conn.execute(
        select(users, user_sessions.c.csrf_token, user_sessions.c.expires_at)
        .join(user_sessions, user_sessions.c.user_id == users.c.id)
        .where(user_sessions.c.token_hash == token_hash)
    ).first()
    if row is None or row.disabled or row.expires_at <= at:
        if row is not None:
            conn.execute(delete(user_sessions).where(user_sessions.c.token_hash == token_hash))
        return None
    conn.execute(
        update(user_sessions)
        .where(user_sessions.c.token_hash == token_hash)
        .values(last_seen_at=at)
    )
    return SessionInfo(_user(row), row.csrf_token, row.expires_at)


def end_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(user_sessions).where(user_sessions.c.token_hash == token_hash))


def record_failure(conn: Connection, keys: list[str], at: datetime) -> None:
    for key in keys:
        conn.execute(insert(login_failures).values(key=key, at=at))


def failures_since(conn: Connection, key: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(login_failures)
        .where(login_failures.c.key == key, login_failures.c.at >= since)
    )
    return int(conn.execute(query).scalar_one())


def clear_failures(conn: Connection, key: str) -> None:
    """Forget a key's failures (after a good login)."""
    conn.execute(delete(login_failures).where(login_failures.c.key == key))


def purge_failures(conn: Connection, before: datetime) -> None:
    """Forget failures older than ``before``: they no longer count."""
    conn.execute(delete(login_failures).where(login_failures.c.at < before))
