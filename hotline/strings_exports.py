"""Console text of exports, search, paging and printing: key → (vi, en)."""

EXPORTS: dict[str, tuple[str, str]] = {
    "col.start": ("Bắt đầu", "Start"), "col.end": ("Kết thúc", "End"),
    "col.active": ("Đang hoạt động", "Active"),
    "venue.visits": ("Lượt check-in", "Check-ins"),
    "venue.visits_title": ("Lượt check-in tại địa điểm", "Check-ins at a venue"),
    "list.search_hint.venue_visits": ("Họ tên hoặc số điện thoại (hoặc các số cuối)",
                                      "Name or phone (or its last digits)"),
    # Search and paging of a list.
    "list.search": ("Tìm kiếm", "Search"),
    "list.search_go": ("Tìm", "Search"),
    "list.search_clear": ("Bỏ tìm kiếm", "Clear the search"),
    "list.search_hint.roster": ("Họ tên, các số cuối của số điện thoại, hoặc mã cơ sở cách ly",
                                "Name, last digits of the phone, or the facility's code"),
    "list.search_hint.visitors": ("Họ tên hoặc các số cuối của số điện thoại",
                                  "Name or last digits of the phone"),
    "list.search_hint.users": ("Tên đăng nhập, tên hiển thị, vai trò hoặc số điện thoại",
                               "Username, display name, role or phone"),
    "list.search_hint.venues": ("Mã, tên, địa chỉ hoặc loại địa điểm",
                                "Code, name, address or kind of venue"),
    "list.search_hint.audit": ("Hành động (ví dụ case.enrol), người dùng, hoặc số điện thoại",
                               "Action (e.g. case.enrol), user, or phone"),
    "list.searching": ("Kết quả tìm “{q}”", "Results for “{q}”"),
    "list.rows": ("Dòng {first}–{last} trên tổng số {total}", "Rows {first}–{last} of {total}"),
    "list.no_rows": ("Không có dòng nào.", "No rows."),
    "list.previous": ("Trang trước", "Previous page"),
    "list.next": ("Trang sau", "Next page"),
    "list.page": ("Trang {number}/{pages}", "Page {number} of {pages}"),
    # Exports.
    "export.label": ("Tải danh sách về", "Download the list"),
    "export.csv": ("CSV", "CSV"), "export.xlsx": ("Excel (XLSX)", "Excel (XLSX)"),
    "export.title": ("Xuất danh sách", "Export"),
    "export.bad_request": ("Không rõ danh sách hoặc định dạng cần xuất.",
                           "Unknown list or file format to export."),
    "export.too_many": ("Danh sách có {rows} dòng, quá giới hạn {max} dòng của một lần xuất. "
                        "Hãy tìm kiếm để thu hẹp danh sách.",
                        "The list has {rows} rows, more than the {max} one export may hold. "
                        "Search to narrow it down."),
    "export.gone": ("Không có tệp xuất này, hoặc tệp đã hết hạn (tệp được giữ {minutes} phút).",
                    "This export does not exist or has expired (files are kept {minutes} "
                    "minutes)."),
    "export.queued": ("Đang chờ xử lý…", "Waiting for a worker…"),
    "export.running": ("Đang tạo tệp: {done}/{total} dòng", "Writing the file: {done} of "
                       "{total} rows"),
    "export.ready": ("Tệp đã sẵn sàng ({total} dòng).", "The file is ready ({total} rows)."),
    "export.failed": ("Không tạo được tệp. Hãy thử lại hoặc báo quản trị viên.",
                      "The file could not be made. Try again or tell an administrator."),
    "export.failed.forbidden": ("Tài khoản của bạn không còn được xem danh sách này.",
                                "Your account may no longer see this list."),
    "export.download": ("Tải tệp {filename}", "Download {filename}"),
    "export.kept": ("Tệp chứa dữ liệu cá nhân: chỉ bạn tải được, và tệp tự xóa sau {minutes} "
                    "phút.", "The file holds personal data: only you can download it, and it "
                    "is deleted after {minutes} minutes."),
    "export.back": ("Quay lại danh sách", "Back to the list"),
    # Printing.
    "print.button": ("In", "Print"),
    "print.roster_title": ("Danh sách cách ly ngày {day}", "Quarantine roster, {day}"),
    "print.printed": ("In lúc {moment} bởi {user}", "Printed at {moment} by {user}"),
    "print.view": ("Bản in", "Print view"),
    "print.rows": ("{total} người đang cách ly", "{total} people in quarantine"),
    "roster.more": ("và {count} người khác (xem danh sách cách ly)",
                    "and {count} more (see the roster)"),
}
