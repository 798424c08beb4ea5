"""Console text of the data-subject requests page: key → (vi, en)."""

PRIVACY: dict[str, tuple[str, str]] = {
    "nav.data_requests": ("Yêu cầu về dữ liệu", "Data requests"),
    "privacy.title": ("Yêu cầu của chủ thể dữ liệu", "Data-subject requests"),
    "privacy.intro": ("Xác nhận đã nhận trong 2 ngày làm việc; trả lời trong 10 ngày (xem), "
                      "15 ngày (rút đồng ý, hạn chế), 20 ngày (xóa) — Nghị định 356/2025/NĐ-CP "
                      "Điều 5.",
                      "Acknowledge within 2 working days; answer within 10 days (access), 15 "
                      "(withdrawal, restriction), 20 (erasure) — Decree 356/2025/ND-CP Art. 5."),
    "privacy.kind": ("Loại yêu cầu", "Kind"),
    "privacy.kind.access": ("Xem dữ liệu", "Access"),
    "privacy.kind.erasure": ("Xóa dữ liệu", "Erasure"),
    "privacy.kind.withdrawal": ("Rút lại đồng ý", "Withdrawal of consent"),
    "privacy.kind.restriction": ("Hạn chế xử lý", "Restriction"),
    "privacy.channel": ("Kênh", "Channel"),
    "privacy.received": ("Nhận lúc", "Received"),
    "privacy.acknowledged_at": ("Đã xác nhận", "Acknowledged"),
    "privacy.by": ("hạn", "by"),
    "privacy.deadline": ("Hạn xử lý", "Deadline"),
    "privacy.done": ("Xong lúc", "Done"),
    "privacy.outcome": ("Kết quả", "Outcome"),
    "privacy.outcome.done": ("Đã thực hiện", "Done"),
    "privacy.outcome.partial": ("Thực hiện một phần", "Partly done"),
    "privacy.outcome.refused": ("Từ chối", "Refused"),
    "privacy.overdue": ("QUÁ HẠN", "OVERDUE"),
    "privacy.record": ("Ghi nhận yêu cầu", "Record the request"),
    "privacy.recorded": ("Đã ghi nhận yêu cầu số {id}.", "Request {id} recorded."),
    "privacy.acknowledge": ("Xác nhận đã nhận", "Acknowledge"),
    "privacy.acknowledged": ("Đã xác nhận yêu cầu số {id}.", "Request {id} acknowledged."),
    "privacy.erase": ("Xóa dữ liệu", "Erase"),
    "privacy.erased": ("Đã xóa dữ liệu của {phone} (yêu cầu số {id}); các bản ghi đồng ý "
                       "và yêu cầu được giữ làm bằng chứng.",
                       "The data of {phone} is erased (request {id}); its consent records "
                       "and the request are kept as proof."),
    "privacy.erased_partly": ("Yêu cầu số {id}: đã xóa, trừ phần luật buộc giữ lại: {reason}",
                              "Request {id}: erased, except what the law requires us to keep: "
                              "{reason}"),
    "privacy.not_erasable": ("Yêu cầu số {id} không phải yêu cầu xóa đang mở.",
                             "Request {id} is not an open erasure request."),
    "privacy.mark_done": ("Đã thực hiện", "Mark done"),
    "privacy.refuse": ("Từ chối", "Refuse"),
    "privacy.reason": ("Lý do từ chối", "Reason for refusing"),
    "privacy.reason_needed": ("Từ chối cần có lý do (người yêu cầu sẽ được báo lý do).",
                              "A refusal needs its reason (the person is told it)."),
    "privacy.not_closable": ("Yêu cầu số {id} đã xong, hoặc là yêu cầu xóa: hãy dùng nút Xóa.",
                             "Request {id} is done, or is an erasure: use the Erase button."),
    "privacy.closed_done": ("Yêu cầu số {id} đã thực hiện.", "Request {id} is done."),
    "privacy.closed_refused": ("Đã từ chối yêu cầu số {id}.", "Request {id} is refused."),
}
