"""The shared vocabulary passed between stages: plain dataclasses and constants, no I/O."""

from model.document import BEIJING, Attachment, Document, DocumentVersion, Sighting, StoreResult
from model.glossary import DocType, Glossary, Issuer, load_glossary
from model.status import (
    AMENDED,
    APPROVED,
    FLAGS,
    NEW,
    PENDING,
    REJECTED,
    REVIEW_STATUSES,
    SIGHTED,
    UNCHANGED,
    UNTAGGED,
    WITHDRAWN,
)

__all__ = [
    "AMENDED",
    "APPROVED",
    "BEIJING",
    "FLAGS",
    "NEW",
    "PENDING",
    "REJECTED",
    "REVIEW_STATUSES",
    "SIGHTED",
    "UNCHANGED",
    "UNTAGGED",
    "WITHDRAWN",
    "Attachment",
    "DocType",
    "Document",
    "DocumentVersion",
    "Glossary",
    "Issuer",
    "Sighting",
    "StoreResult",
    "load_glossary",
]
