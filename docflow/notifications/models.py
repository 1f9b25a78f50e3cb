"""A person's notifications and their choices of where each kind goes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = ["Notification", "NotificationSetting"]


class Notification(SQLModel, table=True):
    """One event that concerns one person."""

    __tablename__ = "notification"
    __table_args__ = (
        # The bell and the list: one person's notifications, unread first, newest first.
        Index("ix_notification_user_read", "user_id", "read_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    #: A ``docflow.notifications.kinds.Kind`` value.
    kind: str = Field(max_length=24)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    transfer_id: int | None = Field(default=None, foreign_key="transfer.id", index=True)
    #: The document's subject (trích yếu); None for a confidential document.
    subject: str | None = Field(default=None, sa_type=Text)
    #: What the person who acted wrote with the event (why a draft was returned);
    #: None for a confidential document, like the subject.
    note: str | None = Field(default=None, sa_type=Text)
    #: Number and symbol, when the document has them (``07/QĐ-UBND``).
    symbol: str | None = Field(default=None, max_length=64)
    #: Shown in the page (False: only e-mailed, as the person chose).
    in_page: bool = Field(default=True)
    #: To be e-mailed (the person's choice when it was made).
    by_email: bool = Field(default=False)
    #: Set for notices given once (reminders): a second one with the key is not made.
    once_key: str | None = Field(default=None, max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationSetting(SQLModel, table=True):
    """Where a person wants each kind: in the page, by e-mail (None: the defaults of
    ``kinds``), the address and the language of the e-mails."""

    __tablename__ = "notification_setting"

    user_id: int = Field(
        foreign_key="user_account.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    email: str | None = Field(default=None, max_length=254)
    #: ``vi`` or ``en``: the language of the e-mails.
    language: str = Field(default="vi", max_length=8)
    page_kinds: list[str] | None = Field(default=None, sa_type=JSON)
    email_kinds: list[str] | None = Field(default=None, sa_type=JSON)
    #: The kinds the form offered when the person saved (None: saved before revision
    #: 0020, ``kinds.FIRST_KINDS``); a kind added since follows its default.
    offered_kinds: list[str] | None = Field(default=None, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
