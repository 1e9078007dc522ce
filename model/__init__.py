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
from model.topics import (
    BUNDLED_KEYS,
    Classification,
    ModelInfo,
    Neighbour,
    Topic,
    TopicAssignment,
    bundled_topics,
)

__all__ = [
    "AMENDED",
    "APPROVED",
    "BEIJING",
    "BUNDLED_KEYS",
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
    "Classification",
    "DocType",
    "Document",
    "DocumentVersion",
    "Glossary",
    "Issuer",
    "ModelInfo",
    "Neighbour",
    "Sighting",
    "StoreResult",
    "Topic",
    "TopicAssignment",
    "bundled_topics",
    "load_glossary",
]
