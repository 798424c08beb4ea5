"""What an inbound message means: keywords and global commands over SMS, the main
menu and screen paging over USSD. Called by `dialogue.handle` inside a turn."""

from __future__ import annotations

from gateway.dialogue import Conversation, Reply
from gateway.flows import engine, keywords, menu
from gateway.flows.engine import Ask, Say
from gateway.flows.messages import render
from gateway.sms import ussd as ussd_channel

NON_ESSENTIAL_OPT = {"stop": True, "start": False}


def sms(conversation: Conversation) -> Reply:
    """Decide an SMS: a keyword starts its dialogue afresh (except while a dialogue
    waits for free text), anything else continues the open dialogue, and with none
    open the phone gets the short help."""
    text = conversation.inbound.text
    command = None if _waits_for_free_text(conversation) else keywords.match(text)
    if command is not None:
        said = _command(conversation, command)
    elif conversation.state is not None:
        said = conversation.play(engine.step(conversation.flow(), conversation.state, text))
    else:
        said = [Say("help")]
    return Reply(conversation.render(said), end=conversation.state is None)


def _waits_for_free_text(conversation: Conversation) -> bool:
    state, flow = conversation.state, conversation.flow()
    if state is None or flow is None:
        return False
    node = flow.nodes[state.node]
    return isinstance(node, Ask) and node.parse.free_text


def _command(conversation: Conversation, command: keywords.Command) -> list[Say]:
    name = command.name
    if name == "help":
        return [Say("help")]
    if name == "cancel":
        had_dialogue = conversation.state is not None
        conversation.state = None
        return [Say("cancelled" if had_dialogue else "nothing_to_cancel")]
    if name in ("en", "vi"):
        conversation.phone.language = name
        return [Say("language.set")]
    if name in NON_ESSENTIAL_OPT:
        conversation.phone.opted_out = NON_ESSENTIAL_OPT[name]
        return [Say("optout.stopped" if name == "stop" else "optout.started")]
    return conversation.open(name, {"args": list(command.args)})


def ussd(conversation: Conversation) -> Reply:
    """Decide a USSD request: the cumulative `text` is sliced to what is new; `99`/`0`
    page through a long screen, `00` returns to the main menu, anything else goes to
    the open dialogue (the main menu on the first request)."""
    saved = conversation.saved
    inputs = ussd_channel.new_inputs(conversation.inbound.text, saved.get("seen", 0))
    saved["seen"] = saved.get("seen", 0) + len(inputs)
    if not saved.get("started"):
        saved["started"] = True
        _show(conversation, conversation.play(engine.start(menu.menu)))
    for text in inputs:
        pages, page = saved.get("pages", []), saved.get("page", 0)
        if text == ussd_channel.MORE and page + 1 < len(pages):
            saved["page"] = page + 1
        elif text == ussd_channel.BACK and page > 0:
            saved["page"] = page - 1
        elif text == ussd_channel.MAIN_MENU or conversation.state is None:
            _show(conversation, conversation.play(engine.start(menu.menu)))
        else:
            flow = conversation.flow()
            _show(conversation, conversation.play(engine.step(flow, conversation.state, text)))
    pages = saved.get("pages") or [render("ussd.goodbye", conversation.language)]
    screen = pages[min(saved.get("page", 0), len(pages) - 1)]
    ended = conversation.state is None
    if ended:
        saved.clear()
    return Reply((screen,), end=ended)


def _show(conversation: Conversation, said: list[Say]) -> None:
    """Make `said` the current screen, split into pages."""
    text = "\n".join(conversation.render(said))
    conversation.saved["pages"] = ussd_channel.paginate(text, conversation.language)
    conversation.saved["page"] = 0
