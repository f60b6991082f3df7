"""On a phone (390 px wide): a consent to a directory contact person recorded in one submit, and a
line of the contact agreement for that person, who is not yet on the client's network map and is
put there, under public services. Found by role and accessible name, as a person finds them."""
import re

from playwright.sync_api import expect

from .helpers import STAFF, check_a11y, choose, open_details, sign_in


def section(page, heading):
    return page.locator("section").filter(
        has=page.get_by_role("heading", name=heading, level=2, exact=True)).first


def test_consent_in_one_submit_and_a_line_for_a_directory_person_on_a_phone(demo_server, page):
    base = demo_server
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, STAFF)

    # A new client, so that nobody is on the network map yet.
    page.goto(base + "/clients")
    page.get_by_role("button", name="Lisää asiakas").click()
    page.get_by_label("Nimi tai lempinimi").fill("Kataja")
    page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_role("heading", name="Kataja", level=1)).to_be_visible()

    # The consent: the recipient is a contact person of the directory, chosen from one list.
    consents = section(page, "Suostumukset")
    form = open_details(consents, "Kirjaa suostumus")
    recipient = form.get_by_role("combobox", name="Vastaanottaja", exact=True)
    expect(recipient.locator("optgroup[label='Palveluhakemiston yhteyshenkilöt']")).to_have_count(1)
    choose(recipient, "Pekka Palvelu")
    # The form says up front when "valid until" is needed.
    expect(form.get_by_label("Voimassa asti")).to_have_accessible_description(
        re.compile("Pakollinen, ellei alla ole valittu"))
    form.get_by_label("Yleinen tilanne").check()
    form.get_by_label("Käyttötarkoitus").fill("Kelan etuuksien hakeminen yhdessä.")
    form.get_by_label("Voimassa asiakkuuden päättymiseen asti").check()
    form.get_by_label("Asiakkaalle näytetty tai luettu sanamuoto sellaisenaan").fill(
        "Annan luvan kertoa tilanteestani Kelan palveluneuvojalle.")
    check_a11y(page, "consent form on a phone")
    form.get_by_role("button", name="Kirjaa suostumus").click()
    consents = section(page, "Suostumukset")
    expect(consents.get_by_role("status")).to_have_text("Suostumus kirjattu.")
    expect(consents.get_by_role("cell", name=re.compile("^Pekka Palvelu"))).to_be_visible()

    # The agreement: a line for Pekka, who is not on the network map.
    agreement = section(page, "Yhteydenpitosopimus")
    agreement.get_by_role("button", name="Tee yhteydenpitosopimus").click()
    expect(page.get_by_role("heading", name=re.compile("Yhteydenpitosopimus, versio 1"))).to_be_visible()
    form = open_details(page, "Lisää rivi")
    who = form.get_by_role("combobox", name="Kuka", exact=True)
    expect(who.locator("optgroup[label='Yhdistyksen työntekijät']")).to_have_count(1)
    choose(who, "Pekka Palvelu")
    form.get_by_role("group", name="Milloin").get_by_label("Säännöllisesti", exact=True).check()
    form.get_by_label("Kuinka monen viikon välein").fill("4")
    form.get_by_role("group", name="Miten").get_by_label("Puhelin").check()
    form.get_by_role("group", name="Mitä saa kertoa").get_by_label("Yleinen tilanne").check()
    form.get_by_role("button", name="Tallenna rivi").click()
    expect(page.get_by_role("status").filter(has_text="Pekka Palvelu lisättiin asiakkaan verkostokarttaan")
           ).to_contain_text("Julkiset palvelut ja ammattilaiset")
    # The consent to him backs the line.
    expect(page.get_by_role("row").filter(has_text="Pekka Palvelu")).to_contain_text("✔")
    check_a11y(page, "agreement editor on a phone")

    # He is on the client's network map now, among public services.
    page.goto(page.url.split("/agreement")[0])
    expect(page.get_by_role("heading", name="Kataja", level=1)).to_be_visible()
    network = section(page, "Verkosto")
    expect(network).to_contain_text("Julkiset palvelut ja ammattilaiset")
    expect(network.get_by_role("listitem").filter(has_text="Pekka Palvelu")).to_be_visible()
