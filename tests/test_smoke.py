"""The two setups answer end to end: production-like and embedded."""


def test_help_over_sms_on_postgres(phone):
    assert phone.sms("hello").startswith("KB: khai bao y te")


def test_ussd_menu_on_embedded_demo(demo_app):
    from tests.conftest import Phone
    phone = Phone(demo_app.test_client())
    assert phone.dial().startswith("CON Khai bao y te\n1 Khai bao")
    assert phone.press("5").startswith("CON Chon ngon ngu")
    assert phone.press("2") == "END Replies are now in English. Send HELP for help."
