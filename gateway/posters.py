"""Printable venue posters: a QR code for the smartphone apps, and the SMS and USSD
ways to check in for feature phones. SVG (A4, for printing) and PNG (the QR code)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import segno

from gateway.config import Config
from gateway.store.models import Venue

A4_WIDTH, A4_HEIGHT = 595, 842  # points
QR_SCALE = 8


def qr_url(config: Config, venue: Venue) -> str:
    """What the QR code holds: the apps' check-in URL for the venue."""
    return f"{config.venue_qr_base_url}{venue.code}"


def dial_string(config: Config, venue: Venue) -> str:
    """The USSD dial-through that checks in at once: '*1022*1234567#'."""
    return f"{config.ussd_code.rstrip('#')}*{venue.code}#"


def svg(config: Config, venue: Venue) -> str:
    """The whole poster as an SVG document."""
    qr = segno.make(qr_url(config, venue), error="m")
    size = qr.symbol_size(scale=QR_SCALE)[0]
    qr_svg = qr.svg_inline(scale=QR_SCALE)
    x = (A4_WIDTH - size) // 2
    lines = [
        (70, 30, "bold", "ĐIỂM KIỂM DỊCH · CHECK-IN"),
        (110, 24, "bold", venue.name),
        (140, 16, "normal", ", ".join(p for p in (venue.street, venue.ward_name,
                                                    venue.province_name) if p)),
        (220 + size, 20, "normal", "Điện thoại thông minh: quét mã QR bằng ứng dụng"),
        (265 + size, 22, "bold", f"Nhắn tin: CI {venue.code} gửi {config.sms_short_number}"),
        (305 + size, 22, "bold", f"Hoặc bấm: {dial_string(config, venue)}"),
        (350 + size, 16, "normal", f"Mã địa điểm: {venue.code} · Hỗ trợ: 1022"),
    ]
    texts = "\n".join(
        f'<text x="{A4_WIDTH // 2}" y="{y}" font-size="{font}" font-weight="{weight}" '
        f'text-anchor="middle" font-family="sans-serif">{escape(text)}</text>'
        for y, font, weight, text in lines)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{A4_WIDTH}pt" '
            f'height="{A4_HEIGHT}pt" viewBox="0 0 {A4_WIDTH} {A4_HEIGHT}">\n'
            f'<rect width="100%" height="100%" fill="#fff"/>\n{texts}\n'
            f'<g transform="translate({x},170)">{qr_svg}</g>\n</svg>\n')


def write(config: Config, venue: Venue, directory: Path) -> tuple[Path, Path]:
    """Write `venue-<code>.svg` (the poster) and `venue-<code>-qr.png` to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    poster = directory / f"venue-{venue.code}.svg"
    poster.write_text(svg(config, venue), encoding="utf-8")
    png = directory / f"venue-{venue.code}-qr.png"
    segno.make(qr_url(config, venue), error="m").save(png, scale=QR_SCALE, border=4)
    return poster, png
