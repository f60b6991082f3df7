"""A worker's journey on a phone (390 × 844), from signing in to printed minutes: a new client
with a goal, a consent to a directory contact person recorded in one submit, a contact agreement
with a line for that person put into force after the confirmation panel, an errand with its
checklist printed, and a network meeting planned, recorded, approved and printed.

Everything is found by role, label or visible text, the way a person finds it. No page may
scroll sideways on the way."""
import re

from playwright.sync_api import expect

from .helpers import STAFF, choose, open_details, print_pdf, sign_in
from .test_journeys_staff import today_iso
from .test_sweep import sideways_overflow

PHONE = {"width": 390, "height": 844}


def section(page, heading):
    """A section of the client page, found by its heading."""
    return page.locator("section").filter(
        has=page.get_by_role("heading", name=heading, level=2, exact=True)).first


def assert_fits(page, where):
    """Nothing on the page makes it scroll sideways (document.scrollingElement.scrollWidth is
    at most the window's width); if something does, the message names what sticks out."""
    overflow = sideways_overflow(page)
    assert overflow is None, f"{where} scrolls sideways on a phone: {overflow}"


def test_a_workers_journey_on_a_phone(demo_server, page, tmp_path):
    base = demo_server
    page.set_viewport_size(PHONE)
    sign_in(page, base, STAFF)
    assert_fits(page, "home page")

    # The client list through the folded menu, then a new client.
    page.get_by_text("Valikko", exact=True).click()
    page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Asiakkaat").click()
    expect(page.get_by_role("heading", name="Asiakkaat", level=1)).to_be_visible()
    assert_fits(page, "client list")
    page.get_by_role("button", name="Lisää asiakas").click()
    page.get_by_label("Nimi tai lempinimi").fill("Tuomi")
    page.get_by_label("Koko nimi").fill("Tuula Tuominen")
    assert_fits(page, "new client form")
    page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_role("heading", name="Tuomi", level=1)).to_be_visible()
    assert_fits(page, "client page")
    client_url = page.url
    page.screenshot(path=str(tmp_path / "client-page.png"), full_page=True)

    # A goal in the client's own words.
    goals = page.get_by_role("region", name="Tavoitteet")
    goals.get_by_label("Tavoite asiakkaan omin sanoin").fill("Haluan oppia hoitamaan laskuni itse.")
    goals.get_by_label("Keinot").fill("Käydään laskut läpi yhdessä kerran kuussa.")
    goals.get_by_role("button", name="Lisää tavoite").click()
    expect(goals.get_by_role("article").filter(has_text="Haluan oppia hoitamaan laskuni")).to_be_visible()
    assert_fits(page, "client page with a goal")

    # A consent to a contact person of the service directory, in one submit.
    consents = section(page, "Suostumukset")
    form = open_details(consents, "Kirjaa suostumus")
    choose(form.get_by_role("combobox", name="Vastaanottaja", exact=True), "Pekka Palvelu")
    form.get_by_label("Yleinen tilanne").check()
    form.get_by_label("Edistyminen ja muutokset voinnissa").check()  # so he may have the minutes
    form.get_by_label("Käyttötarkoitus").fill("Kelan etuuksien hakeminen yhdessä.")
    form.get_by_label("Voimassa asiakkuuden päättymiseen asti").check()
    form.get_by_label("Asiakkaalle näytetty tai luettu sanamuoto sellaisenaan").fill(
        "Annan luvan kertoa tilanteestani Kelan palveluneuvojalle.")
    assert_fits(page, "consent form")
    form.get_by_role("button", name="Kirjaa suostumus").click()
    consents = section(page, "Suostumukset")
    expect(consents.get_by_role("status")).to_have_text("Suostumus kirjattu.")
    expect(consents.get_by_role("cell", name=re.compile("^Pekka Palvelu"))).to_be_visible()
    assert_fits(page, "client page with a consent")

    # The contact agreement: a line for Pekka, then into force on the day it was signed.
    section(page, "Yhteydenpitosopimus").get_by_role("button", name="Tee yhteydenpitosopimus").click()
    expect(page.get_by_role("heading", name=re.compile("Yhteydenpitosopimus, versio 1"))).to_be_visible()
    assert_fits(page, "agreement editor")
    form = open_details(page, "Lisää rivi")
    choose(form.get_by_role("combobox", name="Kuka", exact=True), "Pekka Palvelu")
    form.get_by_role("group", name="Milloin").get_by_label("Säännöllisesti", exact=True).check()
    form.get_by_label("Kuinka monen viikon välein").fill("4")
    form.get_by_role("group", name="Miten").get_by_label("Puhelin").check()
    form.get_by_role("group", name="Mitä saa kertoa").get_by_label("Yleinen tilanne").check()
    assert_fits(page, "agreement line form")
    page.screenshot(path=str(tmp_path / "agreement-editor.png"), full_page=True)
    form.get_by_role("button", name="Tallenna rivi").click()
    line = page.get_by_role("row").filter(has_text="Pekka Palvelu")
    expect(line).to_contain_text("✔")  # the consent backs the line
    signed = page.get_by_label("Asiakas allekirjoitti")
    expect(signed).to_have_value("")  # the signing date is the worker's to give
    signed.fill(today_iso(page))
    page.get_by_role("button", name="Ota sopimus käyttöön").click()
    panel = page.get_by_role("group", name="Otetaanko sopimus käyttöön?")
    expect(panel).to_be_visible()
    assert_fits(page, "confirmation before the agreement comes into force")
    page.screenshot(path=str(tmp_path / "agreement-confirm.png"), full_page=True)
    panel.get_by_role("button", name="Kyllä, ota sopimus käyttöön").click()
    expect(page.get_by_role("status").filter(has_text="Sopimus on nyt voimassa.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Pekka Palvelu")).to_contain_text("✔")
    assert_fits(page, "agreement in force")

    # An errand, and its checklist printed.
    page.goto(client_url)
    errands = section(page, "Asioinnit")
    form = open_details(errands, "Lisää asiointi")
    form.get_by_label("Mitä asiointi koskee").fill("Asumistuen hakemus")
    form.get_by_role("combobox", name="Asioinnin laji").select_option(label="Kela")
    form.get_by_label("Päivämäärä").fill("2030-05-14")
    form.get_by_label("Aika").fill("09:30")
    form.get_by_label("Mukaan otettavat").fill("Henkilökortti\nVuokrasopimus")
    form.get_by_label("Kysymykset, jotka asiakas haluaa esittää").fill("Kauanko käsittely kestää?")
    assert_fits(page, "errand form")
    form.get_by_role("button", name="Tallenna").click()
    section(page, "Asioinnit").get_by_role("link", name="Asumistuen hakemus").click()
    expect(page.get_by_role("heading", name="Asumistuen hakemus", level=2)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Vuokrasopimus")).to_be_visible()
    assert_fits(page, "errand page")
    text = print_pdf(page, page.get_by_role("button", name="Tulosta muistilista (PDF)"),
                     tmp_path, "checklist.pdf")
    assert "Vuokrasopimus" in text and "Kauanko käsittely kestää?" in text, text[:800]

    # A network meeting with Pekka: planned, minutes written, approved and printed.
    page.goto(client_url)
    meetings = page.get_by_role("region", name="Verkostopalaverit")
    meetings.get_by_role("button", name="Suunnittele verkostopalaveri").click()
    plan = page.get_by_role("region", name="Suunnittele verkostopalaveri")
    expect(plan).to_be_visible()
    plan.get_by_label("Päivämäärä").fill(today_iso(page))
    plan.get_by_label("Paikka").fill("Yhdistyksen olohuone")
    plan.get_by_label("Mistä asiakas haluaa puhua").fill("Laskut ja asumistuki.")
    plan.get_by_role("group", name="Kutsu asiakkaan verkostosta").get_by_label(
        re.compile("Pekka Palvelu")).check()
    assert_fits(page, "meeting plan form")
    plan.get_by_role("button", name="Tallenna suunnitelma").click()
    meeting = page.get_by_role("region", name=re.compile("^Verkostopalaveri .* Suunniteltu"))
    expect(meeting).to_be_visible()
    assert_fits(page, "planned meeting")

    meeting.get_by_role("button", name="Kirjoita muistio").click()
    minutes = page.get_by_role("region", name=re.compile("muistio$"))
    expect(minutes.get_by_role("heading", name="Palaverin avaus")).to_be_visible()
    minutes.get_by_label("Miksi kokoonnuimme, asiakkaan sanoin").fill("Haluan saada laskut hallintaan.")
    minutes.get_by_label("Asiakkaan oma näkemys ja huolet").fill("Laskuja on kertynyt.")
    minutes.get_by_role("group", name="Pekka Palvelu").get_by_label("Huolet").fill("Asumistuki puuttuu.")
    action = minutes.get_by_role("group", name="Toimenpide 1")
    action.get_by_label("…tai kuka (ulkopuolinen taho)").fill("Pekka Palvelu")
    action.get_by_label("Mitä", exact=True).fill("Auttaa asumistuen hakemuksessa.")
    action.get_by_label("Mihin mennessä").fill("2030-01-31")
    assert_fits(page, "minutes form")
    page.screenshot(path=str(tmp_path / "minutes-form.png"), full_page=True)
    minutes.get_by_role("button", name="Tallenna muistio").click()
    approve = page.get_by_role("button", name="Hyväksy muistio")
    expect(approve).to_be_visible()
    assert_fits(page, "meeting with minutes")
    approve.click()
    confirm = page.get_by_role("button", name="Kyllä, hyväksy muistio")
    expect(confirm).to_be_visible()
    assert_fits(page, "confirmation before the minutes are approved")
    confirm.click()
    expect(page.get_by_text("Muistio on hyväksytty. Sovitut toimenpiteet ovat nyt seurantatehtäviä.")
           ).to_be_visible()
    assert_fits(page, "approved minutes")
    distribution = page.get_by_role("heading", name="Jakelulistalla").locator("xpath=following-sibling::ul[1]")
    expect(distribution).to_contain_text("Pekka Palvelu")  # the consent covers what the minutes say
    page.screenshot(path=str(tmp_path / "minutes-approved.png"), full_page=True)
    text = print_pdf(page, page.get_by_role("button", name="Tulosta muistio (PDF)"), tmp_path, "minutes.pdf")
    assert "Tuomi" in text or "Tuula Tuominen" in text, text[:800]
    assert "Haluan saada laskut hallintaan." in text and "Pekka Palvelu" in text, text[:800]
