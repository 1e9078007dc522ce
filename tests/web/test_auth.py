"""Users, passwords, logins and sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from model.users import ADMIN, EDITOR, VIEWER, User, UserError
from storage import Store
from web.auth import (
    FAILURE_WINDOW,
    MAX_FAILURES,
    SESSION_LIFETIME,
    LoginRefused,
    TooManyFailures,
    csrf_ok,
    current_session,
    hash_password,
    login,
    logout,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def alice(store: Store) -> User:
    return store.add_user("alice", "alice@firm.example", EDITOR, hash_password(PASSWORD), at=T0)


def test_passwords_are_argon2id_and_never_stored_in_clear(store: Store, alice: User) -> None:
    found = store.user_with_hash("alice")
    assert found is not None
    user, stored = found
    assert user == alice and stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(UserError, match="at least 10 characters"):
        hash_password("short")


def test_user_names_roles_and_addresses_are_checked(store: Store, alice: User) -> None:
    with pytest.raises(UserError, match="exists already"):
        store.add_user("alice", "a@firm.example", VIEWER, "x")
    with pytest.raises(UserError, match="unknown role"):
        store.add_user("bob", "b@firm.example", "root", "x")
    with pytest.raises(UserError, match="not an e-mail address"):
        store.add_user("bob", "bob", VIEWER, "x")
    with pytest.raises(UserError, match="lower-case"):
        store.add_user("Bob Smith", "b@firm.example", VIEWER, "x")
    assert [u.name for u in store.users()] == ["alice"]


def test_roles_are_ordered() -> None:
    viewer = User(1, "v", "v@x.example", VIEWER)
    admin = User(2, "a", "a@x.example", ADMIN)
    assert viewer.may(VIEWER) and not viewer.may(EDITOR)
    assert admin.may(EDITOR) and admin.may(ADMIN)
    assert not User(3, "d", "d@x.example", ADMIN, disabled=True).may(VIEWER)


def test_a_login_opens_a_fresh_server_side_session(store: Store, alice: User) -> None:
    first = login(store, "alice", PASSWORD, "127.0.0.1", now=T0)
    second = login(store, "Alice ", PASSWORD, "127.0.0.1", now=T0)
    assert first.token != second.token and first.csrf_token != second.csrf_token
    live = current_session(store, first.token, now=T0 + timedelta(minutes=5))
    assert live is not None and live.user.name == "alice" and live.csrf_token == first.csrf_token
    assert current_session(store, "forged-token", now=T0) is None
    assert current_session(store, first.token, now=T0 + SESSION_LIFETIME) is None  # expired
    logout(store, second.token)
    assert current_session(store, second.token, now=T0) is None


def test_a_wrong_password_or_unknown_user_gives_the_same_refusal(store: Store, alice: User) -> None:
    with pytest.raises(LoginRefused) as wrong:
        login(store, "alice", "not the password", "10.0.0.1", now=T0)
    with pytest.raises(LoginRefused) as unknown:
        login(store, "mallory", PASSWORD, "10.0.0.1", now=T0)
    assert str(wrong.value) == str(unknown.value) == "wrong user name or password"


def test_repeated_failures_lock_the_name_and_the_address_for_a_while(
    store: Store, alice: User
) -> None:
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            login(store, "alice", "guess guess guess", "10.0.0.9", now=T0)
    with pytest.raises(TooManyFailures, match="try again in 15 min"):
        login(store, "alice", PASSWORD, "10.0.0.8", now=T0)  # right password, locked name
    with pytest.raises(TooManyFailures):
        login(store, "bob", "whatever whatever", "10.0.0.9", now=T0)  # locked address
    later = T0 + FAILURE_WINDOW + timedelta(seconds=1)
    assert login(store, "alice", PASSWORD, "10.0.0.9", now=later).user.name == "alice"


def test_disabling_or_a_new_password_ends_sessions_on_the_server(store: Store, alice: User) -> None:
    session = login(store, "alice", PASSWORD, "127.0.0.1", now=T0)
    store.set_password("alice", hash_password("another long password"), at=T0)
    assert current_session(store, session.token, now=T0) is None
    session = login(store, "alice", "another long password", "127.0.0.1", now=T0)
    store.set_user_disabled("alice")
    assert current_session(store, session.token, now=T0) is None
    with pytest.raises(LoginRefused):
        login(store, "alice", "another long password", "127.0.0.1", now=T0)
    with pytest.raises(UserError, match="no user 'bob'"):
        store.set_user_disabled("bob")


def test_csrf_tokens_compare_exactly() -> None:
    assert csrf_ok("abc", "abc")
    assert not csrf_ok("abc", "abd") and not csrf_ok("abc", None) and not csrf_ok("abc", "")
