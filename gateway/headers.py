"""Security headers on every HTML page of the app: the console, the API's
documentation (Swagger UI), the demo's phone simulator and any error page.

The pages carry no inline script or style, so the policy forbids both. Swagger UI
is the one exception: flask-smorest's page starts the bundle with an inline script
(and the bundle sets inline styles), so `/api/v1/docs` allows inline code from its
own origin only — still no other site's scripts, no framing, no form posts elsewhere.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = ("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
       "form-action 'self'; base-uri 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages show personal data: no copies in caches
}
DOCS_PATH = "/api/v1/docs"


def init_app(app: Flask) -> None:
    """Add the security headers to every `text/html` response of `app`."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """The headers for an HTML page (kept where a view set its own)."""
    if response.mimetype != "text/html":
        return response
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.rstrip("/") == DOCS_PATH:
        response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
