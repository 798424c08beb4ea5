"""The commune/ward type-ahead of the console's forms: the same matching as an SMS
answer (`gateway.addresses.match_wards`), as JSON."""

from __future__ import annotations

from flask import jsonify, request

from gateway import addresses
from hotline.auth import requires
from hotline.web import bp

SUGGESTIONS = 8
QUERY_MAX = 60


@bp.get("/places/communes")
@requires("operator", "venue_staff", "manager", "admin", "health_officer")
def communes():
    """Communes/wards of province `province` (its number 1-34, or a name) that best
    match `q`: {"communes": [{"code": 101, "name": "Phường Hoàn Kiếm"}, …]}."""
    province = addresses.match_province(request.args.get("province", ""))
    query = request.args.get("q", "")[:QUERY_MAX]
    if province is None or not query.strip():
        return jsonify(communes=[])
    found = addresses.match_wards(province, query, SUGGESTIONS)
    return jsonify(communes=[{"code": w.code.value, "name": w.name} for w in found])
