"""The people who use the review app: their roles and what each role may do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

VIEWER = "viewer"
EDITOR = "editor"
ADMIN = "admin"
ROLES = (VIEWER, EDITOR, ADMIN)
"""In order of power: each role may do what the roles before it may."""

MIN_PASSWORD_LENGTH = 10
NAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(ValueError):
    """A user cannot be created or changed as asked (bad name, role, e-mail or password)."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str
    role: str
    disabled: bool = False
    created_at: datetime | None = None

    def may(self, role: str) -> bool:
        """Whether this user has ``role`` or a more powerful one (and is not disabled)."""
        return not self.disabled and ROLES.index(self.role) >= ROLES.index(check_role(role))


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise UserError(
            f"user name {name!r} must be 2-40 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )
    return name


def check_email(email: str) -> str:
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password
