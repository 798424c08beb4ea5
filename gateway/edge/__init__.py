"""The HTTP edge's protections, applied before or around every route: the client
address behind trusted proxies (`proxies.py`), security headers (`headers.py`), what
characters and numbers a request may carry (`inputs.py`), and the USSD aggregator's
authentication (`ussd_auth.py`)."""
