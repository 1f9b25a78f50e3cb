"""The tables. Importing this package registers every table on ``SQLModel.metadata``."""

from docflow.models.base import NAMING_CONVENTION, UTCDateTime, utcnow  # noqa: I001 - first
from docflow.models.agency import Agency, AgencyCode, Department
from docflow.models.user import Role, User, UserRole
from docflow.models.auth import AuthSession, LoginThrottle
from docflow.models.certificate import PersonalCertificate
from docflow.models.audit import (
    AUDIT_TABLES,
    GENESIS_CHAIN,
    AuditCheckpoint,
    AuditEvent,
    AuditLog,
)
from docflow.models.document import (
    Confidentiality,
    Document,
    DocumentAttachment,
    DocumentState,
    DocumentVersion,
    RegisterCounter,
    RegisterEntry,
    SigningSession,
    Urgency,
    VersionSource,
)
from docflow.models.reading import DocumentReadMark
from docflow.models.transfer import (
    DocumentCorrection,
    Transfer,
    TransferEvent,
    VerificationRecord,
)
from docflow.jobs.models import JobRow, JobState  # noqa: E402 - the job queue's table

__all__ = [
    "DocumentCorrection",
    "Transfer",
    "TransferEvent",
    "VerificationRecord",
    "Confidentiality",
    "Document",
    "DocumentAttachment",
    "DocumentState",
    "DocumentVersion",
    "RegisterCounter",
    "RegisterEntry",
    "SigningSession",
    "Urgency",
    "VersionSource",
    "AUDIT_TABLES",
    "GENESIS_CHAIN",
    "NAMING_CONVENTION",
    "Agency",
    "AgencyCode",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditLog",
    "AuthSession",
    "Department",
    "LoginThrottle",
    "DocumentReadMark",
    "JobRow",
    "JobState",
    "PersonalCertificate",
    "Role",
    "User",
    "UserRole",
    "UTCDateTime",
    "utcnow",
]
