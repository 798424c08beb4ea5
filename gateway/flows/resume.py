"""Continue an unfinished form after its dialogue expired (SMS silence, a dropped USSD
session): '1 continue 2 start over'."""

from gateway.flows.engine import Ask, End, Flow
from gateway.flows.messages import Template, define
from gateway.flows.parsers import Choice

resume = Flow(
    name="resume",
    start="ask",
    nodes={
        "ask": Ask("resume.ask", Choice({"1": "continue", "2": "restart"},
                                        aliases={"tiep tuc": "continue", "continue": "continue",
                                                 "lam lai": "restart", "restart": "restart"}),
                   {"continue": "continue", "restart": "restart"}),
        "continue": End(None, outcome="resume"),
        "restart": End(None, outcome="restart"),
    },
)

define({
    "resume.ask": Template("Ban co to khai chua hoan thanh.\n1 Tiep tuc\n2 Lam lai tu dau",
                           "You have an unfinished declaration.\n1 Continue\n2 Start over"),
})
