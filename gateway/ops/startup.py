"""Start-up checks: a process with a wrong DATABASE_URL or REDIS_URL stops at once with
one line naming the variable and the problem, not a long traceback from deep inside its
first query. The web and every command check the database; the worker and cron, which
live on Redis, check Redis too."""

from __future__ import annotations

from gunicorn.errors import AppImportError
from redis.exceptions import RedisError
from sqlalchemy import exc

from gateway.config import ConfigError
from gateway.runtime import Runtime


class StartupError(ConfigError, AppImportError):
    """A configuration error met while the web app starts. gunicorn prints the message
    of an AppImportError alone (no traceback) and stops, rather than booting worker
    after worker that fail the same way."""


def database(rt: Runtime) -> None:
    """Raise ConfigError naming DATABASE_URL when the database does not answer."""
    try:
        with rt.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except exc.DBAPIError as error:
        raise ConfigError(f"DATABASE_URL: cannot use the database: "
                          f"{_first_line(error.orig)}") from None
    except exc.NoSuchModuleError:  # a scheme with no SQLAlchemy dialect
        raise ConfigError("DATABASE_URL must be postgresql://… or sqlite:///…") from None


def redis(rt: Runtime) -> None:
    """Raise ConfigError naming REDIS_URL when Redis does not answer."""
    try:
        rt.redis.ping()
    except RedisError as error:
        raise ConfigError(f"REDIS_URL: cannot reach Redis: {_first_line(error)}") from None


def _first_line(error: BaseException | None) -> str:
    """The driver's reason in one line. Drivers name the host, port, user and database
    but never the password."""
    text = " ".join(str(error or "").split("\n")[:1]).strip()
    return text.removeprefix("connection failed: ") or type(error).__name__
