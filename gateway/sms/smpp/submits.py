"""The submit_sm fields of an outbox message: addresses with their TON/NPI, and each
part's data_coding, esm_class and short_message (gateway/sms/smpp/parts.py)."""

from __future__ import annotations

from typing import Any

from smpplib import consts

from gateway.config import Config
from gateway.sms.smpp import parts

SHORT_CODE_DIGITS = 8  # a Vietnamese short code (8088, 1022…) is far shorter than a number


def source_ton_npi(config: Config) -> tuple[int, int]:
    """TON/NPI of SMPP_SOURCE_ADDR: SMPP_SOURCE_TON/NPI when set; else alphanumeric
    (a brandname) 5/0, a short code 3/0, a full number 1/1."""
    address = config.smpp_source_addr
    if address.isdigit() and len(address) <= SHORT_CODE_DIGITS:
        derived = (consts.SMPP_TON_NWSPEC, consts.SMPP_NPI_UNK)
    elif address.lstrip("+").isdigit():
        derived = (consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN)
    else:
        derived = (consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK)
    return (derived[0] if config.smpp_source_ton is None else config.smpp_source_ton,
            derived[1] if config.smpp_source_npi is None else config.smpp_source_npi)


def submit_fields(config: Config, message_id: int, phone: str, body: str) -> list[dict[str, Any]]:
    """The keyword arguments of smpplib's `send_message`, one dict per part. The
    concatenation reference comes from the outbox id, so a re-send keeps it."""
    ton, npi = source_ton_npi(config)
    outgoing = parts.encode(body, message_id % parts.REFERENCE_LIMIT)
    common = {"source_addr_ton": ton, "source_addr_npi": npi,
              "source_addr": config.smpp_source_addr,
              "dest_addr_ton": consts.SMPP_TON_INTL, "dest_addr_npi": consts.SMPP_NPI_ISDN,
              "destination_addr": phone.lstrip("+"),
              "data_coding": outgoing.data_coding, "esm_class": outgoing.esm_class,
              "registered_delivery": consts.SMPP_SMSC_DELIVERY_RECEIPT_BOTH}
    return [{**common, "short_message": short_message}
            for short_message in outgoing.short_messages]
