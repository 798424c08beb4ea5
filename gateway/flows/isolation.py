"""`KV <area code>`: join an isolation area's daily health reports by SMS (`KV` alone
answers how). A code with a wrong check digit, an unknown code and a lifted area each
get their own polite answer; a phone already in the area, or already followed on a
case of its own, is told so and enrolled nowhere twice (gateway/quarantine/isolation.py).
The welcome and lifting notices of residents enrolled by an officer are here too."""

from __future__ import annotations

from gateway.flows.engine import Act, Branch, End, Flow
from gateway.flows.messages import Template, define


def _code_given(answers) -> str:
    return "lookup" if "".join(answers.get("args") or ()) else "help"


join_area = Flow(
    name="join_area",
    start="code_given",
    nodes={
        "code_given": Branch(_code_given, ("lookup", "help")),
        "help": End("isolation.help"),
        "lookup": Act("area.join", {"joined": "joined", "already": "already",
                                    "own_case": "own_case", "unknown": "unknown",
                                    "lifted": "lifted", "bad_code": "bad_code"},
                      args=lambda answers: {"code": "".join(answers.get("args") or ())}),
        "joined": End("isolation.joined"),
        "already": End("isolation.already"),
        "own_case": End("isolation.own_case"),
        "unknown": End("isolation.unknown"),
        "lifted": End("isolation.lifted_code"),
        "bad_code": End("isolation.bad_code"),
    },
)

define({
    "isolation.help": Template(
        "Gui KV <ma khu vuc> (7 chu so, do can bo y te cung cap) de bao cao suc khoe hang "
        "ngay khi khu vuc cua ban dang cach ly. Ho tro: 1022",
        "Send KV <area code> (7 digits, from your health officer) to report your health "
        "each day while your area is isolated. Help: 1022"),
    "isolation.bad_code": Template(
        "Ma khu vuc khong dung: kiem tra 7 chu so roi gui lai KV <ma>.",
        "Wrong area code: check the 7 digits and send KV <code> again."),
    "isolation.unknown": Template(
        "Khong co khu vuc cach ly nao mang ma {code}. Kiem tra lai ma.",
        "No isolation area has the code {code}. Please check the code."),
    "isolation.lifted_code": Template(
        "Khu vuc {code} khong con cach ly. Ban khong can bao cao suc khoe.",
        "Area {code} is no longer isolated. You need not report your health."),
    "isolation.joined": Template(
        "Da ghi nhan ban o khu vuc cach ly {code} den het {end}. Moi ngay tra loi tin nhac: "
        "0 neu khoe, hoac so trieu chung va nhiet do (vd 1 3 38.5)",
        "You are now in isolation area {code} until {end}. Each day reply to the reminder: "
        "0 if well, or symptoms and temperature (1 3 38.5)"),
    "isolation.already": Template(
        "Ban da o khu vuc cach ly {code} (den het {end}). Moi ngay tra loi tin nhac, hoac "
        "gui SK.",
        "You are already in isolation area {code} (until {end}). Reply to the reminder "
        "each day, or send SK."),
    "isolation.own_case": Template(
        "Ban dang duoc theo doi cach ly den het {end}: tiep tuc bao cao moi ngay nhu hien "
        "nay (gui SK).",
        "You are already followed in quarantine until {end}: keep reporting each day as "
        "now (send SK)."),
    "isolation.welcome": Template(
        "Khu vuc cua ban (ma {code}) cach ly den het {end}. Moi ngay tra loi tin nhac: 0 neu "
        "khoe, hoac so trieu chung va nhiet do (vd 1 3 38.5)",
        "Your area (code {code}) is isolated until {end}. Each day reply to the reminder: "
        "0 if well, or symptoms and temperature (1 3 38.5)"),
    "isolation.lifted": Template(
        "Khu vuc {code} het cach ly tu {day}. Ban khong can bao cao suc khoe nua. Neu co "
        "trieu chung, goi 1022.",
        "Area {code} is no longer isolated from {day}. No more health reports are needed. "
        "If you have symptoms, call 1022."),
    # a line per isolation area in the manager's evening digest (gateway/quarantine/digest.py)
    "quarantine.digest_area": Template(" KV {code}: {reported}/{residents} da bao cao.",
                                       " Area {code}: {reported}/{residents} reported."),
    "quarantine.digest_areas_more": Template(" +{more} khu vuc.", " +{more} areas."),
}, samples={"code": "ABCDEFGH", "end": "31/12/2099", "day": "31/12", "residents": 999999})
