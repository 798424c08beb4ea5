"""A provider's stand-in served for real: an HTTP server on an ephemeral loopback port in
a background thread, for the Twilio and eSMS stand-ins to build on."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    """Serve `handler` on 127.0.0.1 until `stop`; `url` is its base URL."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str):
        self._stopped = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: `stop` (shutdown) waits for the serving loop's next poll.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=name, daemon=True)

    @property
    def url(self) -> str:
        """The base URL the gateway is given for this provider's API."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        """Serve in a background thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (idempotent: a test may stop it to play an outage)."""
        if self._stopped:
            return
        self._stopped = True
        self.stopping()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def stopping(self) -> None:
        """What a stand-in does first when it stops (e.g. end held requests)."""
