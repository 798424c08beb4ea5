"""What an inbound message means: keywords and global commands over SMS (and a bare
reply from a phone in quarantine), the main menu and screen paging over USSD. Called
by `dialogue.turn.handle` inside a turn; the flow a message opens is named here as an
`Entry` and entered by the conversation."""

from __future__ import annotations

from datetime import timedelta

from gateway.actions import consents
from gateway.actions.entering import Entry
from gateway.days import local_date
from gateway.dialogue import screens
from gateway.dialogue.conversation import Conversation
from gateway.dialogue.messages import Reply
from gateway.flows import engine, exposure, keywords, menu, resume
from gateway.flows.engine import Ask, Say
from gateway.flows.messages import render
from gateway.store import exposures
from gateway.store import quarantine as cases
from gateway.store.models import utcnow

NON_ESSENTIAL_OPT = {"stop": True, "start": False}


def sms(conversation: Conversation) -> Reply:
    """Decide an SMS: a keyword starts its dialogue afresh (except when the open
    question takes the text as its answer, such as any text for a name), anything
    else continues the open dialogue, and with none open the phone gets the short
    help."""
    text = conversation.inbound.text
    state, flow = conversation.state, conversation.flow()
    # An answer the open question takes is an answer, even when it looks like a
    # keyword: any text for a name, "co" (yes) for a yes/no question, not CO/checkout.
    taken = state is not None and flow is not None and engine.takes_answer(flow, state, text)
    command = None if taken else keywords.match(text)
    if command is not None:
        said = _command(conversation, command)
    elif conversation.state is not None:
        said = conversation.play(engine.step(conversation.flow(), conversation.state, text))
    else:
        # From a phone in quarantine, a bare reply is that day's report (the reminder
        # asks for one); it goes before an unfinished form, which '0' would not answer.
        # A bare `1`/`2` answers the phone's latest exposure notice first: it asked
        # for exactly that answer (and an enrolled contact's `1` is not a fever).
        said = (_exposure_answer(conversation) or _bare_reply(conversation)
                or _offer_unfinished(conversation) or [Say("help")])
    return Reply(conversation.render(said), end=conversation.state is None)


def _exposure_answer(conversation: Conversation) -> list[Say]:
    """`1` or `2` with no dialogue open, from a phone with an exposure notice sent in
    the last EXPOSURE_ANSWER_DAYS and not answered yet, is its answer. The text is
    parsed first, so any other message costs no query."""
    answer = exposure.answer_of(conversation.inbound.text)
    if answer is None:
        return []
    days = conversation.runtime.config.exposure_answer_days
    notice = exposures.open_notice(conversation.session, conversation.inbound.phone,
                                   utcnow() - timedelta(days=days))
    if notice is None:
        return []
    return conversation.enter(Entry("exposure_answer", {"answer": answer,
                                                        "notice_id": notice.id}))


def _bare_reply(conversation: Conversation) -> list[Say]:
    """A message that is no keyword, with no dialogue open, from a phone with an
    active case is that day's report (a reply to the reminder). One query; nothing
    to say (an empty list) for any other phone."""
    day = local_date(utcnow(), conversation.runtime.config.tz)
    case = cases.active_case(conversation.session, conversation.inbound.phone, day)
    if case is None:
        return []
    return conversation.enter(Entry("report", {"rest": conversation.inbound.text,
                                               "case_id": case.id}))


def _offer_unfinished(conversation: Conversation, command: str | None = None) -> list[Say]:
    """Offer to continue a form left unfinished when its dialogue expired (for any
    message, or for the command that opens that form); nothing if there is none."""
    kept = conversation.unfinished()
    if kept is None or command not in (None, kept["command"]):
        return []
    return conversation.play(engine.start(resume.resume, {"saved": kept["state"],
                                                          "command": kept["command"]}))


def _open_question(conversation: Conversation) -> list[Say]:
    """The question the open dialogue waits on, if any."""
    state, flow = conversation.state, conversation.flow()
    if state is None or flow is None or not isinstance(flow.nodes[state.node], Ask):
        return []
    return list(engine.prompt(flow, state).say)


def _command(conversation: Conversation, command: keywords.Command) -> list[Say]:
    name = command.name
    if name == "help":
        return [Say("help")]
    if name == "cancel":
        had_dialogue = conversation.state is not None or conversation.unfinished() is not None
        conversation.state = None
        conversation.forget_unfinished()
        return [Say("cancelled" if had_dialogue else "nothing_to_cancel")]
    if name in ("en", "vi"):
        conversation.phone.language = name
        # Ask the open question again, now in the new language, so the phone knows
        # the dialogue is still waiting for it.
        return [Say("language.set"), *_open_question(conversation)]
    if name == "withdraw":
        # Nothing more is collected: an open form closes with the withdrawal.
        conversation.state = None
        conversation.forget_unfinished()
        return [consents.withdraw(conversation)]
    if name in NON_ESSENTIAL_OPT:
        conversation.phone.opted_out = NON_ESSENTIAL_OPT[name]
        return [Say("optout.stopped" if name == "stop" else "optout.started")]
    if conversation.state is None:
        offered = _offer_unfinished(conversation, name)
        if offered:
            return offered
    return conversation.enter(Entry(name, {"args": list(command.args), "rest": command.rest}))


def ussd(conversation: Conversation) -> Reply:
    """Decide a USSD request: the cumulative `text` is sliced to what is new; `99`/`0`
    page through a long screen, `00` returns to the main menu, anything else goes to
    the open dialogue (the main menu on the first request)."""
    saved = conversation.saved
    inputs = screens.new_inputs(conversation.inbound.text, saved.get("seen", 0))
    saved["seen"] = saved.get("seen", 0) + len(inputs)
    if not saved.get("started"):
        saved["started"] = True
        venue = screens.dial_through(conversation.inbound.recipient,
                                     conversation.runtime.config.ussd_code)
        # *1022*<venue code># checks in at once, as scanning the poster would.
        _show(conversation, conversation.enter(Entry("checkin", {"args": [venue]})) if venue
              else _offer_unfinished(conversation) or conversation.play(engine.start(menu.menu)))
    for text in inputs:
        pages, page = saved.get("pages", []), saved.get("page", 0)
        if text == screens.MORE and page + 1 < len(pages):
            saved["page"] = page + 1
        elif text == screens.BACK and page > 0:
            saved["page"] = page - 1
        elif text == screens.MAIN_MENU or conversation.state is None:
            _show(conversation, conversation.play(engine.start(menu.menu)))
        else:
            flow = conversation.flow()
            _show(conversation, conversation.play(engine.step(flow, conversation.state, text)))
    goodbye = render("ussd.goodbye", conversation.language)
    pages = saved.get("pages") or [goodbye]
    page = min(saved.get("page", 0), len(pages) - 1)
    # A closing message longer than one screen stays open (CON) until its last page
    # has been shown: after END the phone could not ask for the next page.
    ended = conversation.state is None and page == len(pages) - 1
    screen = pages[page] or goodbye
    if ended:
        if len(pages) > 1:  # "0 Back" cannot be used once the session is over
            screen = screens.without_navigation(screen, conversation.language)
        saved.clear()
    return Reply((screen,), end=ended)


def _show(conversation: Conversation, said: list[Say]) -> None:
    """Make `said` the current screen, split into pages."""
    text = "\n".join(conversation.render(said))
    conversation.saved["pages"] = screens.paginate(text, conversation.language)
    conversation.saved["page"] = 0
