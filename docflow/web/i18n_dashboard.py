"""The operations dashboard's strings (``/dashboard``, its charts and its CSV export),
Vietnamese and English; ``docflow.web.dashboard`` adds them to the catalogue."""

from __future__ import annotations

__all__ = ["DASHBOARD_STRINGS"]

DASHBOARD_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "nav.dashboard": "Điều hành",
        "dash.title": "Bảng điều hành văn bản",
        "dash.scope.province": "Toàn tỉnh: mọi cơ quan trên hệ thống.",
        "dash.scope.agency": "Cơ quan: {name}.",
        "dash.lead": "Số liệu từ {first} đến {last} (giờ Việt Nam), tính lúc {now}. Chỉ có số "
        "đếm và tên cơ quan, người xử lý; không hiển thị trích yếu hay nội dung văn bản.",
        "dash.from": "Từ ngày",
        "dash.to": "Đến ngày",
        "dash.show": "Xem số liệu",
        "dash.export": "Tải bảng số liệu (CSV, mở được bằng Excel)",
        "dash.issued": "Văn bản ban hành",
        "dash.received": "Văn bản đến",
        "dash.on_time": "Xử lý đúng hạn",
        "dash.on_time_of": "{on_time}/{due} văn bản",
        "dash.completed": "Đã xử lý xong",
        "dash.average": "Thời gian xử lý trung bình",
        "dash.overdue": "Quá hạn (hiện tại)",
        "dash.failures": "Gửi liên thông lỗi",
        "dash.failures_of": "{failed} lỗi, {retrying} đang gửi lại",
        "dash.failed": "Gửi lỗi",
        "dash.retrying": "Đang gửi lại",
        "dash.verdicts": "Kiểm tra chữ ký văn bản đến",
        "dash.verdict.passed": "Hợp lệ",
        "dash.verdict.failed": "Không hợp lệ",
        "dash.verdict.indeterminate": "Chưa xác định",
        "dash.none": "—",
        "dash.agency": "Cơ quan",
        "dash.abbreviation": "Viết tắt",
        "dash.total": "Tổng cộng",
        "dash.table": "Số liệu theo cơ quan",
        "dash.people": "Văn bản quá hạn theo người xử lý",
        "dash.people.none": "Không có văn bản nào quá hạn.",
        "dash.person": "Người xử lý",
        "dash.department": "Phòng, ban",
        "dash.department_only": "(giao cả phòng, ban)",
        "dash.unassigned": "Chưa giao người xử lý",
        "dash.count": "Số văn bản quá hạn",
        "dash.more_people": "Chỉ hiện {shown} dòng đầu; tệp CSV và API có đủ.",
        "dash.chart.daily": "Văn bản ban hành và văn bản đến theo ngày",
        "dash.chart.monthly": "Văn bản ban hành và văn bản đến theo tháng",
        "dash.chart.daily.desc": "Biểu đồ cột từ {first} đến {last}: tổng cộng {issued} văn "
        "bản ban hành và {received} văn bản đến; ngày nhiều nhất {peak}.",
        "dash.chart.on_time": "Tỉ lệ xử lý đúng hạn theo cơ quan",
        "dash.chart.on_time.desc": "Mỗi thanh là một cơ quan có văn bản đến hạn xử lý trong "
        "kỳ; nhãn bên phải ghi tỉ lệ và số văn bản đúng hạn trên số văn bản đến hạn.",
        "dash.chart.on_time.empty": "Không có văn bản nào đến hạn xử lý trong kỳ.",
        "dash.chart.verdicts": "Kết quả kiểm tra chữ ký của văn bản đến",
        "dash.chart.verdicts.desc": "Mỗi thanh chia theo kết quả: hợp lệ, không hợp lệ, chưa "
        "xác định; nhãn bên phải ghi số văn bản theo thứ tự đó.",
        "dash.chart.verdicts.empty": "Không có văn bản đến trong kỳ.",
        "dash.chart.top": "Biểu đồ hiện {shown} cơ quan đầu; bảng bên dưới có đủ.",
        "dash.figures": "Xem số liệu của biểu đồ dưới dạng bảng",
        "dash.day": "Ngày",
        "dash.month": "Tháng",
        "dash.help": "Cách tính các số liệu",
        "dash.help.issued": "Văn bản ban hành: văn bản của cơ quan được cấp số, ban hành trong kỳ.",
        "dash.help.received": "Văn bản đến: văn bản gửi tới cơ quan đến hệ thống trong kỳ; kết "
        "quả kiểm tra chữ ký là kết quả khi văn bản đến.",
        "dash.help.on_time": "Xử lý đúng hạn: trong số văn bản đến có hạn xử lý rơi vào kỳ và đã "
        "xử lý xong hoặc đã quá hạn, tỉ lệ văn bản xử lý xong không muộn hơn hạn.",
        "dash.help.average": "Thời gian xử lý trung bình: từ lúc văn bản đến tới lúc xử lý xong, "
        "của các văn bản xử lý xong trong kỳ.",
        "dash.help.overdue": "Quá hạn: văn bản chưa xử lý xong đã quá hạn xử lý, tính tại thời "
        "điểm xem (không phụ thuộc kỳ).",
        "dash.help.failures": "Gửi liên thông lỗi: gói tin gửi tới hệ thống khác trong kỳ đã "
        "dừng gửi vì lỗi, hoặc đang được gửi lại sau lần gửi lỗi.",
        "dash.err.bad_date": "“{name}” phải là một ngày viết theo dạng năm-tháng-ngày, ví dụ "
        "2026-11-01 (đã nhập: “{value}”).",
        "dash.err.reversed": "Từ ngày ({first}) sau đến ngày ({last}): kỳ phải bắt đầu không muộn "
        "hơn ngày kết thúc.",
        "dash.err.too_long": "Kỳ dài {days} ngày; mỗi lần chỉ xem được tối đa {max} ngày.",
        "dash.duration.days": "{days} ngày {hours} giờ",
        "dash.duration.hours": "{hours} giờ {minutes} phút",
        "dash.duration.whole_hours": "{hours} giờ",
        "dash.duration.minutes": "{minutes} phút",
        "dash.csv.share": "Tỉ lệ đúng hạn (%)",
        "dash.csv.due": "Số văn bản đến hạn",
        "dash.csv.on_time": "Số văn bản đúng hạn",
        "dash.csv.average": "Thời gian xử lý trung bình (phút)",
    },
    "en": {
        "nav.dashboard": "Dashboard",
        "dash.title": "Operations dashboard",
        "dash.scope.province": "The whole province: every agency on the system.",
        "dash.scope.agency": "Agency: {name}.",
        "dash.lead": "Figures from {first} to {last} (Vietnam time), as of {now}. Counts and "
        "names of agencies and people only; no document's subject or content is shown.",
        "dash.from": "From",
        "dash.to": "To",
        "dash.show": "Show figures",
        "dash.export": "Download the table (CSV, opens in Excel)",
        "dash.issued": "Documents issued",
        "dash.received": "Documents received",
        "dash.on_time": "Handled on time",
        "dash.on_time_of": "{on_time} of {due} documents",
        "dash.completed": "Handling completed",
        "dash.average": "Average handling time",
        "dash.overdue": "Overdue (now)",
        "dash.failures": "Failed deliveries",
        "dash.failures_of": "{failed} failed, {retrying} being retried",
        "dash.failed": "Failed",
        "dash.retrying": "Being retried",
        "dash.verdicts": "Signature checks of arrivals",
        "dash.verdict.passed": "Valid",
        "dash.verdict.failed": "Invalid",
        "dash.verdict.indeterminate": "Indeterminate",
        "dash.none": "—",
        "dash.agency": "Agency",
        "dash.abbreviation": "Abbreviation",
        "dash.total": "Total",
        "dash.table": "Figures per agency",
        "dash.people": "Overdue documents by person",
        "dash.people.none": "No document is overdue.",
        "dash.person": "Handled by",
        "dash.department": "Department",
        "dash.department_only": "(assigned to the whole department)",
        "dash.unassigned": "No one assigned",
        "dash.count": "Overdue documents",
        "dash.more_people": "Only the first {shown} rows are shown; the CSV file and the API "
        "have them all.",
        "dash.chart.daily": "Documents issued and received per day",
        "dash.chart.monthly": "Documents issued and received per month",
        "dash.chart.daily.desc": "Bar chart from {first} to {last}: {issued} documents issued "
        "and {received} received in all; busiest day {peak}.",
        "dash.chart.on_time": "Share handled on time per agency",
        "dash.chart.on_time.desc": "One bar per agency with documents due in the period; the "
        "label on the right gives the share and the documents on time out of those due.",
        "dash.chart.on_time.empty": "No document was due in the period.",
        "dash.chart.verdicts": "Signature checks of arriving documents",
        "dash.chart.verdicts.desc": "Each bar is split by verdict: valid, invalid, "
        "indeterminate; the label on the right gives the counts in that order.",
        "dash.chart.verdicts.empty": "No document arrived in the period.",
        "dash.chart.top": "The chart shows the first {shown} agencies; the table below has all.",
        "dash.figures": "The chart's figures as a table",
        "dash.day": "Day",
        "dash.month": "Month",
        "dash.help": "How the figures are counted",
        "dash.help.issued": "Documents issued: the agency's documents numbered and issued in "
        "the period.",
        "dash.help.received": "Documents received: documents to the agency that arrived in the "
        "period; the signature check is the one made on arrival.",
        "dash.help.on_time": "Handled on time: of the arrivals whose handling deadline falls in "
        "the period and that were completed or are past it, the share completed by the "
        "deadline.",
        "dash.help.average": "Average handling time: from arrival to completion, for documents "
        "completed in the period.",
        "dash.help.overdue": "Overdue: documents not yet completed and past their deadline, at "
        "the time you look (whatever the period).",
        "dash.help.failures": "Failed deliveries: packages sent to other systems in the period "
        "that were given up after errors or are being retried after a failed attempt.",
        "dash.err.bad_date": "“{name}” must be a date written year-month-day, for example "
        "2026-11-01 (given: “{value}”).",
        "dash.err.reversed": "From ({first}) is after to ({last}): the period must start on or "
        "before the day it ends.",
        "dash.err.too_long": "The period is {days} days long; at most {max} days can be shown "
        "at a time.",
        "dash.duration.days": "{days} d {hours} h",
        "dash.duration.hours": "{hours} h {minutes} min",
        "dash.duration.whole_hours": "{hours} h",
        "dash.duration.minutes": "{minutes} min",
        "dash.csv.share": "Share on time (%)",
        "dash.csv.due": "Documents due",
        "dash.csv.on_time": "Documents on time",
        "dash.csv.average": "Average handling time (minutes)",
    },
}
