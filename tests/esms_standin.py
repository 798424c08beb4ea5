"""A local stand-in for eSMS.vn, built from its public developer documentation
(developers.esms.vn; the GitHub mirror devesms/gitbook_esms_for_develop_v2_en), for
the `esms` provider's tests.

A real HTTP server (stdlib, threaded, 127.0.0.1, ephemeral port) reached through
`ESMS_API_BASE_URL`, from the test process and from real RQ worker processes alike:

- `POST /MainService.svc/json/SendMultipleMessage_V4_post_json/` (JSON: `ApiKey`,
  `SecretKey`, `Phone`, `Content`, `Brandname`, `SmsType`, `IsUnicode`, `Sandbox`,
  `RequestId`, `CallbackUrl`) answers `{"CodeResult": "100", "CountRegenerate": 0,
  "SMSID": …}`, or an error code of eSMS's table: 101 wrong keys, 104 unknown brandname,
  108 bad number, 124 a RequestId seen before, 300 no message type.
- `POST /MainService.svc/json/GetSmsSentData_V2` (`From`, `To` as `yyyy-MM-dd
  HH:mm:ss` Vietnam time, `Page`, `PageSize` ≤ 500, `SmsType`) lists the messages sent
  in that window: `Phone`, `Content`, `ReferenceId` (the SMSID), `SendStatus`, …

And it plays eSMS's side of the callbacks, as documented, against a running gateway:
`report` calls a message's `CallbackUrl` by GET with `SMSID`, `SendStatus`,
`SendSuccess`, `SendFailed`, `RequestId`…; `mo` calls the registered MO URL by GET with
`sender`, `content`, `serviceNumber`, `keyword`, `cpid`, `smsid`, `receiverTime` and
`sign` = Base64(MD5(cpid + smsid + content + receiverTime + private key)), and reads
the `<ClientResponse>` answer.

Tests steer it: `fail_next` (an HTTP status, or a CodeResult such as 103), `drop_next`
(take the message, then close the connection unanswered: the client cannot know).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.local_server import LocalServer

API_KEY = "standin-api-key"
SECRET_KEY = "standin-secret-key"
BRANDNAME = "IT-antiNCOV"
CPID = "cp-1022"
PRIVATE_KEY = "17417a0d20114d36a902e49cad0e97f3"
SHORT_CODE = "8079"
SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
LIST_PATH = "/MainService.svc/json/GetSmsSentData_V2"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_PHONE = re.compile(r"^(0\d{9}|84\d{9,10})$")


@dataclass
class Failure:
    """The answer the stand-in gives to the next send request instead of taking it."""

    status: int
    code: str


class EsmsStandIn(LocalServer):
    """The server plus its recorded state and the controls tests use. Thread-safe."""

    def __init__(self, brandnames: tuple[str, ...] = (BRANDNAME,)):
        self.brandnames = brandnames
        self.messages: list[dict[str, Any]] = []   # accepted, oldest first
        self.requests: list[dict[str, Any]] = []   # every send request's body
        self.lookups = 0
        self._failures: list[Failure] = []
        self._drops = 0
        self._changed = threading.Condition()
        super().__init__(_handler_for(self), "esms-standin")

    # Controls ---------------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 200, code: str = "99") -> None:
        """Answer the next `count` send requests with HTTP `status` and, for a 200,
        CodeResult `code` (nothing is taken)."""
        with self._changed:
            self._failures += [Failure(status, code)] * count

    def drop_next(self, count: int = 1) -> None:
        """Take the next `count` messages, then close the connection without answering."""
        with self._changed:
            self._drops += count

    def wait_for_messages(self, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """Block until at least `count` messages were taken; return them all."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"stand-in took {len(self.messages)} messages, "
                                     f"expected {count} within {timeout}s")
            return list(self.messages)

    def sent_to(self, phone: str) -> list[dict[str, Any]]:
        """The messages taken for `phone` (as eSMS writes it: 0912345678), oldest first."""
        with self._changed:
            return [m for m in self.messages if m["Phone"] == phone]

    # eSMS's side of the callbacks ---------------------------------------------------------

    def report(self, message: dict[str, Any], status: int = 5, success: int = 1,
               failed: int = 0) -> requests.Response:
        """Call the message's CallbackUrl as eSMS does when its status is known."""
        query = {"SMSID": message["SMSID"], "SendFailed": failed, "SendStatus": status,
                 "SendSuccess": success, "TotalPrice": "0.0000", "TotalReceiver": 1,
                 "TotalSent": 1, "RequestId": message.get("RequestId") or "", "TypeId":
                 message["SmsType"], "telcoid": 1, "phonenumber": message["Phone"],
                 "switchsmsid": ""}
        return requests.get(f"{message['CallbackUrl']}?{urlencode(query)}", timeout=10)

    @staticmethod
    def sign(cpid: str, smsid: str, content: str, receiver_time: str,
             private_key: str = PRIVATE_KEY) -> str:
        """The documented `sign`: hashValue(v1, v2, …) = MD5(v1 + v2 + … + private key),
        sent Base64-encoded (the documentation's .NET, Java and PHP samples)."""
        digest = hashlib.md5((cpid + smsid + content + receiver_time + private_key)
                             .encode("utf-8")).digest()
        return base64.b64encode(digest).decode()

    def mo(self, mo_url: str, sender: str, content: str, smsid: str | None = None,
           cpid: str = CPID, private_key: str = PRIVATE_KEY,
           tamper: dict[str, str] | None = None) -> tuple[requests.Response, str]:
        """Send an MO to the gateway as eSMS does; the response and the reply text of
        its <ClientResponse> (empty when it has none or is not one). `tamper` replaces
        fields after signing, as a forger would."""
        smsid = smsid or uuid.uuid4().hex
        when = datetime.now(VIETNAM).strftime("%Y%m%d%H%M%S")
        query = {"sender": sender, "content": content, "serviceNumber": SHORT_CODE,
                 "keyword": (content.split() or [""])[0].upper(), "cpid": cpid,
                 "smsid": smsid, "receiverTime": when}
        query["sign"] = self.sign(cpid, smsid, content, when, private_key)
        query.update(tamper or {})
        response = requests.get(f"{mo_url}?{urlencode(query)}", timeout=30)
        return response, client_response_text(response)

    # Request handling (called from the server's threads) --------------------------------

    def send(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """A send request: (status, answer), or None to drop the connection unanswered."""
        with self._changed:
            self.requests.append(body)
            failure = self._failures.pop(0) if self._failures else None
            drop = self._drops > 0
            if drop:
                self._drops -= 1
        if failure is not None:
            if failure.status != 200:
                return failure.status, {"Message": "server error"}
            return 200, _error(failure.code)
        if (body.get("ApiKey"), body.get("SecretKey")) != (API_KEY, SECRET_KEY):
            return 200, _error("101", "Authorize Failed")
        sms_type = str(body.get("SmsType", ""))
        if sms_type not in ("2", "8"):
            return 200, _error("300", "Missing message type")
        if sms_type == "2" and body.get("Brandname") not in self.brandnames:
            return 200, _error("104", "Brandname does not exist")
        if not _PHONE.match(str(body.get("Phone", ""))):
            return 200, _error("108", "Phone number is not in correct format")
        with self._changed:
            request_id = body.get("RequestId") or ""
            if request_id and any(m["RequestId"] == request_id for m in self.messages):
                return 200, _error("124", "Duplicate RequestId")
            message = {**{k: v for k, v in body.items() if k not in ("ApiKey", "SecretKey")},
                       "SMSID": uuid.uuid4().hex + secrets.token_hex(2),
                       "SmsType": sms_type, "SentTime": datetime.now(VIETNAM)}
            self.messages.append(message)
            self._changed.notify_all()
        if drop:
            return None
        return 200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": message["SMSID"]}

    def sent_data(self, body: dict[str, Any]) -> dict[str, Any]:
        """GetSmsSentData_V2: what was sent in the window, a page at a time."""
        with self._changed:
            self.lookups += 1
        if (body.get("ApiKey"), body.get("SecretKey")) != (API_KEY, SECRET_KEY):
            return _error("101", "Authorize Failed.")
        try:
            start = datetime.strptime(body["From"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=VIETNAM)
            end = datetime.strptime(body["To"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=VIETNAM)
            page, size = int(body["Page"]), min(int(body["PageSize"]), 500)
        except (KeyError, TypeError, ValueError):
            return _error("110", "The requested data is incorrect")
        with self._changed:
            found = [m for m in self.messages if m["SmsType"] == str(body.get("SmsType"))
                     and start <= m["SentTime"].replace(microsecond=0) <= end]
        rows = [{"Campaign": "", "Content": m["Content"], "Phone": m["Phone"],
                 "ReferenceId": m["SMSID"], "SellPrice": 345.0, "SendResult": 1,
                 "SendStatus": 5, "SentTime": _dotnet_date(m["SentTime"]),
                 "SmsId": n, "SmsType": int(m["SmsType"])}
                for n, m in enumerate(found, 1)]
        return {"CodeResult": "100", "CountTotal": len(rows),
                "SentData": rows[(page - 1) * size:page * size]}


def client_response_text(response: requests.Response) -> str:
    """The <Message> of a <ClientResponse> answer ('' if there is none)."""
    try:
        root = ET.fromstring(response.text)
    except ET.ParseError:
        return ""
    return root.findtext("Message") or "" if root.tag == "ClientResponse" else ""


def _dotnet_date(moment: datetime) -> str:
    """eSMS writes dates as WCF JSON does: /Date(milliseconds+0700)/."""
    return f"/Date({int(moment.timestamp() * 1000)}+0700)/"


def _error(code: str, message: str = "error") -> dict[str, Any]:
    return {"CodeResult": code, "ErrorMessage": message}


def _handler_for(standin: EsmsStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Routes requests to the stand-in; answers JSON like eSMS."""

        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._send(200, _error("110", "The requested data is incorrect"))
            path = urlsplit(self.path).path
            if path == SEND_PATH:
                answer = standin.send(body)
                if answer is None:
                    self.close_connection = True
                    return None
                return self._send(*answer)
            if path == LIST_PATH:
                return self._send(200, standin.sent_data(body))
            return self._send(404, {"Message": "Endpoint not found."})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests assert on recorded requests (which hold phone numbers)."""

    return Handler


@pytest.fixture(name="esms_standin")
def esms_standin_fixture() -> Iterator[EsmsStandIn]:
    """`esms_standin`: a running eSMS stand-in, stopped after the test."""
    standin = EsmsStandIn().start()
    yield standin
    standin.stop()

