"""regwatch users: add, list, passwd, disable; passwords from standard input."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import main
from storage import Store
from web.auth import current_session, login


def run(db: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["--db", str(db), *args], input=stdin, env={"REGWATCH_CONFIG": ""}
    )
    return result.exit_code, result.stdout, result.stderr


def test_users_are_added_listed_and_disabled(tmp_path: Path) -> None:
    db = tmp_path / "u.db"
    code, out, _ = run(db, "users")
    assert "no users yet" in out
    code, out, _ = run(
        db,
        "users",
        "add",
        "alice",
        "--email",
        "alice@firm.example",
        "--role",
        "admin",
        stdin="a long enough password\n",
    )
    assert code == 0 and out.strip() == "added admin alice <alice@firm.example>"
    code, _, err = run(
        db,
        "users",
        "add",
        "bob",
        "--email",
        "bob@firm.example",
        "--role",
        "editor",
        stdin="short\n",
    )
    assert code == 1 and "at least 10 characters" in err
    code, _, err = run(
        db,
        "users",
        "add",
        "alice",
        "--email",
        "a@firm.example",
        "--role",
        "viewer",
        stdin="a long enough password\n",
    )
    assert code == 1 and "exists already" in err
    with Store.open(str(db)) as store:
        session = login(store, "alice", "a long enough password", "127.0.0.1")
    code, out, _ = run(db, "users", "passwd", "alice", stdin="a brand new password\n")
    assert code == 0 and "sessions have ended" in out
    with Store.open(str(db)) as store:
        assert current_session(store, session.token) is None
        assert login(store, "alice", "a brand new password", "127.0.0.1")
    code, out, _ = run(db, "users", "disable", "alice")
    assert code == 0
    _, out, _ = run(db, "users")
    assert out.split() == ["alice", "admin", "alice@firm.example", "(disabled)"]
    code, _, err = run(db, "users", "disable", "nobody")
    assert code == 1 and "no user 'nobody'" in err
