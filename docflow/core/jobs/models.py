"""The table of the durable job queue (``docflow.core.jobs.table.TableJobQueue``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, Text
from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = ["JobRow", "JobState"]


class JobState(StrEnum):
    PENDING = "pending"  # waiting for its run_after time
    RUNNING = "running"  # claimed by a worker until lease_until
    DONE = "done"
    FAILED = "failed"  # gave up after max_attempts; shown, retried only when asked


class JobRow(SQLModel, table=True):
    """One unit of background work, named by its idempotency ``key``: enqueuing the same
    key again while it is pending or running adds nothing; once done or failed, it runs
    again."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "state", "run_after"),)

    id: int | None = Field(
        default=None, primary_key=True, sa_type=BigInteger().with_variant(Integer(), "sqlite")
    )
    #: ``docflow.core.jobs.types`` kind, e.g. ``transfer.stamp_incoming``.
    kind: str = Field(max_length=64)
    key: str = Field(max_length=200, unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    state: str = Field(default=JobState.PENDING.value, max_length=16)
    attempts: int = Field(default=0, nullable=False)
    max_attempts: int = Field(default=20, nullable=False)
    run_after: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    #: Worker holding the claim and until when; an expired lease (a killed process) is
    #: claimed again.
    locked_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
