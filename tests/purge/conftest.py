"""Purge tests: the records API's client fixture, for making records and reading the feed."""

from tests.api.conftest import api  # noqa: F401  (a fixture)
