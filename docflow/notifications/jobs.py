"""The notifications' background work: one e-mail per notification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docflow.core.jobs.types import Job

__all__ = ["SendNotificationEmail"]


@dataclass(frozen=True)
class SendNotificationEmail(Job):
    """E-mail notification ``notification_id`` to its person (a no-op once sent)."""

    kind: ClassVar[str] = "notification.email"
    max_attempts: ClassVar[int] = 10
    notification_id: int
