"""Problems found in an edXML package, in Vietnamese and English from one catalogue.

A problem has a stable ``code`` (for clients, tests and the peers' logs), a severity,
where it is (an element path such as ``MessageHeader/To[2]/OrganId``) and its sentence
in both languages. ``error`` problems make a package unacceptable; ``warning`` problems
are reported to the clerk and the audit trail but do not refuse the package on their
own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Problem", "Severity", "errors_in", "known_codes", "problem"]


class Severity(StrEnum):
    """How much a problem weighs: an ``error`` refuses the package, a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


E, W = Severity.ERROR, Severity.WARNING

# code -> (severity, English, Vietnamese)
_CATALOGUE: dict[str, tuple[Severity, str, str]] = {
    # --- reading the XML ---
    "not_xml": (
        E,
        "The package is not well-formed XML ({detail}).",
        "Gói tin không phải là XML hợp lệ ({detail}).",
    ),
    "doctype_forbidden": (
        E,
        "The package carries a document type declaration (DOCTYPE). edXML never needs "
        "one, and it can make a reader fetch files or expand entities, so it is refused.",
        "Gói tin có khai báo kiểu tài liệu (DOCTYPE). edXML không cần khai báo này, và nó "
        "có thể khiến phần mềm đọc tệp hoặc khai triển thực thể, nên gói tin bị từ chối.",
    ),
    "entity_forbidden": (
        E,
        "The package uses the entity reference &{name};, which edXML never needs; it is refused.",
        "Gói tin dùng tham chiếu thực thể &{name};, điều edXML không cần; gói tin bị từ chối.",
    ),
    "too_deep": (
        E,
        "Elements are nested deeper than {limit} levels; an edXML package never is.",
        "Các phần tử lồng nhau sâu quá {limit} cấp; gói tin edXML không bao giờ như vậy.",
    ),
    "too_many_elements": (
        E,
        "The package has more than {limit} elements.",
        "Gói tin có nhiều hơn {limit} phần tử.",
    ),
    "text_too_long": (
        E,
        "The element {where} holds more than {limit} characters of text.",
        "Phần tử {where} chứa hơn {limit} ký tự.",
    ),
    "package_too_large": (
        E,
        "The package is larger than the limit of {limit_mb} MB ({detail}).",
        "Gói tin lớn hơn giới hạn {limit_mb} MB ({detail_vi}).",
    ),
    "too_many_attachments": (
        E,
        "The package has more than {limit} attachments.",
        "Gói tin có nhiều hơn {limit} tệp đính kèm.",
    ),
    "attachment_too_large": (
        E,
        "Attachment {index} is larger than the limit of {limit_mb} MB; reading stopped there.",
        "Tệp đính kèm thứ {index} lớn hơn giới hạn {limit_mb} MB; việc đọc đã dừng tại đó.",
    ),
    "attachment_not_base64": (
        E,
        "The content of attachment {index} is not valid base64.",
        "Nội dung tệp đính kèm thứ {index} không phải là base64 hợp lệ.",
    ),
    "attachment_malformed": (
        E,
        "Attachment {index} is malformed: it has more than one ContentTransferEncoded "
        "element, or elements inside its content.",
        "Tệp đính kèm thứ {index} sai cấu trúc: có nhiều hơn một phần tử "
        "ContentTransferEncoded, hoặc có phần tử nằm trong nội dung.",
    ),
    "not_edxml": (
        E,
        "The root element is {root}, not edXML: this is not an edXML package.",
        "Phần tử gốc là {root}, không phải edXML: đây không phải là gói tin edXML.",
    ),
    # --- structure and the axis rules ---
    "missing_element": (
        E,
        "The required element {where} is missing or empty.",
        "Thiếu phần tử bắt buộc {where} (hoặc phần tử này để trống).",
    ),
    "subject_too_long": (
        E,
        "The subject (trích yếu) is {length} characters long; the axis accepts at most {limit}.",
        "Trích yếu dài {length} ký tự; trục liên thông chỉ chấp nhận tối đa {limit} ký tự.",
    ),
    "duplicate_recipient": (
        E,
        "The recipient {organ_id} is listed more than once.",
        "Đơn vị nhận {organ_id} được liệt kê nhiều hơn một lần.",
    ),
    "organ_id_malformed": (
        E,
        "{value!r} at {where} is not an agency identifier code: four groups separated by "
        "dots are expected, the last a capital letter and two digits (e.g. 000.00.00.H30).",
        "{value!r} tại {where} không phải là mã định danh cơ quan: cần bốn nhóm phân cách "
        "bằng dấu chấm, nhóm cuối là một chữ cái in hoa và hai chữ số (ví dụ 000.00.00.H30).",
    ),
    "date_unparseable": (
        E,
        "{value!r} at {where} is not a date written yyyy/MM/dd.",
        "{value!r} tại {where} không phải là ngày theo dạng yyyy/MM/dd.",
    ),
    "timestamp_unparseable": (
        E,
        "{value!r} at {where} is not a time written yyyy/MM/dd HH:mm:ss.",
        "{value!r} tại {where} không phải là thời điểm theo dạng yyyy/MM/dd HH:mm:ss.",
    ),
    "number_unparseable": (
        E,
        "{value!r} at {where} is not a whole number.",
        "{value!r} tại {where} không phải là số nguyên.",
    ),
    "status_code_unknown": (
        E,
        "{value!r} is not an edXML status code ({known}).",
        "{value!r} không phải là mã trạng thái edXML ({known}).",
    ),
    "priority_out_of_range": (
        E,
        "Priority {value} is not one of 0 (normal) to 4 (hỏa tốc with a set time).",
        "Độ khẩn {value} không thuộc các giá trị từ 0 (thường) đến 4 (hỏa tốc hẹn giờ).",
    ),
    "business_type_out_of_range": (
        E,
        "Business type {value} is not one of 0 (new), 1 (recall), 2 (update), 3 (replace).",
        "Loại nghiệp vụ {value} không thuộc 0 (mới), 1 (thu hồi), 2 (cập nhật), 3 (thay thế).",
    ),
    "document_id_malformed": (
        E,
        "{value!r} is not a document id of the form organId,yyyy/MM/dd,number/notation.",
        "{value!r} không phải là mã văn bản theo dạng mãĐơnVị,yyyy/MM/dd,số/kýHiệu.",
    ),
    "document_id_other_sender": (
        W,
        "The document id names {named} as its issuer, but the package comes from {sender}.",
        "Mã văn bản ghi đơn vị ban hành là {named}, nhưng gói tin được gửi từ {sender}.",
    ),
    "attachment_missing": (
        E,
        "A new document package carries no attached file.",
        "Gói tin văn bản mới không kèm tệp nào.",
    ),
    "attachment_unreferenced": (
        E,
        "Attachment {content_id!r} is not listed in the manifest (edXMLManifest).",
        "Tệp đính kèm {content_id!r} không có trong danh mục (edXMLManifest).",
    ),
    "reference_without_attachment": (
        E,
        "The manifest lists {content_id!r}, but no attachment carries it.",
        "Danh mục liệt kê {content_id!r} nhưng không có tệp đính kèm tương ứng.",
    ),
    "attachment_duplicate_id": (
        E,
        "Two attachments share the ContentId {content_id!r}.",
        "Hai tệp đính kèm trùng ContentId {content_id!r}.",
    ),
    "attachment_type_mismatch": (
        W,
        "Attachment {content_id!r} is declared as {declared} but its bytes are not.",
        "Tệp đính kèm {content_id!r} được khai báo là {declared} nhưng nội dung không phải.",
    ),
    # --- the XML signature ---
    "signature_missing": (
        W,
        "The package carries no XML signature: nothing proves who sent it.",
        "Gói tin không có chữ ký XML: không có gì chứng minh ai đã gửi gói tin.",
    ),
    "signature_placeholder": (
        W,
        "The package carries a Signature element that is not an XML signature (W3C "
        "XML-DSig); it proves nothing.",
        "Gói tin có phần tử Signature nhưng đó không phải là chữ ký XML (W3C XML-DSig); "
        "nó không chứng minh được điều gì.",
    ),
    "signature_multiple": (
        E,
        "The package carries {count} XML signatures; an edXML package carries one.",
        "Gói tin có {count} chữ ký XML; gói tin edXML chỉ có một.",
    ),
    "signature_misplaced": (
        W,
        "The XML signature is not the last element of edXMLHeader, where peers look for it.",
        "Chữ ký XML không phải là phần tử cuối của edXMLHeader, nơi các hệ thống khác tìm nó.",
    ),
    "signature_malformed": (
        E,
        "The XML signature is incomplete: {what} is missing or unreadable.",
        "Chữ ký XML không đầy đủ: thiếu hoặc không đọc được {what}.",
    ),
    "reference_missing": (
        E,
        "The XML signature signs no reference, so it covers nothing.",
        "Chữ ký XML không ký tham chiếu nào, nên không bảo vệ nội dung nào.",
    ),
    "reference_extra": (
        E,
        "The XML signature has {count} references; an edXML signature has exactly one, "
        'covering the whole package (URI="").',
        "Chữ ký XML có {count} tham chiếu; chữ ký edXML chỉ có đúng một tham chiếu, bao "
        'trùm toàn bộ gói tin (URI="").',
    ),
    "reference_wrong": (
        E,
        'The XML signature signs {uri!r}, not the whole package (URI="").',
        'Chữ ký XML ký {uri!r}, không phải toàn bộ gói tin (URI="").',
    ),
    "reference_not_enveloped": (
        E,
        "The XML signature's reference lacks the enveloped-signature transform, so it "
        "cannot cover the package that holds it.",
        "Tham chiếu của chữ ký XML thiếu phép biến đổi enveloped-signature, nên không thể "
        "bao trùm gói tin chứa nó.",
    ),
    "transform_not_allowed": (
        E,
        "The XML signature applies the transform {uri}; only enveloped-signature and "
        "canonicalization are accepted.",
        "Chữ ký XML áp dụng phép biến đổi {uri}; chỉ chấp nhận enveloped-signature và "
        "chuẩn hóa (canonicalization).",
    ),
    "algorithm_unsupported": (
        E,
        "The XML signature uses the {what} {uri}, which is not supported.",
        "Chữ ký XML dùng {what_vi} {uri}, thuật toán này không được hỗ trợ.",
    ),
    "algorithm_weak": (
        W,
        "The XML signature uses {name}, which is no longer secure (SHA-1): accepted for "
        "packages from older systems, but weak as proof.",
        "Chữ ký XML dùng {name}, thuật toán không còn an toàn (SHA-1): được chấp nhận với "
        "gói tin từ hệ thống cũ, nhưng giá trị chứng minh yếu.",
    ),
    "key_too_small": (
        W,
        "The signer's {key} key has {bits} bits, fewer than the {minimum} now required.",
        "Khóa {key} của người ký có {bits} bit, ít hơn mức {minimum} bit hiện yêu cầu.",
    ),
    "digest_mismatch": (
        E,
        "The package was changed after it was signed: the digest of its content does not "
        "match the signed digest.",
        "Gói tin đã bị thay đổi sau khi ký: giá trị băm của nội dung không khớp với giá trị đã ký.",
    ),
    "signature_invalid": (
        E,
        "The signature value does not match the signed information under the signer's "
        "certificate ({subject}).",
        "Giá trị chữ ký không khớp với thông tin đã ký theo chứng thư của người ký ({subject}).",
    ),
    "signature_unverifiable": (
        E,
        "The XML signature cannot be checked ({detail}).",
        "Không kiểm tra được chữ ký XML ({detail}).",
    ),
    "certificate_missing": (
        E,
        "The XML signature carries no X.509 certificate (KeyInfo/X509Data), so its signer "
        "cannot be identified.",
        "Chữ ký XML không kèm chứng thư số X.509 (KeyInfo/X509Data), nên không xác định "
        "được người ký.",
    ),
    "certificate_unreadable": (
        E,
        "A certificate in the XML signature cannot be read.",
        "Không đọc được một chứng thư số trong chữ ký XML.",
    ),
    "certificate_expired": (
        E,
        "The signer's certificate ({subject}) was not valid at {moment} (valid from "
        "{not_before} to {not_after}).",
        "Chứng thư số của người ký ({subject}) không có hiệu lực tại {moment} (hiệu lực từ "
        "{not_before} đến {not_after}).",
    ),
    "chain_untrusted": (
        E,
        "The signer's certificate ({subject}) does not lead to a trusted root ({detail}).",
        "Chứng thư số của người ký ({subject}) không dẫn tới chứng thư gốc tin cậy ({detail}).",
    ),
    "key_algorithm_mismatch": (
        E,
        "The signature method {method} does not fit the signer's {key} key.",
        "Phương thức ký {method} không phù hợp với khóa {key} của người ký.",
    ),
    # --- making a package ---
    "timestamp_without_zone": (
        E,
        "The time given for {where} has no time zone; give it in Vietnam time or UTC.",
        "Thời điểm của {where} không có múi giờ; hãy ghi theo giờ Việt Nam hoặc UTC.",
    ),
    "text_not_xml": (
        E,
        "The text for {where} holds characters XML cannot carry (control characters).",
        "Nội dung của {where} chứa ký tự XML không cho phép (ký tự điều khiển).",
    ),
    "key_unsupported": (
        E,
        "The signing key ({key}) cannot make an edXML signature: an RSA key signing with "
        "PKCS#1 v1.5, or an ECDSA key, is needed.",
        "Khóa ký ({key}) không tạo được chữ ký edXML: cần khóa RSA ký theo PKCS#1 v1.5 "
        "hoặc khóa ECDSA.",
    ),
    "signing_failed": (
        E,
        "The key did not produce a signature ({detail}).",
        "Khóa không tạo được chữ ký ({detail_vi}).",
    ),
    "signature_self_check": (
        E,
        "The signature just made does not verify under the signer's own certificate; "
        "nothing was written.",
        "Chữ ký vừa tạo không kiểm tra được bằng chính chứng thư của người ký; không có gì "
        "được ghi ra.",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One named problem with its sentence in both languages."""

    code: str
    """Stable identifier (``subject_too_long``, ``digest_mismatch``, ...)."""
    en: str
    """The sentence in English."""
    vi: str
    """The sentence in Vietnamese."""
    severity: Severity = Severity.ERROR
    """``error`` refuses the package; ``warning`` is reported only."""
    where: str | None = None
    """Path of the element concerned (``MessageHeader/Subject``), when there is one."""

    def to_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "where": self.where,
            "en": self.en,
            "vi": self.vi,
        }


def problem(code: str, *, where: str | None = None, **facts: Any) -> Problem:
    """The problem ``code`` at ``where`` with ``facts`` filled into its sentences."""
    severity, en, vi = _CATALOGUE[code]
    params: dict[str, Any] = {"where": where, **facts}
    params.setdefault("what_vi", params.get("what", ""))
    params.setdefault("detail_vi", params.get("detail", ""))
    return Problem(
        code=code,
        en=en.format(**params),
        vi=vi.format(**params),
        severity=severity,
        where=where,
    )


def errors_in(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """The problems among ``problems`` that refuse a package."""
    return tuple(p for p in problems if p.severity is Severity.ERROR)


def known_codes() -> frozenset[str]:
    """Every code this catalogue defines (for tests and documentation)."""
    return frozenset(_CATALOGUE)
