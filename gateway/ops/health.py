"""Operations endpoints: health and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from gateway import runtime
from gateway.ops import metrics
from gateway.sms.smpp import status as smpp_status

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database and Redis answer, 503 otherwise (JSON says which). With
    SMS_BACKEND=smpp it also says whether an `smpp` process is bound ("smpp": bound or
    unbound, and each process's state); an unbound link does not make it 503: the web
    still serves USSD and the console, and messages wait in the outbox until a bind."""
    rt = runtime.current()
    checks = {}
    try:
        with rt.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure means unhealthy; say which kind
        checks["database"] = f"error: {type(error).__name__}"
    try:
        rt.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    extra = {}
    if rt.config.sms_backend == "smpp" and checks["redis"] == "ok":
        extra["smpp"] = smpp_status.summary(rt.redis)
    return (jsonify(status="ok" if healthy else "unavailable", **checks, **extra),
            200 if healthy else 503)


@bp.get("/metrics")
def metrics_page() -> Response:
    """Prometheus text format."""
    body = metrics.exposition(runtime.current())
    return Response(body, mimetype="text/plain; version=0.0.4")
