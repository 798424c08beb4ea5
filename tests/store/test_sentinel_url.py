"""`REDIS_URL=redis+sentinel://…`: parsed into sentinels, master name, database and
passwords; a malformed one stops the start with one line naming REDIS_URL and never
repeating the password."""

import pytest
from redis.sentinel import SentinelConnectionPool

from gateway.config import Config, ConfigError
from gateway.store import sentinel
from gateway.store.redis import connect
from tests.conftest import DATA_KEY


def load(url: str) -> Config:
    return Config.from_env(environ={"DATA_ENCRYPTION_KEY": DATA_KEY,
                                    "SECRET_KEY": "s", "REDIS_URL": url}, dotenv=False)


def test_a_sentinel_url_is_parsed():
    address = sentinel.parse("redis+sentinel://:pa%40ss@10.0.0.1:26379,10.0.0.2,"
                             "[::1]:26380/mymaster/3?sentinel_password=sp")
    assert address.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26379), ("::1", 26380))
    assert address.service == "mymaster"
    assert address.db == 3
    assert address.password == "pa@ss"
    assert address.sentinel_password == "sp"


def test_the_database_and_passwords_are_optional():
    address = sentinel.parse("redis+sentinel://s1:26379/gw")
    assert (address.db, address.password, address.sentinel_password) == (0, None, None)
    assert load("redis+sentinel://s1:26379,s2:26379/gw/0").redis_url.startswith(
        "redis+sentinel://")


@pytest.mark.parametrize(("url", "reason"), [
    ("redis+sentinel:///mymaster", "no sentinel host:port"),
    ("redis+sentinel://s1:26379", "master's name"),
    ("redis+sentinel://s1:26379/m/0/1", "master's name"),
    ("redis+sentinel://s1:26379/m/zero", "database must be a number"),
    ("redis+sentinel://s1:99999/m", "is not host:port"),
    ("redis+sentinel://:secret@s1:port/m", "is not host:port"),
    ("redis+sentinel://s1/m?timeout=3", "unknown option 'timeout'"),
])
def test_a_malformed_sentinel_url_is_refused_naming_the_variable(url, reason):
    with pytest.raises(ConfigError) as error:
        load(url)
    message = str(error.value)
    assert message.startswith("REDIS_URL (Redis Sentinel): ")
    assert reason in message
    assert "secret" not in message and "\n" not in message


def test_an_unknown_scheme_names_the_sentinel_form():
    with pytest.raises(ConfigError, match="redis\\+sentinel://"):
        load("sentinel://s1/m")


def test_connect_builds_a_master_client_that_retries_through_a_failover():
    client = connect("redis+sentinel://127.0.0.1:1,127.0.0.1:2/gw/4")
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "gw" and pool.is_master
    assert pool.connection_kwargs["db"] == 4
    retry = pool.connection_kwargs["retry"]
    assert retry.get_retries() >= 10  # seconds of backoff, not one quick retry

