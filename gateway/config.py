"""Configuration: read once from the environment (and `.env`), typed and validated."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import find_dotenv, load_dotenv
from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gateway import consent
from gateway import retention as retention_table
from gateway.environment import (
    ConfigError,
    Network,
    clock,
    networks,
    number,
    numbers,
    octet,
    whole,
)
from gateway.store import keyring, sentinel
from gateway.store.redis import DEMO_REDIS_URL
from gateway.tracing import settings as tracing_settings

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_BACKENDS = ("postgresql", "sqlite")  # what gateway.store.db makes engines for
REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+sentinel://")
TWILIO_API_DEFAULT = "https://api.twilio.com"
ESMS_API_DEFAULT = "https://rest.esms.vn"
ESMS_SMS_TYPES = (2, 8)  # eSMS: 2 customer care from a brandname, 8 a fixed number
REPORT_SYMPTOMS = 8  # the daily report's symptom list (gateway/flows/report.py; a test ties them)
API_RATE_LIMIT = "600/minute"  # per API token: a sync client polling the feed needs far less


# SMS_BACKEND's values and each one's settings rules, filled by the provider table
# (gateway/sms/providers.py). The table registers itself: it sits above this module
# (providers read the Config), so config cannot import it. The gateway package's
# __init__ imports the table, and Python runs that before any module of the package,
# so the table is complete before any configuration is read.
_PROVIDERS: dict[str, Callable[[Config], None]] = {}


def register_provider(name: str, check: Callable[[Config], None]) -> None:
    """Make `name` a value of SMS_BACKEND; `check(config)` raises ConfigError when that
    provider's settings are missing or wrong (called only when it is the one chosen)."""
    _PROVIDERS[name] = check


def provider_names() -> tuple[str, ...]:
    """The values SMS_BACKEND may take, in the table's order."""
    return tuple(_PROVIDERS)


