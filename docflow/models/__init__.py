"""The tables. Importing this package registers every table on ``SQLModel.metadata``."""

from docflow.models.base import NAMING_CONVENTION, UTCDateTime, utcnow  # noqa: I001 - first
from docflow.models.agency import Agency, AgencyCode, Department
from docflow.models.user import Role, User, UserRole

__all__ = [
    "NAMING_CONVENTION",
    "Agency",
    "AgencyCode",
    "Department",
    "Role",
    "User",
    "UserRole",
    "UTCDateTime",
    "utcnow",
]
