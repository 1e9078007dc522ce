"""Status and flag constants, in one place."""

from __future__ import annotations

# Review of a document by an editor.
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
REVIEW_STATUSES = (PENDING, APPROVED, REJECTED)

# Flags a document can carry.
AMENDED = "amended"
WITHDRAWN = "withdrawn"
UNTAGGED = "untagged"
FLAGS = (AMENDED, WITHDRAWN, UNTAGGED)

# What storing a crawled document did to the database.
NEW = "new"
UNCHANGED = "unchanged"
SIGHTED = "sighted"
OUTCOMES = (NEW, AMENDED, UNCHANGED, SIGHTED)


def check_review_status(status: str) -> str:
    """Return the status when it is a known review status, else raise ValueError."""
    if status not in REVIEW_STATUSES:
        raise ValueError(f"unknown review status {status!r}; expected one of {REVIEW_STATUSES}")
    return status
