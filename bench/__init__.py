"""The benchmark: whole conversations under load against gunicorn, PostgreSQL, Redis,
RQ workers and a stand-in Twilio, side by side with a bare endpoint of the same stack.
Run it with `scripts/bench` (see bench/README.md)."""
