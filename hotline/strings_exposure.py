"""Console text of exposure notification (issue 17): key → (vi, en)."""

EXPOSURE: dict[str, tuple[str, str]] = {
    "nav.exposures": ("Truy vết", "Tracing"),
    "expo.title": ("Truy vết: thông báo tiếp xúc", "Tracing: exposure notifications"),
    "expo.mark_title": ("Đánh dấu ca bệnh xác nhận", "Mark a confirmed case"),
    "expo.mark_explain": (
        "Hệ thống liệt kê những số điện thoại đã ở cùng địa điểm, cùng thời gian với ca "
        "bệnh để bạn xem lại. Chưa ai nhận tin nhắn cho đến khi bạn xác nhận. Tin nhắn "
        "không bao giờ nêu danh tính ca bệnh.",
        "The gateway lists the phones that were at the same venues at the same time as the "
        "case, for you to review. Nobody is texted until you confirm. No message ever names "
        "the case."),
    "expo.phone": ("Số điện thoại của ca bệnh", "The case's phone"),
    "expo.from": ("Có thể lây từ", "Infectious from"),
    "expo.to": ("Đến", "Until"),
    "expo.mark": ("Liệt kê người tiếp xúc", "List the exposed"),
    "expo.cases": ("Các ca đã đánh dấu", "Cases marked"),
    "expo.none": ("Chưa có ca nào.", "No case yet."),
    "expo.case": ("Ca", "Case"),
    "expo.window": ("Thời gian", "Window"),
    "expo.status": ("Trạng thái", "Status"),
    "expo.status.review": ("Chờ xác nhận", "To review"),
    "expo.status.notified": ("Đã thông báo", "Notified"),
    "expo.exposed": ("Người tiếp xúc", "Exposed"),
    "expo.texted": ("Đã nhắn", "Texted"),
    "expo.isolating": ("Tự cách ly (1)", "Self-isolating (1)"),
    "expo.symptoms": ("Có triệu chứng (2)", "Symptoms (2)"),
    "expo.open": ("Xem", "Open"),
    "expo.case_title": ("Ca bệnh #{id}", "Case #{id}"),
    "expo.marked_by": ("Đánh dấu bởi {who} ({channel}) lúc {time}",
                       "Marked by {who} ({channel}) at {time}"),
    "expo.phone_col": ("Số điện thoại", "Phone"),
    "expo.venue": ("Địa điểm", "Venue"),
    "expo.overlap": ("Cùng lúc", "Overlap"),
    "expo.answer": ("Trả lời", "Answer"),
    "expo.answer.isolating": ("1 – sẽ tự cách ly", "1 – will self-isolate"),
    "expo.answer.symptoms": ("2 – có triệu chứng", "2 – has symptoms"),
    "expo.not_yet": ("Chưa", "Not yet"),
    "expo.no_exposed": ("Không có ai tiếp xúc trong khu vực của bạn.",
                        "Nobody was exposed inside your area."),
    "expo.confirm": ("Xác nhận và nhắn tin cho {count} người", "Confirm and text {count} phones"),
    "expo.confirm_explain": (
        "Mỗi người nhận một tin nhắn: nơi và lúc có thể đã tiếp xúc, việc cần làm, 1022. "
        "Người đã được nhắn về cùng lần tiếp xúc sẽ không nhận lại.",
        "Each phone gets one SMS: where and when it may have been exposed, what to do, "
        "1022. A phone already texted about the same exposure is not texted again."),
    "expo.marked": ("Đã liệt kê {count} người tiếp xúc mới. Hãy xem lại rồi xác nhận.",
                    "{count} new exposed phones listed. Review them, then confirm."),
    "expo.notified": ("Đã gửi {count} tin nhắn.", "{count} messages queued."),
    "expo.shown": ("Hiển thị tối đa {count} dòng đầu.", "Showing the first {count} at most."),
    "expo.error.phone": ("Số điện thoại di động không hợp lệ.", "Not a valid mobile number."),
    "expo.error.moment": ("Nhập ngày và giờ.", "Enter a date and time."),
    "expo.error.window": ("Thời gian không hợp lệ: {reason}.", "Invalid window: {reason}."),
}
