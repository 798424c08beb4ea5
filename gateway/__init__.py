"""The SMS and USSD gateway for public-health declarations."""

from __future__ import annotations

from functools import partial

from flask import Flask, Response

from gateway import headers, inputs, logs, proxies, runtime
from gateway.config import Config
from gateway.sms import outbound
from gateway.store import handoff


def create_app(config: Config | None = None) -> Flask:
    """The Flask app: webhooks, operations endpoints and, in the demo, the phone
    simulator. Configuration comes from the environment unless given."""
    if config is None:
        config = Config.from_env()
        # The web answers /ussd: it refuses to start without USSD authentication. A
        # config built in code is the caller's; /ussd fails closed for it anyway.
        config.validate_web()
    logs.configure(config.log_level)
    app = Flask(__name__)
    if config.trusted_proxies:
        app.wsgi_app = proxies.TrustedProxies(app.wsgi_app, config.trusted_proxies)
    inputs.install_converters(app)  # before any route, so every route gets them
    app.config.update(SECRET_KEY=config.effective_secret, MAX_CONTENT_LENGTH=config.max_body_bytes)
    app.extensions["gateway"] = built = runtime.build(config)
    # Every session hands the SMS it queued to the workers once it commits. Wired here:
    # the runtime cannot import sms/ (sms.outbound imports it), and every process of
    # the Procfile builds its runtime through this factory.
    handoff.install(built.sessions, partial(outbound.hand_over, built))

    from gateway import api, ops, webhooks
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(ops.bp)
    api.init_app(app)
    import hotline
    hotline.init_app(app)
    headers.init_app(app)
    if config.demo:
        from gateway import simulator
        app.register_blueprint(simulator.bp)
    if config.bench_endpoint:
        app.add_url_rule("/bench/bare", "bench_bare", _bare, methods=["POST"])

    @app.errorhandler(413)
    def too_large(_error) -> Response:
        return Response(f"Payload too large: at most {config.max_body_bytes} bytes\n",
                        status=413, mimetype="text/plain")

    return app


def _bare() -> Response:
    """The benchmark's baseline: the same stack (gunicorn, Flask, this app) doing no work."""
    return Response("ok\n", mimetype="text/plain")
