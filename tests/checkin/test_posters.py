"""`gateway venue create` and `gateway venue poster`: the poster carries the SMS and
USSD instructions, and its QR code decodes to the venue's check-in URL."""

import json
import xml.etree.ElementTree as ET

import zxingcpp
from click.testing import CliRunner
from flask.cli import ScriptInfo
from PIL import Image

from gateway import create_app
from gateway.cli.main import gateway
from gateway.codes import parse_venue_code


def cli(config, *args):
    return CliRunner().invoke(gateway, list(args),
                              obj=ScriptInfo(create_app=lambda: create_app(config)))


def test_create_a_venue_and_print_its_poster(app, config, tmp_path):
    made = cli(config, "venue", "create", "--name", "Chợ Bến Thành", "--kind", "market",
               "--province", "tp hcm", "--ward", "ben thanh", "--street", "Lê Lợi", "--json")
    assert made.exit_code == 0, made.output
    venue = json.loads(made.output.strip().splitlines()[-1])
    assert parse_venue_code(venue["code"]) == venue["code"]
    assert (venue["province"], venue["ward"]) == ("Thành phố Hồ Chí Minh", "Phường Bến Thành")

    printed = cli(config, "venue", "poster", venue["code"], "--out", str(tmp_path))
    assert printed.exit_code == 0, printed.output
    svg = (tmp_path / f"venue-{venue['code']}.svg").read_text(encoding="utf-8")
    ET.fromstring(svg)  # well-formed
    assert "Chợ Bến Thành" in svg
    assert f"CI {venue['code']} gửi 1022" in svg
    assert f"*1022*{venue['code']}#" in svg
    image = Image.open(tmp_path / f"venue-{venue['code']}-qr.png")
    [decoded] = zxingcpp.read_barcodes(image)
    assert decoded.text == f"https://tokhaiyte.vn/checkin/{venue['code']}"


def test_human_output_and_bad_input(app, config):
    made = cli(config, "venue", "create", "--name", "Bệnh viện Bạch Mai", "--province", "HN",
               "--kind", "hospital")
    assert made.exit_code == 0 and made.output.startswith("Venue ")
    ambiguous = cli(config, "venue", "create", "--name", "X", "--province", "1", "--ward", "ba")
    assert ambiguous.exit_code != 0 and "matches 4 communes/wards" in ambiguous.output
    nowhere = cli(config, "venue", "create", "--name", "X", "--province", "Atlantis")
    assert nowhere.exit_code != 0 and "no province matches" in nowhere.output
    bad_phone = cli(config, "venue", "create", "--name", "X", "--province", "1",
                    "--contact", "123")
    assert bad_phone.exit_code != 0 and "--contact" in bad_phone.output
    unknown = cli(config, "venue", "poster", "1234567")
    assert unknown.exit_code != 0 and "no venue has the code" in unknown.output
