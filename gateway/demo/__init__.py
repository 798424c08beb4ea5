"""The demo tools: seed data of the embedded mode (`seed.py`), the phone simulator page
it serves (`simulator.py`), and the terminal phone of `gateway sim` (`terminal.py`)."""
