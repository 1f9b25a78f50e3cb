"""What damaged or hostile input really raises, and how a surprise is reported.

Reading a PDF, a CMS signature or a certificate that is not what its specification says
raises, in pyHanko and asn1crypto: pyHanko's ``PdfError`` family; ``ValueError``
(asn1crypto's parse errors, and pyHanko's CMS, signature-validation and
difference-analysis errors all derive from it); ``TypeError`` or ``AttributeError`` (an
object of the wrong type where a dictionary or an array was expected); ``LookupError``
(a key or an index that is not there); ``ArithmeticError`` (absurd numbers);
``NotImplementedError`` (something pyHanko does not support, e.g. an unusual crypt
filter); ``RecursionError`` (nesting without end); ``zlib.error`` and ``struct.error``
from broken streams; and ``UnboundLocalError``, which asn1crypto raises for the size of a
key on an elliptic curve given by explicit parameters instead of a name. Code that reads
such data catches :data:`MALFORMED`.

Checking a signature can also end in what the certificate-path and revocation checks
raise when they give up, a key the ``cryptography`` library refuses, or a failed network
fetch (CRL, OCSP, time-stamping authority): :data:`CHECK_FAILED`.

Anything else is a defect, not a property of the input. Only the library's public
boundaries catch it (validating a file and each signature in it, the ETSI report, the
signing functions), turn it into the named error or finding their contract promises, and
say so with :func:`log_unexpected`.
"""

from __future__ import annotations

import logging
import struct
import zlib

import aiohttp
from cryptography.exceptions import InvalidKey, InvalidSignature, UnsupportedAlgorithm
from pyhanko.pdf_utils.misc import PdfError
from pyhanko_certvalidator.errors import (
    CRLValidationError,
    OCSPValidationError,
    PathError,
    ValidationError,
)

__all__ = ["CHECK_FAILED", "MALFORMED", "log_unexpected", "reason"]

MALFORMED: tuple[type[Exception], ...] = (
    PdfError,
    ValueError,
    TypeError,
    AttributeError,
    LookupError,
    ArithmeticError,
    NotImplementedError,
    RecursionError,
    UnboundLocalError,  # asn1crypto: PublicKeyInfo.bit_size of an unnamed curve
    zlib.error,
    struct.error,
)
"""What reading a malformed PDF, CMS structure or certificate raises."""

CHECK_FAILED: tuple[type[Exception], ...] = (
    *MALFORMED,
    PathError,
    ValidationError,
    CRLValidationError,
    OCSPValidationError,
    InvalidSignature,
    InvalidKey,
    UnsupportedAlgorithm,
    aiohttp.ClientError,
    OSError,  # files, and network timeouts (TimeoutError) and TSA errors derive from it
)
"""What checking or making a signature raises besides: chain and revocation checks that
give up, keys refused, fetches that fail."""

log = logging.getLogger("signing")


def reason(exc: BaseException) -> str:
    """An exception as one short sentence (whitespace folded, at most 300 characters)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > 300:
        text = text[:297] + "..."
    return text if text.endswith(".") else text + "."


def log_unexpected(exc: BaseException, doing: str) -> None:
    """Report an exception of a kind the code does not expect, caught at a public boundary:
    one line at WARNING (what was being done, the type, the reason), the traceback only at
    DEBUG, so that a hostile upload cannot fill the log with tracebacks."""
    log.warning("%s: unexpected %s: %s", doing, type(exc).__name__, reason(exc))
    log.debug("%s: traceback", doing, exc_info=exc)

