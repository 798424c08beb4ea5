"""eSMS.vn (ViHAT), a Vietnamese SMS aggregator reached over HTTP: MT by its REST API,
MO from its short-code service as a signed GET callback, delivery reports as a GET
callback. Chosen with `SMS_BACKEND=esms`; `PROVIDER` is its entry in the provider table.

Built from eSMS's public developer documentation (developers.esms.vn, mirrored in the
GitHub repositories devesms/gitbook_esms_for_develop_v2_en and …_v2):

- **MT**: `POST {ESMS_API_BASE_URL}/MainService.svc/json/SendMultipleMessage_V4_post_json/`,
  a JSON body `ApiKey`, `SecretKey`, `Phone`, `Content`, `Brandname`, `SmsType` (2
  customer care from a registered brandname, 8 a fixed number), `IsUnicode`,
  `Sandbox`, `RequestId` ("to prevent the request from being duplicated": a second
  request with the same one is refused with code 124) and `CallbackUrl`. The answer is
  JSON: `CodeResult` "100" and `SMSID`, or another code and `ErrorMessage` (the table of
  error codes: 99 number blocked, 101 wrong keys, 103 balance too low, 104 unknown
  brandname, 108 bad number, 124 duplicate RequestId, 140 address not whitelisted…).
- **Look-up**: `POST …/MainService.svc/json/GetSmsSentData_V2` (`From`, `To` as
  `yyyy-MM-dd HH:mm:ss`, `Page`, `PageSize` ≤ 500, `SmsType`) lists what was sent with
  `Phone`, `Content` and `ReferenceId` (the SMSID): `find_sent` reads it.
- **Receipts**: eSMS calls the `CallbackUrl` given with the message by GET, adding
  `SMSID`, `SendStatus` (1 in review, 2 waiting, 4 rejected, 5 sent - final, 7 at
  the carrier awaiting its report), `SendSuccess`, `SendFailed`, `RequestId`, … It
  retries at most 5 times.
- **MO** (the "sVoucher connect" short-code service): eSMS calls the URL we register by
  GET with `sender` (84…), `content`, `serviceNumber`, `keyword`, `cpid`, `smsid`,
  `receiverTime` (`yyyyMMddhhmmss`) and `sign` = Base64(MD5(cpid + smsid + content +
  receiverTime + private key)), and takes the answer `<ClientResponse><Message>…
  </Message><Smsid>…</Smsid><Receiver>…</Receiver></ClientResponse>`: the `Message` is
  sent back to the phone from the short code.

What the documentation does not settle, and what this module assumes (to check with
eSMS when connecting):

- whether `sign` is computed over the URL-decoded `content` (assumed: decoded, the
  value the callback means) and whether eSMS retries an MO whose answer was lost
  (assumed it may: a repeated `smsid` gets the first answer again, never a second turn);
- what an empty `<Message>` does (assumed: no reply is sent);
- how eSMS joins its parameters to a `CallbackUrl` that already has a query string: so
  the gateway's CallbackUrl has none; the message id and a token (an HMAC of it under
  `ESMS_CALLBACK_SECRET`) ride in its path, so a leaked URL forges one message's
  report at most, and the secret itself is never in a URL or a log;
- receipts are not signed by eSMS: the token above and, if set, `ESMS_ALLOWED_NETWORKS`
  are what authenticate them;
- the time zone of `GetSmsSentData_V2`'s `From`/`To` (assumed Vietnam's: its dates are
  written `+0700`);
- the HTTP status of an error answer (assumed 200 with a `CodeResult`, as documented;
  429 and 5xx are treated as the provider in trouble anyway).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Set
from datetime import datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import requests
from flask import Blueprint, Response, request

from gateway import runtime
from gateway.config import ESMS_SMS_TYPES, Config, ConfigError
from gateway.dialogue import router
from gateway.dialogue.messages import Inbound
from gateway.dialogue.turn import handle
from gateway.edge.proxies import within
from gateway.sms.backends import Outgoing, Provider, SendError
from gateway.sms.rest import CONNECT_TIMEOUT, READ_TIMEOUT, call_failed, retry_after
from gateway.store import messages
from gateway.store.db import transaction
from gateway.text import septets
from gateway.webhooks import (
    MAX_SID,
    MAX_SMS_BODY,
    BadRequest,
    forbidden,
    guarded,
    limit,
    phone_of,
    query_fields,
    require,
    text_response,
)

SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
LIST_PATH = "/MainService.svc/json/GetSmsSentData_V2"
RECEIPT_PATH = "/sms/esms/status"
MO_PATH = "/sms/esms/mo"
ACCEPTED = "100"
DUPLICATE_REQUEST = "124"           # this RequestId was taken before: it has the message
LOW_BALANCE = "103"                 # a person tops the account up: worth retrying
LOOKUP_PAGE_SIZE = 500              # the most GetSmsSentData_V2 gives a page
LOOKUP_PAGES = 10                   # beyond this, the look-up says it cannot tell
LOOKUP_MARGIN = timedelta(minutes=2)
ESMS_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_CALLBACK_SECRET = 16
# SendStatus of a receipt → our outbound statuses; 5 is final, told apart by the counts.
IN_FLIGHT = {"1": "sent", "2": "sent", "7": "sent"}
REJECTED = "4"
FINAL = "5"


def request_id(message_id: int) -> str:
    """The RequestId of an outbox row: eSMS refuses a second request with the same one,
    so a message re-sent after an interrupted send can never go out twice."""
    return f"gw-{message_id}"


def callback_token(secret: str, message_id: int) -> str:
    """The token in a message's receipt URL: an HMAC of its id under the secret."""
    digest = hmac.new(secret.encode(), str(message_id).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def mo_signature(private_key: str, cpid: str, smsid: str, content: str,
                 receiver_time: str) -> str:
    """eSMS's `sign` of an MO callback: Base64(MD5(cpid + smsid + content +
    receiverTime + private key)), as its short-code documentation gives it."""
    digest = hashlib.md5((cpid + smsid + content + receiver_time + private_key).encode(),
                         usedforsecurity=False).digest()
    return base64.b64encode(digest).decode()


def local_phone(phone: str) -> str:
    """The number as eSMS's examples write it: national (0912345678) for Vietnam,
    international digits without '+' otherwise."""
    if phone.startswith("+84"):
        return "0" + phone[3:]
    return phone.lstrip("+")


class EsmsBackend:
    """Sends through eSMS's SendMultipleMessage_V4_post_json, one request per message."""

    name = "esms"

    def __init__(self, config: Config):
        self.config = config
        # The breaker pauses per sender: the brandname (or the fixed-number account).
        self.sender = config.esms_brandname or f"esms-{config.esms_sms_type}"
        self.url = config.esms_api_base_url + SEND_PATH
        self.list_url = config.esms_api_base_url + LIST_PATH
        self.http = requests.Session()

    def send(self, message: Outgoing) -> str:
        """Submit the message; return eSMS's SMSID."""
        body = {**self._credentials(), "Phone": local_phone(message.phone),
                "Content": message.body, "SmsType": str(self.config.esms_sms_type),
                "IsUnicode": "0" if septets(message.body) is not None
                else "1", "Sandbox": "0", "RequestId": request_id(message.message_id)}
        if self.config.esms_sms_type == 2:
            body["Brandname"] = self.config.esms_brandname
        if self.config.public_base_url and self.config.esms_callback_secret:
            token = callback_token(self.config.esms_callback_secret, message.message_id)
            body["CallbackUrl"] = (f"{self.config.public_base_url}{RECEIPT_PATH}/"
                                   f"{message.message_id}/{token}")
        try:
            response = self.http.post(self.url, json=body, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as error:
            raise call_failed(error) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise SendError(f"provider answered HTTP {response.status_code}",
                            code=str(response.status_code), retryable=True,
                            provider_trouble=True,
                            retry_after=retry_after(response.headers.get("Retry-After")))
        try:
            answer = response.json()
            code = str(answer.get("CodeResult", ""))
        except (ValueError, AttributeError):
            # A 200 we cannot read may still have created the message.
            raise SendError("provider answer unreadable", maybe_sent=True) from None
        if code == ACCEPTED and answer.get("SMSID"):
            return str(answer["SMSID"])
        if code == ACCEPTED:
            raise SendError("provider answer without an SMSID", maybe_sent=True)
        reason = str(answer.get("ErrorMessage") or f"eSMS code {code}")[:255]
        if code == DUPLICATE_REQUEST:
            # It has this message already (an earlier try was taken, its answer lost):
            # the sweeper finds its SMSID; sending it again cannot send it twice.
            raise SendError(reason, code=code, maybe_sent=True)
        if code == LOW_BALANCE:
            raise SendError(reason, code=code, retryable=True, provider_trouble=True)
        # Wrong keys, unknown brandname, a blocked or malformed number…: trying again
        # will not help; the message fails with eSMS's code recorded.
        raise SendError(reason, code=code or str(response.status_code))

    def find_sent(self, message: Outgoing, since: datetime,
                  exclude: Set[str] = frozenset()) -> str | None:
        """Look for this message in what eSMS sent since `since`, a page at a time.
        Raises SendError (the sweeper asks again later) when it cannot read the list or
        the list is longer than it reads: not finding it must mean it is not there."""
        phone = local_phone(message.phone)
        now = datetime.now(ESMS_TIMEZONE) + LOOKUP_MARGIN
        start = since.astimezone(ESMS_TIMEZONE) - LOOKUP_MARGIN
        seen = 0
        for page in range(1, LOOKUP_PAGES + 1):
            total, items = self._page(start, now, page)
            for item in items:
                if (item.get("Phone") == phone and item.get("Content") == message.body
                        and item.get("ReferenceId") and item["ReferenceId"] not in exclude):
                    return str(item["ReferenceId"])
            seen += len(items)
            if not items or seen >= total:
                return None
        raise SendError("lookup incomplete: too many messages in the window", retryable=True)

    def _page(self, start: datetime, end: datetime, page: int) -> tuple[int, list[dict]]:
        body = {**self._credentials(), "SmsType": str(self.config.esms_sms_type),
                "From": start.strftime("%Y-%m-%d %H:%M:%S"),
                "To": end.strftime("%Y-%m-%d %H:%M:%S"),
                "Page": page, "PageSize": LOOKUP_PAGE_SIZE}
        try:
            response = self.http.post(self.list_url, json=body,
                                      timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
            answer = response.json()
            if response.status_code != 200 or str(answer.get("CodeResult")) != ACCEPTED:
                raise ValueError(answer.get("CodeResult"))
            items = [item for item in answer.get("SentData") or [] if isinstance(item, dict)]
            return int(answer.get("CountTotal") or 0), items
        except (requests.RequestException, ValueError, AttributeError, TypeError):
            raise SendError("lookup failed", retryable=True) from None

    def _credentials(self) -> dict[str, str]:
        return {"ApiKey": self.config.esms_api_key, "SecretKey": self.config.esms_secret_key}


def check_settings(config: Config) -> None:
    """SMS_BACKEND=esms needs the account's keys, a sender, and callbacks that can be
    authenticated."""
    if not (config.esms_api_key and config.esms_secret_key):
        raise ConfigError("SMS_BACKEND=esms needs ESMS_API_KEY and ESMS_SECRET_KEY")
    if config.esms_sms_type not in ESMS_SMS_TYPES:
        raise ConfigError(f"ESMS_SMS_TYPE must be 2 (customer care, from a brandname) or 8 "
                          f"(a fixed number), not {config.esms_sms_type}")
    if config.esms_sms_type == 2 and not config.esms_brandname:
        raise ConfigError("ESMS_BRANDNAME is required with ESMS_SMS_TYPE=2 (the brandname "
                          "registered with eSMS, such as IT-antiNCOV)")
    if bool(config.esms_cpid) != bool(config.esms_private_key):
        raise ConfigError("ESMS_CPID and ESMS_PRIVATE_KEY go together (eSMS signs MO "
                          "callbacks with them); set both or neither")
    if config.esms_callback_secret:
        if len(config.esms_callback_secret) < MIN_CALLBACK_SECRET:
            raise ConfigError(f"ESMS_CALLBACK_SECRET must be at least {MIN_CALLBACK_SECRET} "
                              "characters (a long random string)")
        if not config.public_base_url:
            raise ConfigError("ESMS_CALLBACK_SECRET needs PUBLIC_BASE_URL: the delivery "
                              "report URL given to eSMS is built from it")


# The callbacks. Mounted whatever SMS_BACKEND says, like every provider's; each refuses
# (403) what it cannot authenticate, so unconfigured they refuse everything.
routes = guarded(Blueprint("esms", __name__))


def _from_allowed_network(config: Config) -> bool:
    """ESMS_ALLOWED_NETWORKS, when set: the client address (gateway.edge.proxies) is in it."""
    return not config.esms_allowed_networks or within(request.remote_addr,
                                                      config.esms_allowed_networks)


@routes.get(MO_PATH)
def mo() -> Response:
    """An SMS to the short code, from eSMS: the turn's reply goes back in the answer."""
    config = runtime.current().config
    form = query_fields()
    if not (config.esms_cpid and config.esms_private_key and _from_allowed_network(config)):
        return forbidden("MO callbacks must come from eSMS")
    require(form, "sender", "content", "cpid", "smsid", "receiverTime", "sign",
            blank=("content",))
    expected = mo_signature(config.esms_private_key, form["cpid"], form["smsid"],
                            form["content"], form["receiverTime"])
    # Constant time: the comparison must not tell how much of a forged sign was right.
    if not (hmac.compare_digest(form["cpid"].encode(), config.esms_cpid.encode())
            and hmac.compare_digest(form["sign"].encode(), expected.encode())):
        return forbidden("invalid sign")
    limit(form, "content", MAX_SMS_BODY)
    limit(form, "smsid", MAX_SID)
    phone = phone_of(form, "sender")
    message = Inbound(channel="sms", provider="esms", provider_id=form["smsid"], phone=phone,
                      text=form["content"], recipient=form.get("serviceNumber", "")[:32])
    reply = handle(runtime.current(), message, router.sms)
    return text_response(client_response("\n".join(reply.texts), form["smsid"],
                                         form["sender"]), mimetype="application/xml")


def client_response(text: str, smsid: str, receiver: str) -> str:
    """The answer eSMS expects to an MO: the reply, the MO's id and the phone."""
    return (f"<ClientResponse><Message>{escape(text)}</Message><Smsid>{escape(smsid)}"
            f"</Smsid><Receiver>{escape(receiver)}</Receiver></ClientResponse>")


@routes.get(f"{RECEIPT_PATH}/<int:message_id>/<token>")
def receipt(message_id: int, token: str) -> Response:
    """A delivery report for a message we sent, at the URL we gave eSMS with it."""
    config = runtime.current().config
    secret = config.esms_callback_secret
    if not (secret and _from_allowed_network(config) and hmac.compare_digest(
            token.encode(), callback_token(secret, message_id).encode())):
        return forbidden("invalid delivery report URL")
    form = query_fields()
    require(form, "SMSID", "SendStatus")
    limit(form, "SMSID", MAX_SID)
    status, code = _receipt_status(form)
    with transaction(runtime.current().sessions) as session:
        known = messages.apply_status(session, form["SMSID"].strip(), status, code, message_id)
    # Acknowledged either way: a report eSMS cannot place would only be retried.
    return text_response("ok\n" if known else "ignored: unknown SMSID\n")


def _receipt_status(form: dict[str, str]) -> tuple[str, str | None]:
    """Our status and error code for a report's SendStatus and counts."""
    send_status = form["SendStatus"].strip()
    if send_status in IN_FLIGHT:
        return IN_FLIGHT[send_status], None
    if send_status == REJECTED:
        return "failed", f"esms-{REJECTED}"
    if send_status == FINAL:
        # One receiver a message: it reached the phone, or it did not.
        if _count(form, "SendFailed") == 0 and _count(form, "SendSuccess") > 0:
            return "delivered", None
        return "undelivered", f"esms-{FINAL}"
    raise BadRequest(f"field 'SendStatus' has unknown value {send_status[:10]!r}")


def _count(form: dict[str, str], name: str) -> int:
    value = form.get(name, "").strip() or "0"
    if not value.isdigit() or len(value) > 9:
        raise BadRequest(f"field '{name}' must be a count")
    return int(value)


PROVIDER = Provider("esms", backend=EsmsBackend, check=check_settings, routes=routes)
