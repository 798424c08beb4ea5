"""What the declaration says, in Vietnamese without diacritics and in English."""

from gateway.flows import symptoms
from gateway.flows.messages import Template, define
from gateway.flows.symptoms import DECLARED
from gateway.text import SMS_CONCAT_SEGMENT_CHARS

PROVINCE_MENU = 34 * 20  # the USSD province list is paged with 99/0
SUMMARY = 3 * SMS_CONCAT_SEGMENT_CHARS  # every answer, read back once before submitting

define({
    "otp.sms": Template(
        "Ma xac thuc khai bao y te: {code}. Hieu luc 5 phut. KHONG chia se ma nay cho ai.",
        "Health declaration code: {code}. Valid 5 minutes. Do NOT share this code."),
    "otp.sms_member": Template(
        "Ma xac thuc: {code}. Nguoi than ({declarer}) dang khai bao y te ho ban. Chi doc ma "
        "nay cho nguoi do. Hieu luc 5 phut.",
        "Code: {code}. A relative ({declarer}) is making a health declaration for you. Read "
        "it only to them. Valid 5 minutes."),
    "decl.otp": Template("Da gui ma 6 so toi {masked}. Nhap ma de tiep tuc (hieu luc 5 phut).",
                         "A 6-digit code was sent to {masked}. Enter it to continue (valid 5 "
                         "minutes)."),
    "decl.otp_wrong": Template("Ma khong dung, con {tries_left} lan thu. Nhap lai ma 6 so.",
                               "Wrong code, {tries_left} tries left. Enter the 6-digit code.",
                               one="Wrong code, {tries_left} try left. Enter the 6-digit code.",
                               count="tries_left"),
    "decl.otp_refused": Template(
        "Ban da yeu cau qua nhieu ma xac thuc. Vui long thu lai sau {minutes} phut.",
        "Too many codes requested. Please try again in {minutes} minutes.",
        one="Too many codes requested. Please try again in {minutes} minute.", count="minutes"),
    "decl.otp_capped": Template(
        "Ban da gui qua nhieu ma xac thuc cho so khac. Vui long thu lai sau {minutes} phut.",
        "Too many codes sent to other numbers. Please try again in {minutes} minutes.",
        one="Too many codes sent to other numbers. Please try again in {minutes} minute.",
        count="minutes"),
    "decl.otp_busy": Template("He thong dang qua tai. Vui long thu lai sau {minutes} phut.",
                              "The service is busy. Please try again in {minutes} minutes.",
                              one="The service is busy. Please try again in {minutes} minute.",
                              count="minutes"),
    "decl.otp_expired": Template("Ma da het han hoac da dung. Gui {keyword} de nhan ma moi.",
                                 "The code expired or was used. Send {keyword} for a new one."),
    "decl.otp_locked": Template("Nhap sai qua nhieu lan, ma da bi huy. Gui {keyword} de nhan "
                                "ma moi.",
                                "Too many wrong tries: the code is cancelled. Send {keyword} "
                                "for a new one."),
    "decl.same_person": Template("Co phai ban: {full_name}, {birth_year}, {ward_name}? "
                                 "1 Dung 2 Khong",
                                 "Is this you: {full_name}, {birth_year}, {ward_name}? "
                                 "1 Yes 2 No"),
    "decl.name": Template("Khai bao y te. Nhap ho va ten day du (vd: Nguyen Van A):",
                          "Health declaration. Enter your full name (e.g. Nguyen Van A):"),
    "decl.member_name": Template("Ho va ten day du cua nguoi duoc khai ho:",
                                 "Full name of the person you declare for:"),
    "decl.birth_year": Template("Nam sinh (4 chu so, vd: 1980):",
                                "Year of birth (4 digits, e.g. 1980):"),
    "decl.gender": Template("Gioi tinh: 1 Nam, 2 Nu, 3 Khac", "Gender: 1 Male, 2 Female, 3 Other"),
    "decl.id_number": Template("So CCCD (12 so), CMND (9 so) hoac ho chieu. Nhap 0 neu "
                               "khong co:",
                               "ID number: CCCD (12 digits), CMND (9 digits) or passport. "
                               "Enter 0 if none:"),
    "decl.insurance": Template("So the BHYT (10 so hoac 15 ky tu). Nhap 0 neu khong co:",
                               "Health insurance (BHYT) number, 10 digits or 15 characters. "
                               "Enter 0 if none:"),
    "decl.province": Template("Tinh/thanh pho noi o: nhap ten (vd: Ha Noi, TP HCM):",
                              "Province or city you live in: enter its name (e.g. Ha Noi):"),
    "decl.province.ussd": Template("Chon tinh/thanh pho:\n{province_list}",
                                   "Choose province/city:\n{province_list}",
                                   budget=PROVINCE_MENU),
    "decl.commune": Template("Xa/phuong o {province_name}: nhap ten (vd: Hoan Kiem):",
                             "Commune/ward in {province_name}: enter its name:"),
    "decl.commune_pick": Template("Chon xa/phuong:\n{candidates}",
                                  "Choose commune/ward:\n{candidates}"),
    "decl.street": Template("So nha, duong/thon, to/ap:", "House number, street or village:"),
    "decl.symptoms": Template(
        f"14 ngay qua co trieu chung? 0 Khong; {symptoms.numbered(DECLARED, 'vi')}. Vd: 1 3",
        f"Symptoms in the last 14 days? 0 None; {symptoms.numbered(DECLARED, 'en')}"),
    "decl.contact": Template("14 ngay qua co tiep xuc ca benh hoac nghi nhiem? 1 Co 2 Khong",
                             "Last 14 days, contact with a confirmed or suspected case? "
                             "1 Yes 2 No"),
    "decl.travel": Template("14 ngay qua co di tu/den vung co dich? 1 Co 2 Khong",
                            "Last 14 days, travel to or from an area with cases? 1 Yes 2 No"),
    "decl.confirm": Template(
        "{full_name}, {birth_year}, {gender_vi}. {street}, {ward_name}, {province_name}. "
        "Trieu chung: {symptoms_vi}. Tiep xuc: {contact_vi}. Di lai: {travel_vi}. "
        "1 Gui 2 Lam lai",
        "{full_name}, {birth_year}, {gender_en}. {street}, {ward_name}, {province_name}. "
        "Symptoms: {symptoms_en}. Contact: {contact_en}. Travel: {travel_en}. "
        "1 Submit 2 Start over", budget=SUMMARY),
    "decl.done": Template("Da khai bao. Ma: {code}, hieu luc den {valid_until}. Xuat trinh ma "
                          "khi duoc yeu cau. Gui TT de tra cuu.",
                          "Declared. Code: {code}, valid until {valid_until}. Show it when "
                          "asked. Send STATUS to look it up."),
    "decl.done_high": Template("Da khai bao, ma {code}. Ban co dau hieu nguy co: o nha, han "
                               "che tiep xuc va goi ngay 1022 de duoc tu van.",
                               "Declared, code {code}. You have risk signs: stay home, avoid "
                               "contact and call 1022 now for advice."),
    "decl.member_phone": Template("Khai ho. So dien thoai cua nguoi duoc khai ho (nhap 0 neu "
                                  "ho khong co):",
                                  "Declaring for a family member. Their phone number (0 if "
                                  "they have none):"),
    "decl.relation": Template("Quan he voi ban: 1 Cha/me 2 Con 3 Vo/chong 4 Anh/chi/em "
                              "5 Ong/ba 6 Khac",
                              "Their relation to you: 1 Parent 2 Child 3 Spouse 4 Sibling "
                              "5 Grandparent 6 Other"),
    "invalid.otp": Template("Ma xac thuc gom 6 chu so.", "The code has 6 digits."),
    "invalid.insurance": Template("So BHYT gom 10 so hoac 15 ky tu, hoac 0 de bo qua.",
                                  "BHYT number: 10 digits or 15 characters, or 0 to skip."),
    "invalid.phone": Template("So dien thoai di dong khong hop le, vd: 0912345678.",
                              "Not a valid mobile number, e.g. 0912345678."),
    "invalid.province": Template("Khong tim thay tinh/thanh. Nhap ten (vd: Ha Noi) hoac so "
                                 "1-{count}.",
                                 "Province not found. Enter its name (e.g. Ha Noi) or "
                                 "1-{count}."),
    "invalid.ward": Template("Khong tim thay xa/phuong nay. Kiem tra ten va nhap lai.",
                             "Commune/ward not found. Check the name and try again."),
}, samples={
    "code": "ABCDEFGH", "masked": "+849*****678", "tries_left": 4, "minutes": 1440,
    "keyword": "KB", "declarer": "+849*****678", "full_name": "X" * 60, "birth_year": 1980,
    "ward_name": "Phuong Nguyen Thai Binh Trung", "province_name": "Thanh pho Ho Chi Minh",
    "province_list": "1 Ha Noi\n" * 34, "candidates": "1 Phuong Nguyen Thai Binh Trung\n" * 4,
    "street": "Y" * 100, "gender_vi": "Khac", "gender_en": "Female",
    "symptoms_vi": ", ".join(symptoms.name(n, "vi") for n in DECLARED),
    "symptoms_en": ", ".join(symptoms.name(n, "en") for n in DECLARED),
    "contact_vi": "khong", "contact_en": "yes", "travel_vi": "khong", "travel_en": "yes",
    "valid_until": "23:59 31/12", "count": 34,
})
