"""The SMPP 3.4 carrier link's pure parts: what goes into and comes out of a PDU's text.

`alphabet` maps text to and from the GSM 03.38 septets SMPP carries unpacked; `parts`
chooses the data_coding of an outgoing text and cuts it into UDH-concatenated parts;
`segments` decodes an incoming short_message and reads its concatenation key (UDH or
SAR TLVs); `receipts` reads a delivery receipt. None of them does I/O: the bind, the
window and the outbox around them belong to the channel (see docs/smpp.md).
"""
