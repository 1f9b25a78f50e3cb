"""Errors of the docflow service, rooted in one base error.

Each carries a sentence a person can read; the CLI prints it as one line and the
HTTP layer returns it as ``detail``.
"""

from __future__ import annotations


class DocflowError(Exception):
    """Base of every error docflow raises on purpose."""


class ConfigurationError(DocflowError):
    """The settings cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__(" ".join(self.problems))


class StartupError(DocflowError):
    """A service docflow needs at start (database, object store) does not answer."""


class DomainError(DocflowError):
    """A rule of the domain refused a request; services raise these, never HTTP errors.

    The HTTP layer answers ``status_code`` with ``str(error)`` as the detail and, when
    the error has one, its ``code``: a stable name (``pdf_encrypted``) that programs and
    the pages' message catalogue (``err.<code>``) go by, whatever the sentence says.
    """

    status_code: int = 400
    code: str | None = None

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code


class NotFoundError(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""

    status_code = 404


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    status_code = 403


class ConflictError(DomainError):
    """The request contradicts the current state (e.g. issuing a document twice)."""

    status_code = 409


class InvalidInput(DomainError):
    """The request names something in a shape the domain does not accept (e.g. a bad code)."""

    status_code = 422


class NotAuthenticated(DomainError):
    """No valid sign-in: missing, forged, expired or logged-out token."""

    status_code = 401
    headers = {"WWW-Authenticate": 'Bearer realm="docflow"'}


class TooManyAttempts(DomainError):
    """Too many failed sign-ins; ``retry_after`` seconds until the next try is accepted."""

    status_code = 429
    code = "throttled"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
