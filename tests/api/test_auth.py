"""Bearer tokens: `gateway token create/list/revoke`, stored hashed; 401 with a
challenge without a valid token, 403 without the scope."""

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.cli.main import gateway
from gateway.store import tokens
from gateway.store.db import transaction
from gateway.store.models import ApiToken
from tests.api.conftest import Api, declaration_body, make_token


def cli(app, *args: str):
    """Run a `gateway` command in-process against `app`."""
    return CliRunner().invoke(gateway, list(args), obj=ScriptInfo(create_app=lambda: app))


def stored(app) -> list[ApiToken]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def test_token_create_prints_the_secret_once_and_stores_only_its_hash(app, client):
    result = cli(app, "token", "create", "--name", "web", "--scope", "read", "--scope", "write")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("gw_") and len(secret) > 40
    [row] = stored(app)
    assert (row.name, row.scopes) == ("web", "read write")
    assert row.token_hash == tokens.digest(secret) and secret not in row.token_hash
    assert Api(client, secret).get("/api/v1/declarations").status_code == 200
    assert stored(app)[0].last_used_at is not None


def test_token_names_are_unique_and_scopes_checked(app):
    assert cli(app, "token", "create", "--name", "web").exit_code == 0
    again = cli(app, "token", "create", "--name", "web")
    assert again.exit_code != 0 and "exists" in again.output
    wrong = cli(app, "token", "create", "--name", "x", "--scope", "admin")
    assert wrong.exit_code != 0 and "admin" in wrong.output


def test_token_list_never_shows_secrets(app):
    secret = cli(app, "token", "create", "--name", "web").stdout.splitlines()[0]
    listed = cli(app, "token", "list")
    assert listed.exit_code == 0
    assert "web  [read]  active  last used never" in listed.output
    assert secret not in listed.output
    assert '"name": "web"' in cli(app, "token", "list", "--json").output


def test_revoked_token_gets_401(app, client):
    secret = cli(app, "token", "create", "--name", "web").stdout.splitlines()[0]
    assert Api(client, secret).get("/api/v1/venues").status_code == 200
    result = cli(app, "token", "revoke", "web")
    assert result.exit_code == 0 and "revoked" in result.output
    response = Api(client, secret).get("/api/v1/venues")
    assert response.status_code == 401
    assert response.json["detail"] == "the token was revoked"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "revoked" in cli(app, "token", "list").output
    assert cli(app, "token", "revoke", "nobody").exit_code != 0


@pytest.mark.parametrize(("header", "challenge"), [
    (None, 'Bearer realm="gateway"'),
    ("Bearer gw_not-a-token", 'error="invalid_token"'),
    ("Bearer ", 'error="invalid_request"'),
    ("Basic dXNlcjpwYXNz", 'error="invalid_request"'),
    ("Bearer " + "x" * 5000, 'error="invalid_token"'),
    ("Bearer tökén", 'error="invalid_token"'),
])
def test_missing_or_bad_tokens_get_401_with_a_challenge(client, header, challenge):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/declarations", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert challenge in response.headers["WWW-Authenticate"]
    assert response.json["status"] == 401


def test_read_token_cannot_write_and_write_token_cannot_read(app, client):
    reader = Api(client, make_token(app, "reader", ("read",)))
    writer = Api(client, make_token(app, "writer", ("write",)))
    refused = reader.post("/api/v1/declarations", declaration_body())
    assert refused.status_code == 403
    assert 'error="insufficient_scope", scope="write"' in refused.headers["WWW-Authenticate"]
    assert refused.json["detail"] == "this token lacks the 'write' scope"
    assert writer.post("/api/v1/declarations", declaration_body()).status_code == 201
    assert writer.get("/api/v1/declarations").status_code == 403
    assert reader.get("/api/v1/declarations").json["items"][0]["full_name"] == "Nguyen Van A"


def test_scopes_are_refused_before_the_body_is_read(app, client):
    reader = Api(client, make_token(app, "reader", ("read",)))
    assert reader.post("/api/v1/declarations", {"nonsense": 1}).status_code == 403


def test_last_used_is_written_at_most_every_few_minutes(app, client):
    secret = make_token(app, "web")
    api = Api(client, secret)
    api.get("/api/v1/venues")
    first = stored(app)[0].last_used_at
    api.get("/api/v1/venues")
    assert stored(app)[0].last_used_at == first
    with transaction(runtimes.of(app).sessions) as session:
        row = session.scalar(select(ApiToken))
        row.last_used_at = first - tokens.TOUCH_EVERY
    api.get("/api/v1/venues")
    assert stored(app)[0].last_used_at > first
