"""The 1022 hotline operator console (a Flask blueprint under /hotline).

The console arrives with its own issue; this package is reserved for it so the
distribution's layout is stable from the start.
"""
