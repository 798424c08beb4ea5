"""`TT` / `STATUS`: the phone's latest valid declaration code and its validity.

Later capabilities add the open check-in and the quarantine days left."""

from gateway.flows.engine import Act, End, Flow
from gateway.flows.messages import Template, define

status = Flow(
    name="status",
    start="lookup",
    nodes={
        "lookup": Act("status.lookup", {"found": "found", "none": "none"}),
        "found": End("status.found"),
        "none": End("status.none"),
    },
)

define({
    "status.found": Template("Ma khai bao y te: {code}, hieu luc den {valid_until}.",
                             "Health declaration code: {code}, valid until {valid_until}."),
    "status.none": Template("Ban chua co khai bao y te con hieu luc. Gui KB de khai bao.",
                            "You have no valid health declaration. Send KB to declare."),
})
