"""The USSD main menu and the language choice, as flows.

A menu entry ends the menu with the outcome `open`, whose action
(`gateway.actions.entering`) names the flow registered for that command; the
conversation enters it, or says it is coming soon.
"""

from gateway.flows.engine import Ask, End, Flow
from gateway.flows.parsers import Choice

MENU_COMMANDS = {"1": "declare", "2": "checkin", "3": "report", "4": "status", "5": "language",
                 "6": "family"}

menu = Flow(
    name="menu",
    start="menu",
    nodes={
        "menu": Ask("ussd.menu", Choice(MENU_COMMANDS), next="open"),
        "open": End(None, outcome="open"),
    },
)

language = Flow(
    name="language",
    start="language",
    nodes={
        "language": Ask("language.ask", Choice({"1": "vi", "2": "en"},
                                               aliases={"vi": "vi", "tieng viet": "vi",
                                                        "en": "en", "english": "en"}),
                        next="done"),
        "done": End("language.set", outcome="language"),
    },
)
