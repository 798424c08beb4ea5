"""Console text of issue 16's joins (the dashboard's links to case pages, exports of
its tables): key → (vi, en)."""

JOINS16: dict[str, tuple[str, str]] = {
    "joins16.case_page": ("Hồ sơ cách ly", "Case page"),
    "joins16.follow_up": ("Ca cần theo dõi", "Cases to follow up"),
    "joins16.follow_up_note": ("Các ca có cảnh báo đang mở hoặc bỏ khai báo từ 2 ngày "
                               "(tối đa {max}; cảnh báo trước, rồi ca im lặng lâu nhất).",
                               "Cases with an alert open or 2 days or more without a "
                               "report (at most {max}; alerts first, then the longest "
                               "silent)."),
    "joins16.follow_up_none": ("Không có ca nào cần theo dõi.", "No case to follow up."),
    "joins16.alert": ("Cảnh báo đang mở", "Alert open"),
    "joins16.last_report": ("Báo cáo gần nhất", "Last report"),
    "joins16.never": ("Chưa báo cáo lần nào", "Never reported"),
}
