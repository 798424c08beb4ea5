"""The architecture, held against the code: no import circles in the gateway and the
console, and imports that go down the layers only (a flow knows no Flask, Redis or
SQLAlchemy; the records below know nothing of the turn above them; the gateway reaches
the console only from the app factory). Read from the source with `ast`, so nothing
is imported to check it."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gateway", "hotline")
# Package -> packages (prefixes of dotted names) it must never import.
FORBIDDEN = {
    "gateway.flows": ("flask", "redis", "rq", "sqlalchemy", "gateway.store", "gateway.sms",
                      "gateway.dialogue", "gateway.actions", "gateway.api", "hotline"),
    "gateway.store": ("flask", "gateway.sms", "gateway.dialogue", "gateway.actions",
                      "gateway.api", "gateway.webhooks", "gateway.runtime", "gateway.config",
                      "hotline"),
    "gateway.actions": ("flask", "gateway.dialogue", "gateway.sms", "gateway.api",
                        "gateway.webhooks", "hotline"),
    "gateway.dialogue": ("flask", "gateway.sms", "gateway.api", "gateway.webhooks",
                         "hotline"),
}
APP_FACTORY = "gateway"  # gateway/__init__.py: the one place that joins the console in


def modules() -> dict[str, Path]:
    """Every module of the packages by dotted name (migrations are scripts, not modules)."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(name: str, path: Path) -> set[str]:
    """The dotted names a module imports, at module level or inside functions alike
    (an import hidden in a function still ties the two modules); `from a import b` names
    `a.b`, which `owner` resolves to a module or its package."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def owner(dotted: str, known: dict[str, Path]) -> str | None:
    """The module of the packages that `dotted` names (itself or its nearest parent)."""
    while dotted and dotted not in known:
        dotted = dotted.rpartition(".")[0]
    return dotted or None


def graph() -> dict[str, set[str]]:
    """Module -> the modules of the packages it imports."""
    known = modules()
    return {name: {target for dotted in imported_names(name, path)
                   if (target := owner(dotted, known)) not in (None, name)}
            for name, path in known.items()}


def circle(edges: dict[str, set[str]]) -> list[str]:
    """One import circle of `edges` (empty when there is none)."""
    try:
        TopologicalSorter(edges).prepare()
    except CycleError as error:
        return error.args[1]
    return []


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_circle_finder_finds_a_circle():
    assert sorted(set(circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}))) == ["a", "b", "c"]
    assert circle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_no_import_circles():
    edges = graph()
    assert len(edges) > 100  # the packages were read
    assert circle(edges) == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_down_the_layers(package):
    known = modules()
    assert any(within(name, package) for name in known), f"{package} is gone: update FORBIDDEN"
    wrong = sorted(f"{name} imports {dotted}"
                   for name, path in known.items() if within(name, package)
                   for dotted in imported_names(name, path)
                   if any(within(dotted, banned) for banned in FORBIDDEN[package]))
    assert wrong == []


def test_the_gateway_reaches_the_console_only_from_the_app_factory():
    edges = graph()
    wrong = sorted(f"{name} imports {target}" for name, targets in edges.items()
                   if within(name, "gateway") and name != APP_FACTORY
                   for target in targets if within(target, "hotline"))
    assert wrong == []
