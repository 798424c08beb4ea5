"""Operations endpoints: health and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from gateway import runtime
from gateway.ops import metrics

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database and Redis answer, 503 otherwise (JSON says which)."""
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
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503


@bp.get("/metrics")
def metrics_page() -> Response:
    """Prometheus text format."""
    body = metrics.exposition(runtime.current())
    return Response(body, mimetype="text/plain; version=0.0.4")
