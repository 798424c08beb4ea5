"""`TT` / `STATUS`: what the gateway knows about the phone, one line per topic: the
latest valid declaration code and its validity, and the open check-in. Each topic
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
        "visit": Branch(lambda answers: "visiting" if answers.get("visit_venue") else "end",
                        ("visiting", "end")),
        "visiting": Tell("status.visit", "end"),
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
}, samples={"visit_venue": "Z" * 40, "visit_time": "23:59 31/12"})
