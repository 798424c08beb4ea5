"""The outbound tests' configuration (Twilio through the stand-in) and real workers."""

from tests.sms.workers import config, workers  # noqa: F401 (fixtures)
