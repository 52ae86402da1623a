from tests.helpers import IPHONE


def test_click_through_short_link_lands_on_destination_with_utms(client, enrolled):
    r = client.get("/" + enrolled["link"]["slug"], headers={"User-Agent": IPHONE})
    assert r.status_code == 302
    assert "utm_content=maya" in r.headers["Location"]
