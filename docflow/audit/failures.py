"""What reading and checking hostile evidence really raises (zip members, CMS signatures,
timestamp tokens, certificates, PDFs' security stores), so the audit checks catch exactly
that and report it as a finding instead of crashing.

The same classification as the ``signing`` library documents for itself (its
``signing._failures``, private to it): anything outside these tuples is a defect, not a
property of the input, and is left to surface.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

from cryptography.exceptions import InvalidKey, InvalidSignature, UnsupportedAlgorithm
from pyhanko.pdf_utils.misc import PdfError
from pyhanko_certvalidator.errors import (
    CRLValidationError,
    OCSPValidationError,
    PathError,
    ValidationError,
)

__all__ = ["CHECK_FAILED", "MALFORMED"]

MALFORMED: tuple[type[Exception], ...] = (
    PdfError,
    # asn1crypto's parse errors, json's JSONDecodeError, and pyHanko's CMS and
    # signature-validation errors all derive from ValueError.
    ValueError,
    TypeError,  # an object of the wrong type where a dictionary or array was expected
    AttributeError,
    LookupError,  # a key or index that is not there
    ArithmeticError,  # absurd numbers
    NotImplementedError,  # something pyHanko does not support
    RecursionError,  # nesting without end
    UnboundLocalError,  # asn1crypto: the key size of a curve given by explicit parameters
    zlib.error,
    struct.error,
    zipfile.BadZipFile,
)
"""What reading a malformed PDF, zip member, CMS structure or certificate raises."""

CHECK_FAILED: tuple[type[Exception], ...] = (
    *MALFORMED,
    PathError,
    ValidationError,
    CRLValidationError,
    OCSPValidationError,
    InvalidSignature,
    InvalidKey,
    UnsupportedAlgorithm,
    OSError,  # files; a timeout
)
"""What checking a signature offline raises besides: chain and revocation checks that
give up, keys the ``cryptography`` library refuses."""
