"""The SMS and USSD gateway for public-health declarations."""

from __future__ import annotations

from functools import partial

import click
from flask import Flask, Response

import hotline
from gateway import actions, flows, runtime, webhooks
from gateway.api import mount as records_api
from gateway.config import Config, ConfigError
from gateway.demo import simulator
from gateway.edge import headers, inputs, proxies
from gateway.ops import health, logs, startup
from gateway.sms import jobs, providers
from gateway.store import handoff
from hotline import cli as console_cli


def create_app(config: Config | None = None) -> Flask:
    """The Flask app: webhooks, operations endpoints and, in the demo, the phone
    simulator. Configuration comes from the environment unless given."""
    from_env = config is None
    if config is None:
        try:
            config = Config.from_env()
            # The web answers /ussd: it refuses to start without USSD authentication. A
            # config built in code is the caller's; /ussd fails closed for it anyway.
            config.validate_web()
        except ConfigError as error:
            raise startup.StartupError(str(error)) from None
    logs.configure(config.log_level)
    # A flow naming an effect or outcome that has no handler fails here, at start-up,
    # not with a KeyError in the middle of someone's dialogue.
    unhandled = actions.missing(flows.FLOWS.values())
    if unhandled:
        raise RuntimeError("flows name actions with no handler: " + "; ".join(unhandled))
    app = Flask(__name__)
    if config.trusted_proxies:
        app.wsgi_app = proxies.TrustedProxies(app.wsgi_app, config.trusted_proxies)
    inputs.install_converters(app)  # before any route, so every route gets them
    app.config.update(SECRET_KEY=config.effective_secret, MAX_CONTENT_LENGTH=config.max_body_bytes)
    built = runtime.install(app, config)
    if from_env:  # the web's start: a database it cannot use stops it with one line
        try:
            startup.database(built)
        except ConfigError as error:
            raise startup.StartupError(str(error)) from None
    # Every session hands the SMS it queued to the workers once it commits. Wired here:
    # the runtime cannot import sms/ (sms.jobs imports it), and every process of
    # the Procfile (web; worker and cron through the `gateway` command) runs this app.
    handoff.install(built.sessions, partial(jobs.hand_over, built))
    app.register_blueprint(webhooks.bp)
    for routes in providers.blueprints():  # each provider's inbound callbacks
        app.register_blueprint(routes)
    app.register_blueprint(health.bp)
    records_api.init_app(app)
    hotline.init_app(app)
    headers.init_app(app)
    if config.demo:
        simulator.init_app(app)
    if config.bench_endpoint:
        app.add_url_rule("/bench/bare", "bench_bare", _bare, methods=["POST"])

    @app.errorhandler(413)
    def too_large(_error) -> Response:
        return Response(f"Payload too large: at most {config.max_body_bytes} bytes\n",
                        status=413, mimetype="text/plain")

    return app


def console_commands() -> tuple[click.Command, ...]:
    """The console's commands (hotline/cli.py) that the `gateway` command line offers
    beside its own: the factory is the one place the gateway meets the console."""
    return (console_cli.user,)


def _bare() -> Response:
    """The benchmark's baseline: the same stack (gunicorn, Flask, this app) doing no work."""
    return Response("ok\n", mimetype="text/plain")
