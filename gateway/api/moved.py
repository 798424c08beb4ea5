"""Personal data never in a URL: URLs end up in access logs, proxy logs, browser
histories and monitoring. The records API takes phones, ID and insurance numbers in
JSON bodies only; a query string carrying one is refused with a 400 saying where the
filter moved, before the request reaches a view, whatever its path or method (so the
old `GET /api/v1/exposures?phone=…` gets the answer too, not a 405)."""

from __future__ import annotations

from flask import Response, request

from gateway.api import problems
from gateway.api.blueprint import PREFIX
from gateway.api.problems import Problem

PERSONAL_PARAMETERS = ("phone", "declarer_phone", "subject_phone", "contact_phone",
                       "id_number", "insurance_number", "full_name", "name")
# Where each list's personal filters went (any other path: the body of a POST).
MOVED_TO = {
    f"{PREFIX}/declarations": f"POST {PREFIX}/declarations/search",
    f"{PREFIX}/visits": f"POST {PREFIX}/visits/search",
    f"{PREFIX}/exposures": f"POST {PREFIX}/exposures",
    f"{PREFIX}/quarantine-cases": f"POST {PREFIX}/quarantine-cases/search",
}
TYPE = "urn:gateway:problem:personal-data-in-url"


def refuse_personal_query() -> Response | None:
    """A before-request hook: 400 for an API request with a personal query parameter."""
    if not (request.path == PREFIX or request.path.startswith(PREFIX + "/")):
        return None
    found = [name for name in PERSONAL_PARAMETERS if name in request.args]
    if not found:
        return None
    place = MOVED_TO.get(request.path.rstrip("/"), "a POST")
    reason = f"personal data is not accepted in a URL: send it in the JSON body of {place}"
    return problems.response(Problem(
        400, f"{found[0]}: {reason}", type=TYPE, moved_to=place,
        errors=[{"field": name, "location": "query", "reason": reason} for name in found]))
