"""The provider table (gateway/sms/providers.py) is the one place a provider is named:
SMS_BACKEND's values, each provider's settings check, the workers' backend and the
app's inbound routes all come from it; and the eSMS provider's settings are checked
with a readable error naming the variable."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from gateway import create_app
from gateway.config import Config, ConfigError, provider_names
from gateway.sms import esms, providers, twilio
from gateway.sms.log_only import LogOnlyBackend
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET

ROOT = Path(__file__).resolve().parents[2]
# Modules that pick, send through or route to "the provider" without knowing which.
NEUTRAL = ("gateway/__init__.py", "gateway/sms/outbound.py", "gateway/sms/sweeper.py",
           "gateway/sms/batches.py", "gateway/sms/pacing.py", "gateway/sms/jobs.py",
           "gateway/sms/sending.py",
           "gateway/webhooks.py", "gateway/cli/main.py", "gateway/runtime.py",
           "gateway/sms/backends.py")
ESMS = {"DATA_ENCRYPTION_KEY": DATA_KEY,
        "SECRET_KEY": "s3cret", "SMS_BACKEND": "esms", "ESMS_API_KEY": "key",
        "ESMS_SECRET_KEY": "secret", "ESMS_BRANDNAME": "IT-antiNCOV"}


def provider_modules() -> dict[str, Path]:
    """The modules of the table's providers, by dotted name."""
    names = {inspect.getmodule(p.backend).__name__ for p in providers.TABLE}
    return {name: ROOT / (name.replace(".", "/") + ".py") for name in names}


def _inside_provider_package(path: Path, module: Path) -> bool:
    """Whether `path` lies in the package of a provider that is a package of its own."""
    package = module.parent
    return package != ROOT / "gateway/sms" and path.is_relative_to(package)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_sms_backend_takes_the_table_s_names():
    assert provider_names() == tuple(providers.PROVIDERS)
    assert provider_names()[:3] == ("outbox", "twilio", "esms")
    with pytest.raises(ConfigError) as error:
        Config.from_env(environ={"DATA_ENCRYPTION_KEY": DATA_KEY,
                                 "SECRET_KEY": "s", "SMS_BACKEND": "nexmo"}, dotenv=False)
    assert str(error.value) == (f"SMS_BACKEND must be one of {', '.join(provider_names())}, "
                                "not 'nexmo'")


def test_only_the_table_imports_the_providers():
    modules = provider_modules()
    assert {"gateway.sms.log_only", "gateway.sms.twilio", "gateway.sms.esms",
            "gateway.sms.smpp.backend"} <= set(modules)
    # A provider that is a package (gateway/sms/smpp/) may import its own parts.
    wrong = sorted(f"{path.relative_to(ROOT)} imports {name}"
                   for package in ("gateway", "hotline")
                   for path in (ROOT / package).rglob("*.py")
                   if path != ROOT / "gateway/sms/providers.py" and "migrations" not in path.parts
                   for name in imports_of(path) if name in modules
                   and not _inside_provider_package(path, modules[name]))
    assert wrong == []


@pytest.mark.parametrize("module", NEUTRAL)
def test_the_gateway_s_own_modules_name_no_provider(module):
    names = {p.name for p in providers.TABLE}
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    named = sorted({node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and node.value in names})
    assert named == []


@pytest.mark.parametrize(("backend", "settings", "kind"), [
    ("outbox", {}, LogOnlyBackend),
    ("twilio", {"twilio_account_sid": "AC1", "twilio_auth_token": "t", "twilio_from": "X"},
     twilio.TwilioBackend),
    ("esms", {"esms_api_key": "k", "esms_secret_key": "s", "esms_brandname": "X"},
     esms.EsmsBackend),
])
def test_the_workers_send_through_the_table_s_backend(backend, settings, kind):
    config = Config(secret_key="s", data_encryption_key=DATA_KEY, sms_backend=backend,
                    **settings)
    config.validate()
    built = providers.backend_for(config)
    assert isinstance(built, kind) and built.name == backend


def test_the_app_mounts_every_provider_s_routes(pg_url, redis_url):
    app = create_app(Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                            data_encryption_key=DATA_KEY,
                            ussd_allowed_networks=AGGREGATOR))
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules()
             for method in rule.methods}
    assert {("/sms/twilio", "POST"), ("/sms/twilio/status", "POST"), ("/ussd", "POST"),
            ("/sms/esms/mo", "GET"),
            ("/sms/esms/status/<int:message_id>/<token>", "GET")} <= rules
    assert providers.PROVIDERS["outbox"].routes is None  # it takes no callbacks
    assert len(providers.blueprints()) == sum(p.routes is not None for p in providers.TABLE)


def test_esms_settings_are_read():
    config = Config.from_env(environ={
        **ESMS, "ESMS_SMS_TYPE": "8", "ESMS_BRANDNAME": "", "ESMS_CPID": "cp",
        "ESMS_PRIVATE_KEY": "pk", "ESMS_CALLBACK_SECRET": "z" * 16,
        "PUBLIC_BASE_URL": "https://gw.example.vn", "ESMS_API_BASE_URL": "http://x:1/",
        "ESMS_ALLOWED_NETWORKS": "203.0.113.0/24"}, dotenv=False)
    assert (config.sms_backend, config.esms_sms_type, config.esms_api_base_url) == (
        "esms", 8, "http://x:1")
    assert (config.esms_cpid, config.esms_private_key) == ("cp", "pk")
    assert [str(n) for n in config.esms_allowed_networks] == ["203.0.113.0/24"]
    assert Config.from_env(environ=ESMS, dotenv=False).esms_api_base_url == (
        "https://rest.esms.vn")


@pytest.mark.parametrize(("env", "variable"), [
    ({**ESMS, "ESMS_API_KEY": ""}, "ESMS_API_KEY"),
    ({**ESMS, "ESMS_SECRET_KEY": ""}, "ESMS_SECRET_KEY"),
    ({**ESMS, "ESMS_BRANDNAME": ""}, "ESMS_BRANDNAME"),
    ({**ESMS, "ESMS_SMS_TYPE": "1"}, "ESMS_SMS_TYPE"),
    ({**ESMS, "ESMS_SMS_TYPE": "two"}, "ESMS_SMS_TYPE"),
    ({**ESMS, "ESMS_CPID": "cp"}, "ESMS_PRIVATE_KEY"),
    ({**ESMS, "ESMS_PRIVATE_KEY": "pk"}, "ESMS_CPID"),
    ({**ESMS, "ESMS_CALLBACK_SECRET": "short", "PUBLIC_BASE_URL": "https://g"},
     "ESMS_CALLBACK_SECRET"),
    ({**ESMS, "ESMS_CALLBACK_SECRET": "z" * 16}, "PUBLIC_BASE_URL"),
    ({**ESMS, "ESMS_API_BASE_URL": "rest.esms.vn"}, "ESMS_API_BASE_URL"),
    ({**ESMS, "ESMS_ALLOWED_NETWORKS": "10.1.2.3/8"}, "ESMS_ALLOWED_NETWORKS"),
])
def test_every_esms_error_names_the_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        Config.from_env(environ=env, dotenv=False)
