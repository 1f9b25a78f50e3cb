"""What a person reads when something is refused or fails: error pages (by HTTP status),
the API's coded refusals as the pages show them (``err.<code>``, the ``code`` of the
JSON error), and the validator's notes on the verify page (``note.*``).
``docflow.web.i18n`` merges them into its catalogue.

The API keeps its own English ``detail`` for programs; a page shows these texts.
"""

from __future__ import annotations

__all__ = ["ERROR_STRINGS", "STATUS_KEYS"]

#: HTTP statuses the pages explain in words (``error.status.<code>``).
STATUS_KEYS = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503)

ERROR_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "error.title": "Không thực hiện được",
        "error.refused": "Bạn không có quyền thực hiện việc này.",
        "error.not_found": "Không tìm thấy.",
        "error.network": "Không kết nối được máy chủ. Hãy thử lại.",
        "error.server": "Máy chủ báo lỗi",
        "error.code": "Mã lỗi",
        "error.request_id": "Mã yêu cầu (báo cho quản trị viên nếu lỗi lặp lại)",
        "error.headline.400": "Yêu cầu không hợp lệ",
        "error.headline.403": "Bạn không có quyền thực hiện việc này",
        "error.headline.404": "Không tìm thấy trang",
        "error.headline.413": "Tệp quá lớn",
        "error.headline.500": "Máy chủ gặp lỗi",
        "error.headline.503": "Dịch vụ tạm thời gián đoạn",
        "error.status.400": "Yêu cầu không hợp lệ: địa chỉ hoặc dữ liệu gửi lên có giá trị "
        "không dùng được. Hãy quay lại và chọn lại.",
        "error.status.401": "Bạn cần đăng nhập để làm việc này.",
        "error.status.403": "Tài khoản của bạn không có quyền xem trang này hoặc làm việc "
        "này. Nếu cần, hãy liên hệ quản trị viên.",
        "error.status.404": "Địa chỉ này không có trang nào, hoặc văn bản không tồn tại hay "
        "bạn không được xem.",
        "error.status.405": "Địa chỉ này không nhận thao tác này.",
        "error.status.409": "Yêu cầu mâu thuẫn với tình trạng hiện tại (có thể vừa có người "
        "thay đổi). Hãy tải lại trang.",
        "error.status.413": "Tệp gửi lên lớn hơn mức máy chủ cho phép.",
        "error.status.415": "Định dạng nội dung gửi lên không được chấp nhận.",
        "error.status.422": "Dữ liệu gửi lên không hợp lệ.",
        "error.status.429": "Quá nhiều yêu cầu; hãy chờ một lát rồi thử lại.",
        "error.status.500": "Máy chủ gặp lỗi ngoài dự kiến. Lỗi đã được ghi lại.",
        "error.status.503": "Dịch vụ tạm thời không sẵn sàng; không có gì bị thay đổi. Hãy thử "
        "lại sau ít phút.",
        "err.bad_credentials": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "err.throttled": "Đăng nhập sai quá nhiều lần; hãy chờ một lát rồi thử lại.",
        "err.upload_roles": "Chỉ chuyên viên, văn thư và lãnh đạo của một cơ quan được tải lên "
        "dự thảo.",
        "err.database_unavailable": "Cơ sở dữ liệu tạm thời không truy cập được; chưa có gì "
        "bị thay đổi. Hãy thử lại sau giây lát.",
        "err.pdf_encrypted": "Tệp PDF có mật khẩu hoặc bị hạn chế; văn bản phải đọc được: hãy "
        "tải lên bản không có mật khẩu, không hạn chế.",
        "err.pdf_signed": "Tệp PDF đã có chữ ký số; hãy tải lên bản dự thảo chưa ký: hệ thống tự "
        "thêm ô chữ ký trước khi người ký ký.",
        "err.pdf_unreadable": "Không đọc được tệp PDF (tệp hỏng hoặc không đúng định dạng); hãy "
        "xuất lại tệp rồi thử lại.",
        "err.pdf_structure": "Cấu trúc tệp PDF không được chấp nhận (không có trang, quá nhiều "
        "trang hoặc cây trang hỏng); hãy xuất lại tệp rồi thử lại.",
        "err.pdf_fields": "Không thêm được ô chữ ký vào tệp PDF này; hãy xuất lại tệp (không kèm "
        "biểu mẫu) rồi thử lại.",
        "err.already_signed": "Văn bản đã được ký; mỗi người chỉ ký một văn bản một lần.",
        "err.signing_order": "Văn bản đang chờ người khác ký trước (theo thứ tự ký).",
        "err.signing_session_expired": "Phiên ký đã hết hạn; hãy bấm ký lại.",
        "err.file_empty": "Tệp đã chọn trống (0 byte).",
        "actor.system": "hệ thống",
        "note.no_signatures": "Tệp không có chữ ký số nào.",
        "note.form_filled": "Các trường biểu mẫu đã được điền sau chữ ký này: {fields}.",
        "note.legacy_pkcs7": "Đây là chữ ký PKCS#7 kiểu cũ, không phải chữ ký PAdES.",
        "note.no_signed_attributes": "Chữ ký không có thuộc tính được ký.",
        "note.content_timestamp": "Dấu thời gian nội dung không hợp lệ hoặc không tin cậy.",
        "note.no_revocation": "Không có dữ liệu thu hồi cho chứng thư của người ký.",
        "note.cannot_list": "Không liệt kê được các chữ ký trong tệp.",
        "note.technical": "Chi tiết kỹ thuật của bộ kiểm tra",
    },
    "en": {
        "error.title": "This could not be done",
        "error.refused": "You are not allowed to do this.",
        "error.not_found": "Not found.",
        "error.network": "The server could not be reached. Try again.",
        "error.server": "The server answered",
        "error.code": "Error code",
        "error.request_id": "Request id (tell the administrator if this happens again)",
        "error.headline.400": "The request is not valid",
        "error.headline.403": "You are not allowed to do this",
        "error.headline.404": "Page not found",
        "error.headline.413": "The file is too large",
        "error.headline.500": "The server failed",
        "error.headline.503": "The service is temporarily unavailable",
        "error.status.400": "The request is not valid: the address or the data sent has a "
        "value that cannot be used. Go back and choose again.",
        "error.status.401": "You need to sign in to do this.",
        "error.status.403": "Your account may not see this page or do this. Ask the "
        "administrator if you need to.",
        "error.status.404": "There is no page at this address, or the document does not "
        "exist or you may not see it.",
        "error.status.405": "This address does not accept this action.",
        "error.status.409": "The request conflicts with the current state (someone may have "
        "just changed it). Reload the page.",
        "error.status.413": "The file sent is larger than this server accepts.",
        "error.status.415": "This content type is not accepted here.",
        "error.status.422": "The data sent is not valid.",
        "error.status.429": "Too many requests; wait a moment and try again.",
        "error.status.500": "Something went wrong on the server. The error was logged.",
        "error.status.503": "The service is temporarily unavailable; nothing was changed. Try "
        "again in a few minutes.",
        "err.bad_credentials": "Wrong username or password.",
        "err.throttled": "Too many failed sign-ins; wait a moment and try again.",
        "err.upload_roles": "Only specialists, clerks and leaders of an agency upload drafts.",
        "err.database_unavailable": "The database is unavailable right now; nothing was "
        "changed. Try again in a moment.",
        "err.pdf_encrypted": "The PDF is encrypted or restricted; an official document must be "
        "readable: upload it without a password or restrictions.",
        "err.pdf_signed": "The PDF already carries signatures; upload the unsigned draft: the "
        "system adds the signature fields before the signer signs.",
        "err.pdf_unreadable": "The PDF cannot be read (damaged or not a PDF); export it again "
        "and retry.",
        "err.pdf_structure": "The PDF's structure is not accepted (no pages, too many pages or "
        "a broken page tree); export it again and retry.",
        "err.pdf_fields": "This PDF cannot take signature fields; export it again (without "
        "forms) and retry.",
        "err.already_signed": "The document is already signed; a person signs a document once.",
        "err.signing_order": "The document is waiting for someone else to sign first (signing "
        "order).",
        "err.signing_session_expired": "The signing session expired; press Sign again.",
        "err.file_empty": "The chosen file is empty (0 bytes).",
        "actor.system": "system",
        "note.no_signatures": "The file contains no digital signature.",
        "note.form_filled": "Form fields were filled in after this signature: {fields}.",
        "note.legacy_pkcs7": "This is a legacy PKCS#7 signature, not a PAdES signature.",
        "note.no_signed_attributes": "The signature has no signed attributes.",
        "note.content_timestamp": "The content timestamp is not valid or not trusted.",
        "note.no_revocation": "No revocation data for the signer's certificate was available.",
        "note.cannot_list": "The signatures in the file cannot be listed.",
        "note.technical": "The validator's technical details",
    },
}
