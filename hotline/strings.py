"""What the console says, in Vietnamese with diacritics and in English: key → (vi, en).

Unlike SMS text (GSM-7, no diacritics) the console is read on a screen, so it uses
proper Vietnamese. Labels of the declaration's questions are keyed by the form's
message keys (`label.decl.name`); a question without one shows its SMS prompt.
"""

STRINGS: dict[str, tuple[str, str]] = {
    "app.name": ("Tổng đài 1022", "Hotline 1022"),
    "app.tagline": ("Khai báo y tế thay người gọi", "Health declarations on a caller's behalf"),
    # Roles and navigation.
    "role.operator": ("Điện thoại viên", "Operator"),
    "role.venue_staff": ("Nhân viên điểm kiểm dịch", "Venue staff"),
    "role.manager": ("Cán bộ quản lý cách ly", "Quarantine manager"),
    "role.admin": ("Quản trị", "Administrator"),
    "nav.call": ("Cuộc gọi", "Call"),
    "nav.caller": ("Người gọi", "Caller"),
    "nav.staff": ("Check-in khách", "Check a visitor in"),
    "nav.visitors": ("Khách hôm nay", "Today's visitors"),
    "nav.roster": ("Danh sách cách ly", "Roster"),
    "nav.today": ("Hôm nay", "Today"),
    "nav.digest": ("Bản tổng hợp", "Digest"),
    "nav.enrol": ("Đưa vào cách ly", "Enrol"),
    "nav.users": ("Người dùng", "Users"),
    "nav.venues": ("Địa điểm", "Venues"),
    "nav.tokens": ("Mã truy cập API", "API tokens"),
    "nav.audit": ("Nhật ký truy cập", "Audit log"),
    "nav.logout": ("Đăng xuất", "Sign out"),
    "nav.language": ("Ngôn ngữ", "Language"),
    # Signing in.
    "auth.title": ("Đăng nhập", "Sign in"),
    "auth.username": ("Tên đăng nhập", "Username"),
    "auth.password": ("Mật khẩu", "Password"),
    "auth.submit": ("Đăng nhập", "Sign in"),
    # One answer for a wrong password and a locked account (no account enumeration).
    "auth.wrong": ("Sai tên đăng nhập hoặc mật khẩu. Sau {tries} lần sai, tài khoản bị tạm "
                   "khóa {minutes} phút (quản trị viên có thể mở khóa sớm hơn).",
                   "Wrong username or password. After {tries} wrong passwords an account is "
                   "locked for {minutes} minutes (an administrator can unlock it sooner)."),
    "auth.too_many": ("Quá nhiều lần đăng nhập sai từ máy này. Thử lại sau {minutes} phút.",
                      "Too many failed sign-ins from this address. Try again in {minutes} "
                      "minutes."),
    "auth.expired": ("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
                     "Your session expired. Please sign in again."),
    "auth.logged_out": ("Đã đăng xuất.", "Signed out."),
    # Errors.
    "error.required": ("Vui lòng nhập mục này.", "This is required."),
    "error.phone": ("Số di động không hợp lệ, ví dụ: 0912 345 678.",
                    "Not a valid mobile number, e.g. 0912 345 678."),
    "error.forbidden": ("Tài khoản của bạn không được mở trang này.",
                        "Your account may not open this page."),
    "error.not_found": ("Không tìm thấy.", "Not found."),
    "error.csrf": ("Biểu mẫu đã hết hạn hoặc không hợp lệ. Tải lại trang và thử lại.",
                   "The form expired or is not valid. Reload the page and try again."),
    "error.characters": ("Ô {field} chứa ký tự không được phép ({reason}).",
                         "The field {field} contains a character that is not allowed "
                         "({reason})."),
    "error.title": ("Không thực hiện được", "That did not work"),
    "error.back": ("Về trang chính", "Back to the start page"),
    "error.password_short": ("Mật khẩu cần ít nhất {min} ký tự.",
                             "The password needs at least {min} characters."),
    "error.username": ("Tên đăng nhập: 2-60 chữ thường, số, '.', '_' hoặc '-'.",
                       "Username: 2-60 lower-case letters, digits, '.', '_' or '-'."),
    "error.username_taken": ("Tên đăng nhập đã có người dùng.", "That username is taken."),
    "error.role": ("Chọn một vai trò.", "Choose a role."),
    "error.venues_needed": ("Nhân viên điểm kiểm dịch cần ít nhất một mã địa điểm.",
                            "Venue staff need at least one venue code."),
    "error.venue_unknown": ("Không có địa điểm mã {code}.", "No venue has the code {code}."),
    "error.name": ("Họ tên cần 2-{max} ký tự.", "The name needs 2-{max} characters."),
    "error.length": ("Tối đa {max} ký tự.", "At most {max} characters."),
    "error.date": ("Chọn một ngày trên lịch.", "Pick a day on the calendar."),
    "error.end_before_start": ("Ngày kết thúc trước ngày bắt đầu.",
                               "The end date is before the start date."),
    # The call.
    "call.title": ("Cuộc gọi mới", "New call"),
    "call.intro": ("Hỏi số điện thoại của người gọi. Hệ thống sẽ gửi tin nhắn chứa mã 6 số "
                   "tới số đó; người gọi đọc mã cho bạn.",
                   "Ask for the caller's phone number. The gateway texts a 6-digit code to "
                   "it; the caller reads the code to you."),
    "call.phone": ("Số điện thoại người gọi", "Caller's phone number"),
    "call.send": ("Gửi mã xác thực", "Send the code"),
    "call.code_title": ("Nhập mã người gọi đọc", "Enter the code the caller reads"),
    "call.code_sent": ("Đã gửi mã 6 số tới {masked}. Mã có hiệu lực 5 phút.",
                       "A 6-digit code was sent to {masked}. It is valid for 5 minutes."),
    "call.code": ("Mã xác thực (6 số)", "Code (6 digits)"),
    "call.verify": ("Xác thực", "Verify"),
    "call.resend": ("Gửi lại mã", "Send a new code"),
    "call.end": ("Kết thúc cuộc gọi", "End the call"),
    "call.in_progress": ("Đang làm việc với {masked}.", "Working for {masked}."),
    "call.code_wrong": ("Mã không đúng, còn {tries} lần thử.",
                        "Wrong code, {tries} tries left."),
    "call.code_wrong_plain": ("Mã không đúng. Kiểm tra và nhập lại.",
                              "Wrong code. Check it and enter it again."),
    "call.code_malformed": ("Mã gồm 6 chữ số.", "The code has 6 digits."),
    "call.code_expired": ("Mã đã hết hạn hoặc đã dùng. Gửi mã mới.",
                          "The code expired or was used. Send a new one."),
    "call.code_locked": ("Nhập sai quá nhiều lần, mã đã bị hủy. Gửi mã mới.",
                         "Too many wrong tries: the code is cancelled. Send a new one."),
    "call.code_refused": ("Số này đã nhận quá nhiều mã. Thử lại sau {minutes} phút.",
                          "Too many codes for this number. Try again in {minutes} minutes."),
    "call.code_capped": ("Tài khoản của bạn đã gửi quá nhiều mã trong giờ qua. Thử lại sau "
                         "{minutes} phút.",
                         "Your account has sent too many codes in the last hour. Try again "
                         "in {minutes} minutes."),
    "call.code_resent": ("Đã gửi mã mới.", "A new code was sent."),
    "call.verified": ("Đã xác thực số điện thoại người gọi.", "The caller's phone is verified."),
    "call.verify_first": ("Cần xác thực số điện thoại người gọi trước.",
                          "Verify the caller's phone first."),
    "call.ended": ("Đã kết thúc cuộc gọi.", "Call ended."),
    # The verified caller.
    "caller.title": ("Người gọi {phone}", "Caller {phone}"),
    "caller.declare": ("Khai báo y tế", "Make a declaration"),
    "caller.checkin": ("Check-in tại địa điểm", "Check in at a venue"),
    "caller.report": ("Báo cáo sức khỏe hôm nay", "Today's health report"),
    "caller.declarations": ("Tờ khai", "Declarations"),
    "caller.visits": ("Check-in gần đây", "Recent check-ins"),
    "caller.quarantine": ("Cách ly", "Quarantine"),
    "caller.none": ("Chưa có.", "None."),
    "caller.valid": ("Tờ khai còn hiệu lực: {code}, đến {until}.",
                     "Valid declaration: {code}, until {until}."),
    "caller.no_valid": ("Không có tờ khai còn hiệu lực.", "No valid declaration."),
    "col.code": ("Mã", "Code"), "col.name": ("Họ tên", "Name"), "col.time": ("Thời gian", "Time"),
    "col.risk": ("Nguy cơ", "Risk"), "col.channel": ("Kênh", "Channel"),
    "col.operator": ("Người thực hiện", "By"), "col.venue": ("Địa điểm", "Venue"),
    "col.out": ("Ra", "Out"), "col.phone": ("Số điện thoại", "Phone"),
    "col.period": ("Thời gian cách ly", "Period"), "col.status": ("Trạng thái", "Status"),
    "col.kind": ("Loại", "Kind"), "col.report": ("Báo cáo hôm nay", "Today's report"),
    "col.days_left": ("Còn (ngày)", "Days left"), "col.role": ("Vai trò", "Role"),
    "col.username": ("Tên đăng nhập", "Username"), "col.venues": ("Địa điểm", "Venues"),
    "col.actions": ("Thao tác", "Actions"), "col.action": ("Hành động", "Action"),
    "col.detail": ("Chi tiết", "Detail"), "col.user": ("Người dùng", "User"),
    "col.address": ("Địa chỉ", "Address"), "col.scopes": ("Quyền", "Scopes"),
    "col.created": ("Tạo lúc", "Created"), "col.last_used": ("Dùng lần cuối", "Last used"),
    "col.missed": ("Số ngày chưa báo cáo", "Days missed"),
    "risk.high": ("Cao", "High"), "risk.low": ("Thấp", "Low"),
    "status.active": ("Đang cách ly", "Active"), "status.closed": ("Đã kết thúc", "Closed"),
    "kind.home": ("Tại nhà", "Home"), "kind.facility": ("Tại cơ sở", "Facility"),
    "yes": ("Có", "Yes"), "no": ("Không", "No"),
    # The declaration form.
    "declare.title": ("Tờ khai y tế", "Health declaration"),
    "declare.for": ("Khai báo cho {masked}, số đã xác thực.", "Declaring for {masked}, verified."),
    "declare.prefilled": ("Đã điền sẵn thông tin tờ khai gần nhất; hỏi lại người gọi để xác "
                          "nhận.", "Filled in from the last declaration; check each answer "
                          "with the caller."),
    "declare.check": ("Kiểm tra", "Review"),
    "declare.errors": ("Có mục chưa hợp lệ, xem các dòng báo đỏ.",
                       "Some answers are not valid: see the messages in red."),
    "declare.confirm_title": ("Đọc lại cho người gọi trước khi gửi", "Read back before sending"),
    "declare.submit": ("Gửi tờ khai", "Submit"),
    "declare.edit": ("Sửa", "Change answers"),
    "declare.high_risk": ("Có dấu hiệu nguy cơ: khuyên người gọi ở nhà, hạn chế tiếp xúc và "
                          "theo dõi sức khỏe.",
                          "Risk signs: advise the caller to stay home, avoid contact and "
                          "watch their health."),
    "declare.done_title": ("Đã khai báo", "Declared"),
    "declare.code": ("Mã tờ khai — đọc cho người gọi:", "Declaration code — read it out:"),
    "declare.valid_until": ("Hiệu lực đến {until}. Người gọi cũng nhận mã qua tin nhắn.",
                            "Valid until {until}. The caller also gets it by SMS."),
    "declare.checked_in": ("Đã check-in tại {venue}.", "Checked in at {venue}."),
    "declare.back": ("Về trang người gọi", "Back to the caller"),
    "declare.next_visitor": ("Khách tiếp theo", "Next visitor"),
    "form.needs_earlier": ("Trả lời câu trước cho đúng rồi nhập lại mục này.",
                           "Correct the earlier answer, then this one."),
    "form.type_ahead": ("Gõ vài chữ để chọn trong danh sách", "Type a few letters to choose"),
    "label.decl.name": ("Họ và tên", "Full name"),
    "label.decl.birth_year": ("Năm sinh", "Year of birth"),
    "label.decl.gender": ("Giới tính", "Gender"),
    "label.decl.id_number": ("Số CCCD, CMND hoặc hộ chiếu", "ID card or passport number"),
    "label.decl.insurance": ("Số thẻ BHYT", "Health insurance (BHYT) number"),
    "label.decl.province": ("Tỉnh/thành phố nơi ở", "Province or city"),
    "label.decl.commune": ("Xã/phường", "Commune or ward"),
    "label.decl.commune_pick": ("Có nhiều xã/phường trùng tên, chọn một",
                                "Several communes match: choose one"),
    "label.decl.street": ("Số nhà, đường/thôn, tổ/ấp", "House number, street or village"),
    "label.decl.symptoms": ("Triệu chứng trong 14 ngày qua", "Symptoms in the last 14 days"),
    "label.decl.contact": ("14 ngày qua có tiếp xúc ca bệnh hoặc nghi nhiễm?",
                           "Contact with a confirmed or suspected case in the last 14 days?"),
    "label.decl.travel": ("14 ngày qua có đi từ/đến vùng có dịch?",
                          "Travel to or from an area with cases in the last 14 days?"),
    "hint.decl.name": ("Ví dụ: Nguyễn Văn A", "e.g. Nguyen Van A"),
    "hint.decl.birth_year": ("4 chữ số, ví dụ 1980", "4 digits, e.g. 1980"),
    "hint.decl.id_number": ("CCCD 12 số, CMND 9 số, hoặc hộ chiếu; nhập 0 nếu không có",
                            "CCCD 12 digits, CMND 9 digits or a passport; 0 if none"),
    "hint.decl.insurance": ("10 số hoặc 15 ký tự; nhập 0 nếu không có",
                            "10 digits or 15 characters; 0 if none"),
    "option.yes": ("Có", "Yes"), "option.no": ("Không", "No"),
    "option.none": ("Không có", "None"),
    "option.male": ("Nam", "Male"), "option.female": ("Nữ", "Female"),
    "option.other": ("Khác", "Other"),
    "option.symptoms.1": ("Sốt", "Fever"), "option.symptoms.2": ("Ho", "Cough"),
    "option.symptoms.3": ("Khó thở", "Shortness of breath"),
    "option.symptoms.4": ("Đau họng", "Sore throat"), "option.symptoms.5": ("Mệt mỏi", "Fatigue"),
    "option.symptoms.6": ("Mất vị giác/khứu giác", "Loss of taste or smell"),
    "form.invalid.choice": ("Chọn một trong các lựa chọn.", "Choose one of the options."),
    "form.invalid.yes_no": ("Chọn Có hoặc Không.", "Choose Yes or No."),
    "form.invalid.year": ("Năm sinh gồm 4 chữ số, từ {earliest} đến {latest}.",
                          "The year of birth has 4 digits, {earliest} to {latest}."),
    "form.invalid.multi": ("Chọn “Không có” hoặc các triệu chứng (không chọn cả hai).",
                           "Choose “None” or the symptoms (not both)."),
    "form.invalid.too_short": ("Quá ngắn: cần ít nhất {min} ký tự.",
                               "Too short: at least {min} characters."),
    "form.invalid.too_long": ("Quá dài: tối đa {max} ký tự.",
                              "Too long: at most {max} characters."),
    "form.invalid.id_number": ("Số giấy tờ không hợp lệ: CCCD 12 số, CMND 9 số, hộ chiếu, hoặc "
                               "0 nếu không có.",
                               "Not a valid ID: CCCD 12 digits, CMND 9 digits, a passport, or 0 "
                               "if none."),
    "form.invalid.insurance": ("Số BHYT gồm 10 số hoặc 15 ký tự, hoặc 0 nếu không có.",
                               "The BHYT number has 10 digits or 15 characters, or 0 if none."),
    "form.invalid.province": ("Chọn tỉnh/thành phố trong danh sách.",
                              "Choose a province or city from the list."),
    "form.invalid.ward": ("Không tìm thấy xã/phường này trong tỉnh/thành đã chọn.",
                          "No commune or ward of that name in the chosen province."),
    "form.invalid.report": ("Chọn “Không có” hoặc các triệu chứng, và nhiệt độ nếu có đo "
                            "(ví dụ 38.5).",
                            "Choose “None” or the symptoms, and the temperature if measured "
                            "(e.g. 38.5)."),
    "form.invalid.report_ambiguous": ("Nhiệt độ {value} chưa rõ: ghi dạng 37.0.",
                                      "Temperature {value} is unclear: write it as 37.0."),
    "form.invalid.report_temperature": ("Nhiệt độ phải từ 34 đến 43 độ C.",
                                        "The temperature must be 34 to 43 °C."),
}

from hotline.strings_more import MORE  # noqa: E402  (pages other than the call)

STRINGS.update(MORE)

from hotline.strings_privacy import PRIVACY  # noqa: E402  (data-subject requests)

STRINGS.update(PRIVACY)

from hotline.strings_dashboard import DASHBOARD  # noqa: E402  (the locality dashboard)

STRINGS.update(DASHBOARD)

from hotline.strings_case import CASE  # noqa: E402  (a case's page)

STRINGS.update(CASE)

from hotline.strings_exports import EXPORTS  # noqa: E402  (exports, search, paging, print)

STRINGS.update(EXPORTS)

from hotline.strings_area import AREA  # noqa: E402  (area quarantine, issue 17)

STRINGS.update(AREA)
