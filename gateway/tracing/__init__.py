"""Tracing: confirmed cases, the phones exposed to them at venues, and the one SMS
each exposed phone gets (issue 17, item 1)."""
