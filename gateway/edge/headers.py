"""Security headers on every HTML page of the app: the console, the API's
documentation (Swagger UI), the demo's phone simulator and any error page.

No page carries inline script or style — the simulator's and Swagger UI's start-up
code are files (gateway/demo/static/, gateway/static/; gateway/templates/swagger_ui.html
overrides flask-smorest's inline one) — so one policy forbids both everywhere.
"""

from __future__ import annotations

from flask import Flask, Response

CSP = ("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
       "form-action 'self'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages show personal data: no copies in caches
}


def init_app(app: Flask) -> None:
    """Add the security headers to every `text/html` response of `app`."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """The headers for an HTML page (kept where a view set its own)."""
    if response.mimetype == "text/html":
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
    return response
