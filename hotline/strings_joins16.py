"""Console text of issue 16's joins (the dashboard's links to case pages, exports of
its tables): key → (vi, en)."""

JOINS16: dict[str, tuple[str, str]] = {
    "joins16.case_page": ("Hồ sơ cách ly", "Case page"),
}
