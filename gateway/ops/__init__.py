"""Running the gateway: the health check and Prometheus metrics the web serves
(`health.py`, `metrics.py`), structured logs (`logs.py`), and how the worker and cron
processes survive a Redis restart (`survive.py`)."""