@dataclass(frozen=True)
class Config:
    """Every setting the gateway reads; build it with `Config.from_env()`."""

    database_url: str = "sqlite:///gateway.db"
    redis_url: str = "redis://localhost:6379/0"
    secret_key: str = ""
    sms_backend: str = "outbox"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_base_url: str = TWILIO_API_DEFAULT
    esms_api_key: str = ""
    esms_secret_key: str = ""
    esms_brandname: str = ""
    esms_sms_type: int = 2
    esms_api_base_url: str = ESMS_API_DEFAULT
    esms_cpid: str = ""                  # eSMS short-code service: signs MO callbacks
    esms_private_key: str = ""
    esms_callback_secret: str = ""       # in the receipt CallbackUrl we give eSMS
    esms_allowed_networks: tuple[Network, ...] = ()
    public_base_url: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    sms_dialogue_minutes: int = 30
    ussd_session_seconds: int = 180
    resume_hours: int = 24
    verified_hours: int = 24
    declaration_valid_hours: int = 24
    otp_global_per_minute: int = 300
    otp_fanout_per_hour: int = 5       # OTPs one declarer may cause to other numbers
    otp_fanout_per_day: int = 10
    otp_fanout_per_session: int = 3    # ...and within one USSD session
    otp_operator_per_hour: int = 60    # OTPs one console account may cause
    checkin_repeat_minutes: int = 30
    visit_close_hours: int = 8
    sms_short_number: str = "1022"
    ussd_code: str = "*1022#"
    venue_qr_base_url: str = "https://tokhaiyte.vn/checkin/"
    reminder_morning_at: time = time(8, 0)     # quarantine: local times of the daily runs
    reminder_noon_at: time = time(12, 0)
    digest_at: time = time(17, 0)
    quarantine_end_at: time = time(18, 0)
    danger_temperature: float = 39.0
    danger_symptoms: tuple[int, ...] = (3, 7, 8)  # numbers of the daily report's list
    sms_rate_per_second: float = 10.0           # per sender; a long number does about 1
    sms_retry_hours: int = 24                   # a failing message is retried this long
    max_body_bytes: int = 16 * 1024
    log_level: str = "INFO"
    bench_endpoint: bool = False  # POST /bench/bare: the benchmark's same-stack baseline
    ussd_basic_auth: str = ""                   # "user:password" the aggregator sends
    ussd_allowed_networks: tuple[Network, ...] = ()  # the aggregator's source networks
    trusted_proxies: tuple[Network, ...] = ()   # reverse proxies whose X-Forwarded-* count
    api_rate_limit: str = API_RATE_LIMIT        # Flask-Limiter syntax, per token
    smpp_host: str = ""                         # the carrier's or aggregator's SMSC
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: str = ""
    smpp_system_type: str = ""
    smpp_source_addr: str = ""                  # short code (8088) or brandname
    smpp_source_ton: int | None = None          # None: derived from SMPP_SOURCE_ADDR
    smpp_source_npi: int | None = None
    smpp_bind: str = "transceiver"              # or tx_rx: two binds
    smpp_window: int = 10                       # submits unanswered at most
    smpp_enquire_link_seconds: int = 30
    # retention and purge: how long each record kind is kept (gateway/retention.py)
    retention: retention_table.Retention = field(default_factory=retention_table.Retention)
    # pii-logs: Fernet keys, newest first, for ID/BHYT numbers (gateway/store/keyring.py)
    data_encryption_key: str = ""
    # access by area: an API token reading more records than this in an hour raises an
    # alert (gateway/ops/bulk_reads.py)
    bulk_read_alert: int = 10_000
    # consent: the notice and consent before a first declaration (gateway/consent.py)
    consent_mode: str = "ask"                  # or legal_basis: notice only, no question
    consent_legal_basis: str = ""              # with legal_basis: art19_1a, art19_1c, ...
    consent_notice_version: str = ""           # empty: derived from the notice's text
    # exposure notification: overlap rules and the answer window (gateway/tracing/settings.py)
    exposure_min_overlap_minutes: int = 15
    exposure_margin_minutes: int = 30
    exposure_answer_days: int = 7

    @property
    def demo(self) -> bool:
        """True when running fully embedded (in-process Redis, inline jobs)."""
        return self.redis_url == DEMO_REDIS_URL

    @property
    def tz(self) -> ZoneInfo:
        """The local timezone for reminders, digests and 'today'."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: bool = True) -> Config:
        """Read and validate the configuration; raise ConfigError naming the bad variable."""
        if environ is None:
            if dotenv:
                # The .env of the directory the gateway runs in, not of wherever the
                # package happens to be installed.
                load_dotenv(find_dotenv(usecwd=True), override=False)
            environ = os.environ
        env = {k: v.strip() for k, v in environ.items()}
        config = cls(
            database_url=_database_url(env.get("DATABASE_URL") or cls.database_url),
            redis_url=env.get("REDIS_URL") or cls.redis_url,
            secret_key=env.get("SECRET_KEY", ""),
            sms_backend=(env.get("SMS_BACKEND") or cls.sms_backend).lower(),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            twilio_from=env.get("TWILIO_FROM", ""),
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            twilio_api_base_url=(env.get("TWILIO_API_BASE_URL") or TWILIO_API_DEFAULT).rstrip("/"),
            esms_api_key=env.get("ESMS_API_KEY", ""),
            esms_secret_key=env.get("ESMS_SECRET_KEY", ""),
            esms_brandname=env.get("ESMS_BRANDNAME", ""),
            esms_sms_type=whole(env, "ESMS_SMS_TYPE", cls.esms_sms_type),
            esms_api_base_url=(env.get("ESMS_API_BASE_URL") or ESMS_API_DEFAULT).rstrip("/"),
            esms_cpid=env.get("ESMS_CPID", ""),
            esms_private_key=env.get("ESMS_PRIVATE_KEY", ""),
            esms_callback_secret=env.get("ESMS_CALLBACK_SECRET", ""),
            esms_allowed_networks=networks(env, "ESMS_ALLOWED_NETWORKS"),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            timezone=env.get("GATEWAY_TIMEZONE") or cls.timezone,
            sms_dialogue_minutes=whole(env, "SMS_DIALOGUE_MINUTES", cls.sms_dialogue_minutes),
            ussd_session_seconds=whole(env, "USSD_SESSION_SECONDS", cls.ussd_session_seconds),
            resume_hours=whole(env, "RESUME_HOURS", cls.resume_hours),
            verified_hours=whole(env, "VERIFIED_HOURS", cls.verified_hours),
            declaration_valid_hours=whole(env, "DECLARATION_VALID_HOURS",
                                         cls.declaration_valid_hours),
            otp_global_per_minute=whole(env, "OTP_GLOBAL_PER_MINUTE", cls.otp_global_per_minute),
            otp_fanout_per_hour=whole(env, "OTP_FANOUT_PER_HOUR", cls.otp_fanout_per_hour),
            otp_fanout_per_day=whole(env, "OTP_FANOUT_PER_DAY", cls.otp_fanout_per_day),
            otp_fanout_per_session=whole(env, "OTP_FANOUT_PER_SESSION",
                                        cls.otp_fanout_per_session),
            otp_operator_per_hour=whole(env, "OTP_OPERATOR_PER_HOUR", cls.otp_operator_per_hour),
            checkin_repeat_minutes=whole(env, "CHECKIN_REPEAT_MINUTES",
                                        cls.checkin_repeat_minutes),
            visit_close_hours=whole(env, "VISIT_CLOSE_HOURS", cls.visit_close_hours),
            sms_short_number=env.get("SMS_SHORT_NUMBER") or cls.sms_short_number,
            ussd_code=env.get("USSD_CODE") or cls.ussd_code,
            venue_qr_base_url=env.get("VENUE_QR_BASE_URL") or cls.venue_qr_base_url,
            reminder_morning_at=clock(env, "REMINDER_MORNING_AT", cls.reminder_morning_at),
            reminder_noon_at=clock(env, "REMINDER_NOON_AT", cls.reminder_noon_at),
            digest_at=clock(env, "DIGEST_AT", cls.digest_at),
            quarantine_end_at=clock(env, "QUARANTINE_END_AT", cls.quarantine_end_at),
            danger_temperature=number(env, "DANGER_TEMPERATURE", cls.danger_temperature),
            danger_symptoms=numbers(env, "DANGER_SYMPTOMS", cls.danger_symptoms),
            sms_rate_per_second=number(env, "SMS_RATE_PER_SECOND", cls.sms_rate_per_second),
            sms_retry_hours=whole(env, "SMS_RETRY_HOURS", cls.sms_retry_hours),
            max_body_bytes=whole(env, "MAX_BODY_BYTES", cls.max_body_bytes),
            log_level=(env.get("LOG_LEVEL") or cls.log_level).upper(),
            bench_endpoint=env.get("BENCH_ENDPOINT", "").lower() in ("1", "true", "yes"),
            ussd_basic_auth=env.get("USSD_BASIC_AUTH", ""),
            ussd_allowed_networks=networks(env, "USSD_ALLOWED_NETWORKS"),
            trusted_proxies=networks(env, "TRUSTED_PROXIES"),
            api_rate_limit=env.get("API_RATE_LIMIT") or cls.api_rate_limit,
            smpp_host=env.get("SMPP_HOST", ""),
            smpp_port=whole(env, "SMPP_PORT", cls.smpp_port),
            smpp_system_id=env.get("SMPP_SYSTEM_ID", ""),
            smpp_password=env.get("SMPP_PASSWORD", ""),
            smpp_system_type=env.get("SMPP_SYSTEM_TYPE", ""),
            smpp_source_addr=env.get("SMPP_SOURCE_ADDR", ""),
            smpp_source_ton=octet(env, "SMPP_SOURCE_TON"),
            smpp_source_npi=octet(env, "SMPP_SOURCE_NPI"),
            smpp_bind=(env.get("SMPP_BIND") or cls.smpp_bind).lower(),
            smpp_window=whole(env, "SMPP_WINDOW", cls.smpp_window),
            smpp_enquire_link_seconds=whole(env, "SMPP_ENQUIRE_LINK_SECONDS",
                                           cls.smpp_enquire_link_seconds),
            retention=_retention(lambda: retention_table.parse(env)),
            data_encryption_key=env.get(keyring.VARIABLE, ""),
            bulk_read_alert=whole(env, "BULK_READ_ALERT", cls.bulk_read_alert),
            **consent.read(env),
            **tracing_settings.read(env),
        )
        config.validate()
        return config

    def validate(self) -> None:
        """Check cross-field rules; raise ConfigError with a readable reason."""
        _raise(consent.problem(self.consent_mode, self.consent_legal_basis,
                               self.consent_notice_version))
        _raise(tracing_settings.problem(vars(self)))
        check = _PROVIDERS.get(self.sms_backend)
        if check is None:
            raise ConfigError(f"SMS_BACKEND must be one of {', '.join(_PROVIDERS)}, "
                              f"not {self.sms_backend!r}")
        if not self.demo and not self.secret_key:
            raise ConfigError("SECRET_KEY is required (only the demo, REDIS_URL=memory://, "
                              "may run without one)")
        check(self)
        if error := keyring.setting_error(self.data_encryption_key, self.demo):
            raise ConfigError(error)
        try:
            ZoneInfo(self.timezone)
        # A region name such as 'Asia' is a directory of the tz database: OSError.
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(f"GATEWAY_TIMEZONE {self.timezone!r} is not a known "
                              "timezone, e.g. Asia/Ho_Chi_Minh") from None
        if not (self.demo or self.redis_url.startswith(REDIS_SCHEMES)):
            raise ConfigError(f"REDIS_URL must be redis://…, rediss://…, unix://…, "
                              f"redis+sentinel://… or exactly {DEMO_REDIS_URL}, "
                              f"not {_scheme_only(self.redis_url)!r}")
        if sentinel.is_sentinel(self.redis_url):
            try:
                sentinel.parse(self.redis_url)
            except ValueError as error:  # the reason only: the URL may hold a password
                raise ConfigError(f"REDIS_URL (Redis Sentinel): {error}") from None
        try:
            backend = make_url(self.database_url).get_backend_name()
        except ArgumentError:
            raise ConfigError("DATABASE_URL is not a database URL such as "
                              "postgresql://user@host/db or sqlite:///gateway.db") from None
        if backend not in DATABASE_BACKENDS:
            raise ConfigError(f"DATABASE_URL must be postgresql://… or sqlite:///…, not "
                              f"{_scheme_only(self.database_url)!r}")
        if not re.fullmatch(r"\*\d+(\*\d+)*#", self.ussd_code):
            raise ConfigError(f"USSD_CODE must look like *1022#, not {self.ussd_code!r}")
        for name, url in (("TWILIO_API_BASE_URL", self.twilio_api_base_url),
                          ("ESMS_API_BASE_URL", self.esms_api_base_url),
                          ("PUBLIC_BASE_URL", self.public_base_url),
                          ("VENUE_QR_BASE_URL", self.venue_qr_base_url)):
            if url and not url.startswith(("http://", "https://")):
                raise ConfigError(f"{name} must start with http:// or https://, not {url!r}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                              f"not {self.log_level!r}")
        if not 37.5 <= self.danger_temperature <= 42:
            raise ConfigError(f"DANGER_TEMPERATURE must be 37.5 to 42 (degrees C), not "
                              f"{self.danger_temperature}")
        if self.otp_fanout_per_hour > self.otp_fanout_per_day:
            raise ConfigError(f"OTP_FANOUT_PER_HOUR ({self.otp_fanout_per_hour}) must not be "
                              f"more than OTP_FANOUT_PER_DAY ({self.otp_fanout_per_day})")
        if not all(1 <= n <= REPORT_SYMPTOMS for n in self.danger_symptoms):
            raise ConfigError(f"DANGER_SYMPTOMS must be numbers 1-{REPORT_SYMPTOMS} of the "
                              f"daily report, such as 3,7,8")
        if self.ussd_basic_auth:
            user, colon, password = self.ussd_basic_auth.partition(":")
            if not (user and colon and password):
                raise ConfigError("USSD_BASIC_AUTH must be user:password, both non-empty")
        _retention(lambda: retention_table.check(self.retention, self.resume_hours,
                                                 self.sms_retry_hours))
        try:
            if not parse_many(self.api_rate_limit):
                raise ValueError(self.api_rate_limit)
        except ValueError:
            raise ConfigError(f"API_RATE_LIMIT must be a rate such as 600/minute or "
                              f"10/second;1000/hour, not {self.api_rate_limit!r}") from None

    def validate_web(self) -> None:
        """The rule for processes that serve HTTP (workers and cron never answer /ussd):
        outside the demo, /ussd must be authenticated, for anyone who reaches it
        unauthenticated could claim any phone number."""
        if not (self.demo or self.ussd_basic_auth or self.ussd_allowed_networks):
            raise ConfigError("USSD_BASIC_AUTH or USSD_ALLOWED_NETWORKS is required (only "
                              "the demo, REDIS_URL=memory://, may run /ussd without one)")

    @property
    def effective_secret(self) -> str:
        """The signing key; the demo falls back to a fixed, clearly non-secret value."""
        return self.secret_key or "demo-only-not-secret"

    @property
    def data_keys(self) -> keyring.Keyring:
        """The keys of ID and insurance numbers; the demo's derives from the secret."""
        return keyring.for_setting(self.data_encryption_key, self.effective_secret)


def _retention(read: Callable[[], retention_table.Retention | None]):
    """Run a retention parse or check, its RetentionError as a ConfigError."""
    try:
        return read()
    except retention_table.RetentionError as error:
        raise ConfigError(str(error)) from None


def _raise(problem: str | None) -> None:
    """Raise a ConfigError for a problem a settings helper found."""
    if problem:
        raise ConfigError(problem)


def _scheme_only(url: str) -> str:
    """What an error may repeat of a URL: its scheme, never the password after it."""
    scheme, separator, _ = url.partition("://")
    return f"{scheme}://…" if separator else "…"


def _database_url(url: str) -> str:
    """Accept the 'postgres://' spelling many hosts hand out; SQLAlchemy knows only
    'postgresql://'."""
    if url.startswith("postgres://"):
        return "postgresql://" + url.removeprefix("postgres://")
    return url
