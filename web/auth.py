"""Passwords, logins and sessions for the review app, independent of the web framework.

* Passwords are hashed with argon2id (argon2-cffi's defaults, rehashed when those change).
* A login that fails counts against the user name and the client address; after
  ``MAX_FAILURES`` in ``FAILURE_WINDOW`` either is refused until the window passes, whatever
  the password. A refusal never says whether the name exists.
* A session is a random token the browser keeps in a cookie; the database keeps only its
  SHA-256, with the session's CSRF token. Every login makes a new session; logout, a new
  password and disabling a user end sessions on the server.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from model.users import User, check_password
from storage import Store
from storage.users import SessionInfo

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)

_hasher = PasswordHasher()


class LoginRefused(Exception):
    """Wrong name or password, or a disabled user: the message never says which."""

    def __init__(self) -> None:
        super().__init__("wrong user name or password")


class TooManyFailures(Exception):
    """Too many failed logins for this name or address; try again later."""

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(f"too many failed logins: try again in {minutes} min")


def hash_password(password: str) -> str:
    """An argon2id hash of a password that is long enough."""
    return _hasher.hash(check_password(password))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    """Goes into the cookie; only its hash is stored."""
    csrf_token: str
    user: User
    expires_at: datetime


def login(
    store: Store, name: str, password: str, client: str, *, now: datetime | None = None
) -> NewSession:
    """Check a login and open a new session, or raise LoginRefused / TooManyFailures."""
    now = now or datetime.now(UTC)
    keys = [f"user:{name.strip().lower()}", f"client:{client}"]
    since = now - FAILURE_WINDOW
    if any(store.login_failures_since(key, since) >= MAX_FAILURES for key in keys):
        raise TooManyFailures(FAILURE_WINDOW)
    found = store.user_with_hash(name.strip().lower())
    # A missing user still costs one hash check, so timing does not tell who exists.
    user, stored = found if found else (None, _dummy_hash())
    try:
        _hasher.verify(stored, password)
        ok = user is not None and not user.disabled
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        store.record_login_failure(keys, at=now)
        raise LoginRefused
    if _hasher.check_needs_rehash(stored):
        store.set_password(user.name, _hasher.hash(password), at=now)
    store.clear_login_failures(keys[0], purge_before=since)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    store.create_session(user.id, _token_hash(token), csrf, at=now, expires_at=expires)
    return NewSession(token, csrf, user, expires)


def current_session(store: Store, token: str, *, now: datetime | None = None) -> SessionInfo | None:
    """The session a cookie's token belongs to, if it is still live."""
    if not token:
        return None
    return store.session(_token_hash(token), at=now)


def logout(store: Store, token: str) -> None:
    """End the session on the server: the cookie is worthless afterwards."""
    if token:
        store.end_session(_token_hash(token))


def csrf_ok(expected: str, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    return bool(given) and secrets.compare_digest(expected, given or "")


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))
