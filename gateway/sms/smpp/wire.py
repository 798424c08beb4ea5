"""smpplib's Client with the gaps docs/smpp.md lists closed: a bounded command_length,
a timeout in the middle of a PDU read as a dead link, and its PDU hex dumps (phone
numbers and texts in clear) kept out of the logs whatever the root level."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from collections.abc import Iterator

import smpplib.client
import smpplib.exceptions
from smpplib import consts, smpp

from gateway.config import Config

WIRE_LOGGER = "gateway.sms.smpp.wire"
MIN_PDU = 16                 # a PDU header
MAX_PDU = 64 * 1024          # far above any PDU an SMSC sends us
IO_TIMEOUT = 5.0             # seconds a connect, a bind or the rest of a started PDU may take

# smpplib logs every PDU in hex at DEBUG: never below INFO.
logging.getLogger(WIRE_LOGGER).setLevel(logging.INFO)


class Broken(smpplib.exceptions.ConnectionError):
    """The peer sent what is no PDU, or stopped in the middle of one: the link is dead."""


class Refused(Exception):
    """The SMSC refused a bind; `command_status` says why (e.g. 0x0e: wrong password)."""

    def __init__(self, command_status: int):
        super().__init__(f"bind refused: 0x{command_status:02x} "
                         f"{consts.DESCRIPTIONS.get(command_status, 'unknown status')}")
        self.command_status = command_status


class Client(smpplib.client.Client):
    """One SMPP session; used by one thread only (smpplib is not thread-safe)."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port, timeout=IO_TIMEOUT, logger_name=WIRE_LOGGER,
                         allow_unknown_opt_params=True)
        # An error answer (a throttled submit) is data for the link, not an exception.
        self.set_error_pdu_handler(lambda pdu: None)
        self._corked: list[bytes] | None = None

    def send_pdu(self, p) -> bool:
        """Send a PDU; while corked (`corked`), keep it to send with the others at once."""
        if self._corked is None:
            return super().send_pdu(p)
        if self.state not in consts.COMMAND_STATES[p.command]:
            return super().send_pdu(p)  # smpplib's refusal, as it words it
        self._corked.append(p.generate())
        return True

    @contextlib.contextmanager
    def corked(self) -> Iterator[None]:
        """Send the PDUs made inside in one write: a window's submits cost one system
        call (and one wake-up of the SMSC) instead of one each."""
        self._corked = []
        try:
            yield
        finally:
            pending, self._corked = self._corked, None
            if pending and self._socket is not None:
                try:
                    self._socket.sendall(b"".join(pending))
                except OSError as error:
                    raise smpplib.exceptions.ConnectionError() from error

    def read_pdu(self):  # smpplib's PDU classes have no common type to annotate
        """Read one PDU (None: a well-framed PDU of an unknown command, skipped),
        refusing a command_length outside MIN_PDU..MAX_PDU and reading a stall in the
        middle of a PDU as a dead link (Broken)."""
        header = self._recv_exact(4)
        (length,) = struct.unpack(">L", header)
        if not MIN_PDU <= length <= MAX_PDU:
            raise Broken(f"command_length {length} out of bounds")
        try:
            raw = header + self._recv_exact(length - 4)
        except TimeoutError:
            raise Broken("timed out inside a PDU") from None
        try:
            pdu = smpp.parse_pdu(raw, client=self, allow_unknown_opt_params=True)
        except smpplib.exceptions.UnknownCommandError:
            # Framed well, so the stream is still in step: skip it (None), keep the link.
            return None
        except Exception as error:  # whatever a malformed body makes the parser raise
            raise Broken(f"unreadable PDU: {type(error).__name__}") from None
        if pdu is None:
            return None
        if not pdu.is_error() and pdu.command in consts.STATE_SETTERS:
            self.state = consts.STATE_SETTERS[pdu.command]
        return pdu

    @property
    def socket(self) -> socket.socket | None:
        """The connected socket (for select), or None."""
        return self._socket

    def answer(self, request, command: str, status: int = consts.SMPP_ESME_ROK) -> None:
        """Send the response PDU `command` to `request` (same sequence)."""
        response = smpp.make_pdu(command, client=self, status=status)
        response.sequence = request.sequence
        self.send_pdu(response)

    def close(self) -> None:
        """Close the socket, whatever state the session is in."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self.state = consts.SMPP_CLIENT_STATE_CLOSED


def open_session(config: Config, mode: str) -> Client:
    """Connect and bind as `mode` (transceiver, transmitter or receiver); Refused when
    the SMSC says no, smpplib's ConnectionError when it cannot be reached."""
    client = Client(config.smpp_host, config.smpp_port)
    try:
        client.connect()
        # A window of small PDUs: without this, Nagle holds each submit until the SMSC's
        # (delayed) ACK of the previous one, which caps a bind at a few hundred a second.
        client.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        getattr(client, f"bind_{mode}")(system_id=config.smpp_system_id,
                                        password=config.smpp_password,
                                        system_type=config.smpp_system_type)
    except smpplib.exceptions.PDUError as error:
        client.close()
        status = error.args[1] if len(error.args) > 1 else consts.SMPP_ESME_RBINDFAIL
        raise Refused(int(status)) from None
    except BaseException:
        client.close()
        raise
    return client
