"""`TT` / `STATUS`: what the gateway knows about the phone, one line per topic: the
latest valid declaration code and its validity, the open check-in, and the quarantine
days left (whether or not there is a valid declaration). Each topic
adds its line with a `Tell` node; `status.lookup` gathers every fact in one effect."""

from gateway.flows.engine import Act, Branch, End, Flow, Tell
from gateway.flows.messages import Template, define

status = Flow(
    name="status",
    start="lookup",
    nodes={
        "lookup": Act("status.lookup", {"ok": "declaration"}),
        "declaration": Branch(lambda answers: "declared" if answers.get("code")
                              else "undeclared", ("declared", "undeclared")),
        "declared": Tell("status.found", "visit"),
        "undeclared": Tell("status.none", "visit"),
        "visit": Branch(lambda answers: "visiting" if answers.get("visit_venue")
                        else "quarantine", ("visiting", "quarantine")),
        "visiting": Tell("status.visit", "quarantine"),
        "quarantine": Branch(lambda answers: "isolating" if answers.get("days_left")
                             else "end", ("isolating", "end")),
        "isolating": Tell("status.quarantine", "end"),
        "end": End(None),
    },
)

define({
    "status.found": Template("Ma khai bao y te: {code}, hieu luc den {valid_until}.",
                             "Health declaration code: {code}, valid until {valid_until}."),
    "status.none": Template("Ban chua co khai bao y te con hieu luc. Gui KB de khai bao.",
                            "You have no valid health declaration. Send KB to declare."),
    "status.visit": Template("Dang check-in tai {visit_venue} tu {visit_time}. Gui CO khi ra.",
                             "Checked in at {visit_venue} since {visit_time}. Send CO on "
                             "leaving."),
    "status.quarantine": Template("Con {days_left} ngay cach ly (den het {quarantine_end}).",
                                  "{days_left} days of quarantine left (to the end of "
                                  "{quarantine_end}).",
                                  one="{days_left} day of quarantine left (to the end of "
                                  "{quarantine_end}).", count="days_left"),
}, samples={"visit_venue": "Z" * 40, "visit_time": "23:59 31/12", "days_left": 99,
            "quarantine_end": "31/12"})
