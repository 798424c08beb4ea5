"""The `gateway` command line: `main.py` holds the Flask CLI group and its entry point,
and each other module one command group or set of commands."""
