"""Checks of a flow definition: every target exists, no node is a dead end, every node
is reachable, every answer a question can give has a route. A broken flow is refused
at registration, before any phone meets it."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.flows.engine import Act, Ask, Branch, End, Flow, Node, Tell


def targets(node: Node) -> tuple[str, ...]:
    """Every node name this node can lead to."""
    if isinstance(node, End):
        return ()
    if isinstance(node, Branch):
        return node.targets
    if isinstance(node, Tell):
        return (node.next,)
    nxt = node.next
    if isinstance(nxt, str):
        return (nxt,)
    if isinstance(nxt, Branch):
        return nxt.targets
    if isinstance(nxt, Mapping):
        return tuple(dict.fromkeys(nxt.values()))
    return ()


def message_keys(flow: Flow) -> set[str]:
    """Every message key the flow says itself (prompts and closing messages)."""
    keys = set()
    for node in flow.nodes.values():
        if isinstance(node, Ask):
            keys.add(node.prompt)
        elif isinstance(node, End | Tell) and node.message:
            keys.add(node.message)
    return keys


def effects_named(flow: Flow) -> set[str]:
    """Every effect the flow's `Act` nodes ask the caller to perform."""
    return {node.effect for node in flow.nodes.values() if isinstance(node, Act)}


def outcomes_named(flow: Flow) -> set[str]:
    """Every outcome kind the flow's `End` nodes ask the caller to act on."""
    kinds: set[str] = set()
    for node in flow.nodes.values():
        if isinstance(node, End) and node.outcome:
            kinds.update((node.outcome,) if isinstance(node.outcome, str) else node.outcome)
    return kinds


def check(flow: Flow) -> list[str]:
    """Problems in a flow definition: missing targets, dead ends (a node that leads
    nowhere, an answer or result with no route, a loop no answer can leave) and
    unreachable nodes. An empty list means the flow is sound."""
    problems = []
    if flow.start not in flow.nodes:
        problems.append(f"{flow.name}: start node {flow.start!r} does not exist")
    for name, node in flow.nodes.items():
        if not isinstance(node, End) and not targets(node):
            problems.append(f"{flow.name}.{name}: leads nowhere")
        problems += [f"{flow.name}.{name}: target {t!r} does not exist"
                     for t in targets(node) if t not in flow.nodes]
        problems += _unrouted(flow, name, node)
    reachable = _closure(flow, [flow.start])
    problems += [f"{flow.name}.{name}: unreachable" for name in flow.nodes
                 if name not in reachable]
    problems += [f"{flow.name}.{name}: never reaches an end" for name in flow.nodes
                 if name in reachable and not _ends(flow, name)]
    return problems


def _unrouted(flow: Flow, name: str, node: Node) -> list[str]:
    """Answers the parser can give that a mapping does not route."""
    if not (isinstance(node, Ask) and isinstance(node.next, Mapping)):
        return []
    values = node.parse.values or ()
    return [f"{flow.name}.{name}: no route for answer {v!r}" for v in values
            if v not in node.next]


def _closure(flow: Flow, names: list[str]) -> set[str]:
    """The nodes reachable from `names` (themselves included)."""
    seen: set[str] = set()
    while names:
        name = names.pop()
        if name in seen or name not in flow.nodes:
            continue
        seen.add(name)
        names.extend(targets(flow.nodes[name]))
    return seen


def _ends(flow: Flow, name: str) -> bool:
    return any(isinstance(flow.nodes[n], End) for n in _closure(flow, [name]))
