"""`runtime.current()`, the one way to reach the runtime: the app's own inside its
context (tests build several apps in one process), the process's outside any."""

from __future__ import annotations

from gateway import create_app, runtime
from gateway.config import Config


def _app(tmp_path, name: str):
    return create_app(Config(database_url=f"sqlite:///{tmp_path / name}",
                             redis_url="memory://"))


def test_inside_an_app_its_own_runtime_wins(tmp_path):
    first, second = _app(tmp_path, "a.db"), _app(tmp_path, "b.db")
    try:
        assert runtime.of(first) is not runtime.of(second)
        with first.test_request_context("/"):
            assert runtime.current() is runtime.of(first)
        with second.app_context():
            assert runtime.current() is runtime.of(second)
        # No app: the process's runtime, the one built last (a worker builds only one).
        assert runtime.current() is runtime.of(second)
    finally:
        for app in (first, second):
            runtime.of(app).engine.dispose()
