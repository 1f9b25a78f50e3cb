"""The strings of recall and correction on the pages (``web.recall_pages``,
``_recall.html``, ``recall.html``); ``docflow.web.i18n`` merges them into its catalogue."""

from __future__ import annotations

__all__ = ["RECALL_STRINGS"]

RECALL_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "recall.section": "Thu hồi và đính chính",
        "recall.open": "Thu hồi văn bản",
        "recall.correct_open": "Ban hành văn bản thay thế/đính chính",
        "recall.title": "Thu hồi văn bản",
        "recall.lead": "Mọi nơi nhận đang giữ văn bản sẽ nhận yêu cầu thu hồi. Mỗi nơi "
        "nhận đồng ý (văn bản rời khỏi danh sách xử lý của họ) hoặc từ chối kèm lý do.",
        "recall.holders": "Nơi nhận",
        "recall.reason": "Lý do thu hồi (bắt buộc)",
        "recall.submit": "Gửi yêu cầu thu hồi",
        "recall.cancel": "Quay lại văn bản",
        "recall.asked": "Cơ quan gửi yêu cầu thu hồi văn bản này",
        "recall.asked_reason": "Lý do",
        "recall.answer_open": "Trả lời yêu cầu thu hồi",
        "recall.answer_title": "Trả lời yêu cầu thu hồi",
        "recall.accept_lead": "Đồng ý: văn bản rời khỏi danh sách xử lý, vẫn được lưu "
        "trong sổ đến kèm ghi chú.",
        "recall.accept": "Đồng ý thu hồi",
        "recall.refuse_reason": "Lý do từ chối (bắt buộc)",
        "recall.refuse": "Từ chối thu hồi",
        "recall.back_transfer": "Quay lại văn bản đến",
        "recall.corrects": "Văn bản này đính chính hoặc thay thế văn bản số",
        "correction.title": "Ban hành văn bản thay thế/đính chính",
        "correction.lead": "Chọn dự thảo (chưa ban hành) của cơ quan sẽ thay thế hoặc "
        "đính chính văn bản này. Khi dự thảo được ban hành, nơi nhận thấy nó thay thế "
        "hoặc đính chính văn bản nào.",
        "correction.draft": "Dự thảo",
        "correction.none": "Cơ quan chưa có dự thảo nào. Hãy tải lên dự thảo mới rồi quay "
        "lại trang này.",
        "correction.kind": "Loại",
        "correction.update": "Đính chính (sai sót về thể thức)",
        "correction.replace": "Thay thế (sai sót về nội dung)",
        "correction.submit": "Đánh dấu dự thảo",
        "correction.upload": "Tải lên dự thảo mới",
        "done.recalled": "Đã gửi yêu cầu thu hồi tới các nơi nhận.",
        "done.recall_accepted": "Đã đồng ý thu hồi. Văn bản vẫn được lưu trong sổ đến.",
        "done.recall_refused": "Đã từ chối thu hồi; cơ quan gửi nhận được lý do.",
        "done.correction_marked": "Đã đánh dấu dự thảo là văn bản thay thế/đính chính. "
        "Khi ban hành, nơi nhận sẽ thấy điều này.",
        "refused.recall_reason": "Chưa gửi được: hãy ghi lý do thu hồi (tối đa 1000 ký tự).",
        "refused.recall_none": "Không có nơi nhận nào để thu hồi: văn bản chưa gửi đi, "
        "hoặc mọi nơi nhận đã trả lại, đã thu hồi hay đang được yêu cầu thu hồi.",
        "refused.recall_refuse_reason": "Chưa từ chối được: hãy ghi lý do từ chối "
        "(tối đa 1000 ký tự).",
        "refused.recall_answered": "Yêu cầu thu hồi này đã được trả lời hoặc không còn.",
        "refused.correction_draft": "Chưa đánh dấu được: hãy chọn một dự thảo của cơ quan.",
        "refused.correction_refused": "Chưa đánh dấu được: dự thảo đã được ban hành, hoặc "
        "hãy chọn loại đính chính hay thay thế.",
    },
    "en": {
        "recall.section": "Recall and correction",
        "recall.open": "Recall the document",
        "recall.correct_open": "Issue a replacing or correcting document",
        "recall.title": "Recall the document",
        "recall.lead": "Every recipient that holds the document is asked to withdraw it. "
        "Each recipient accepts (the document leaves its working lists) or refuses with "
        "a reason.",
        "recall.holders": "Recipients",
        "recall.reason": "Reason for the recall (required)",
        "recall.submit": "Send the recall request",
        "recall.cancel": "Back to the document",
        "recall.asked": "The sender asks to recall this document",
        "recall.asked_reason": "Reason",
        "recall.answer_open": "Answer the recall request",
        "recall.answer_title": "Answer the recall request",
        "recall.accept_lead": "Accept: the document leaves the working lists and stays in "
        "the incoming register with a note.",
        "recall.accept": "Accept the recall",
        "recall.refuse_reason": "Reason for refusing (required)",
        "recall.refuse": "Refuse the recall",
        "recall.back_transfer": "Back to the incoming document",
        "recall.corrects": "This document corrects or replaces document",
        "correction.title": "Issue a replacing or correcting document",
        "correction.lead": "Choose the agency's draft (not issued yet) that replaces or "
        "corrects this document. Once it is issued, recipients see which document it "
        "replaces or corrects.",
        "correction.draft": "Draft",
        "correction.none": "The agency has no draft yet. Upload a new draft, then come back "
        "to this page.",
        "correction.kind": "Kind",
        "correction.update": "Correction (an error of form)",
        "correction.replace": "Replacement (an error of substance)",
        "correction.submit": "Mark the draft",
        "correction.upload": "Upload a new draft",
        "done.recalled": "The recall request was sent to the recipients.",
        "done.recall_accepted": "Recall accepted. The document stays in the incoming "
        "register.",
        "done.recall_refused": "Recall refused; the sender receives your reason.",
        "done.correction_marked": "The draft is marked as a replacing/correcting document. "
        "Recipients will see it when it is issued.",
        "refused.recall_reason": "Not sent: write the reason for the recall (at most 1000 "
        "characters).",
        "refused.recall_none": "No recipient to recall from: the document was not sent, or "
        "every recipient returned it, withdrew it or is asked already.",
        "refused.recall_refuse_reason": "Not refused: write the reason for refusing (at "
        "most 1000 characters).",
        "refused.recall_answered": "This recall request was already answered or is gone.",
        "refused.correction_draft": "Not marked: choose a draft of your agency.",
        "refused.correction_refused": "Not marked: the draft is already issued, or choose "
        "correction or replacement.",
    },
}
