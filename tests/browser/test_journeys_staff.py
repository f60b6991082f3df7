"""A staff member's day in a real browser, with the demo association loaded: a new client with
a goal and its review, the network, consents and the written contact agreement; an errand with its
checklist; a network meeting from plan to printed minutes; a consent withdrawn afterwards.

Elements are found the way a person finds them: by role and visible name. Every page visited is
also checked with axe-core (no serious or critical accessibility problems)."""
import re

from playwright.sync_api import expect

from .helpers import STAFF, check_a11y, choose, open_details, print_pdf, sign_in


def section(page, heading):
    """A section of the client page, found by its heading."""
    return page.locator("section").filter(
        has=page.get_by_role("heading", name=heading, level=2, exact=True)).first


def test_new_client_goal_network_consents_and_agreement(demo_server, page, tmp_path):
    base = demo_server
    sign_in(page, base, STAFF)
    check_a11y(page, "home")

    # A new client.
    page.get_by_role("link", name="Asiakkaat", exact=True).first.click()
    expect(page.get_by_role("heading", name="Asiakkaat", level=1)).to_be_visible()
    check_a11y(page, "client list")
    page.get_by_role("button", name="Lisää asiakas").click()
    expect(page.get_by_label("Nimi tai lempinimi")).to_be_visible()
    check_a11y(page, "new client form")
    page.get_by_label("Nimi tai lempinimi").fill("Pihlaja")
    page.get_by_label("Koko nimi").fill("Piia Pihlajamäki")
    page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_role("heading", name="Pihlaja", level=1)).to_be_visible()
    check_a11y(page, "client page")

    # A goal in the client's own words, then a joint review of it.
    goals = page.get_by_role("region", name="Tavoitteet")
    goals.get_by_label("Tavoite asiakkaan omin sanoin").fill("Haluan käydä uimahallissa kerran viikossa.")
    goals.get_by_label("Keinot").fill("Haetaan yhdessä liikuntakortti.")
    goals.get_by_role("button", name="Lisää tavoite").click()
    goal = goals.get_by_role("article").filter(has_text="Haluan käydä uimahallissa")
    expect(goal).to_be_visible()
    review = open_details(goal, "Kirjaa arviointi")
    review.get_by_role("group", name="Oliko tuki riittävää?").get_by_label("Kyllä").check()
    review.get_by_role("group", name="Vastasiko tuki asiakkaan tarpeita?").get_by_label("Kyllä").check()
    review.get_by_role("group", name="Vastasiko tuki asiakkaan odotuksia?").get_by_label("Osittain").check()
    review.get_by_role("group", name="Vastasiko tuki asiakkaan tavoitteita?").get_by_label("Kyllä").check()
    review.get_by_label("Asiakkaan oma kommentti").fill("Uiminen rauhoittaa.")
    review.get_by_role("button", name="Tallenna arviointi").click()
    goal = page.get_by_role("region", name="Tavoitteet").get_by_role("article").filter(
        has_text="Haluan käydä uimahallissa")
    expect(goal.get_by_text("Asiakkaan kommentti: Uiminen rauhoittaa.")).to_be_visible()
    check_a11y(page, "client page after a goal review")

    # Two people in the network: a contact person from the directory and a sister.
    network = section(page, "Verkosto")
    form = open_details(network, "Lisää joku verkostoon")
    form.get_by_label("Palveluhakemiston yhteyshenkilö").check()
    choose(form.get_by_role("combobox", name="Yhteyshenkilö", exact=True), "Liisa Linkki")
    form.get_by_label("Sektori").select_option(label="Julkiset palvelut ja ammattilaiset")
    form.get_by_role("button", name="Tallenna").click()
    network = section(page, "Verkosto")
    expect(network.get_by_role("listitem").filter(has_text="Liisa Linkki")).to_be_visible()
    form = open_details(network, "Lisää joku verkostoon")
    form.get_by_label("Yksityishenkilö (sukulainen, ystävä, naapuri…)").check()
    form.get_by_label("Nimi", exact=True).fill("Sisko Sari")
    form.get_by_label("Suhde asiakkaaseen").fill("sisko")
    form.get_by_label("Sektori").select_option(label="Perhe ja sukulaiset")
    form.get_by_role("button", name="Tallenna").click()
    network = section(page, "Verkosto")
    expect(network.get_by_role("listitem").filter(has_text="Sisko Sari")).to_be_visible()

    # A consent to share with the social worker: the consent form is fetched when it is opened,
    # so it names the network as it is now: the sister just added is among the choices.
    consents = section(page, "Suostumukset")
    form = open_details(consents, "Kirjaa suostumus")
    expect(form.locator("option", has_text="Sisko Sari")).to_have_count(1)
    choose(form.get_by_role("combobox", name="Vastaanottaja", exact=True), "Liisa Linkki")
    form.get_by_label("Yleinen tilanne").check()
    form.get_by_label("Käyttötarkoitus").fill("Asumisen tuen suunnittelu.")
    form.get_by_label("Voimassa asiakkuuden päättymiseen asti").check()
    form.get_by_label("Asiakkaalle näytetty tai luettu sanamuoto sellaisenaan").fill(
        "Annan luvan kertoa tilanteestani sosiaalityöntekijälle.")
    form.get_by_role("button", name="Kirjaa suostumus").click()
    consents = section(page, "Suostumukset")
    expect(consents.get_by_role("cell", name=re.compile("^Liisa Linkki"))).to_be_visible()
    check_a11y(page, "client page with network and consent")

    # The contact agreement: a line for the social worker and one for the sister.
    agreement = section(page, "Yhteydenpitosopimus")
    agreement.get_by_role("button", name="Tee yhteydenpitosopimus").click()
    expect(page.get_by_role("heading", name=re.compile("Yhteydenpitosopimus, versio 1"))).to_be_visible()
    check_a11y(page, "agreement editor")
    add_line(page, "Liisa Linkki")
    add_line(page, "Sisko Sari")
    page.get_by_role("button", name="Ota sopimus käyttöön").click()
    # Refused: the sister's line has no consent; the editor says so and offers to record one.
    expect(page.get_by_role("alert")).to_be_visible()
    flagged = page.get_by_role("row").filter(has_text="Sisko Sari")
    expect(flagged).to_contain_text("⚠")
    check_a11y(page, "agreement editor, activation refused")
    form = open_details(page, re.compile(r"^Kirjaa suostumus riville 2 \(Sisko Sari"))
    form.get_by_label("Yleinen tilanne").check()
    form.get_by_label("Käyttötarkoitus").fill("Sisko saa tietää, miten menee.")
    form.get_by_label("Voimassa asiakkuuden päättymiseen asti").check()
    form.get_by_label("Asiakkaalle näytetty tai luettu sanamuoto sellaisenaan").fill(
        "Siskolleni saa kertoa yleisestä tilanteestani.")
    form.get_by_role("button", name="Kirjaa suostumus").click()
    expect(page.get_by_role("row").filter(has_text="Sisko Sari")).to_contain_text("✔")

    # Printed for signing: a real PDF with the client's name, then put into force.
    text = print_pdf(page, page.get_by_role("button", name="Tulosta allekirjoitettavaksi (PDF)"),
                     tmp_path, "agreement.pdf")
    assert "Piia Pihlajamäki" in text or "Pihlaja" in text, text[:500]
    page.get_by_label("Asiakas allekirjoitti").fill(today_iso(page))
    page.get_by_role("button", name="Ota sopimus käyttöön").click()
    page.get_by_role("button", name="Kyllä, ota sopimus käyttöön").click()
    expect(page.get_by_role("status").filter(has_text="Sopimus on nyt voimassa.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Sisko Sari")).to_contain_text("✔")
    check_a11y(page, "agreement in force")

def add_line(page, party):
    """Add a line to the agreement being edited: weekly by phone, general situation."""
    form = open_details(page, "Lisää rivi")
    choose(form.get_by_role("combobox", name="Kuka", exact=True), party)
    form.get_by_role("group", name="Milloin").get_by_label("Säännöllisesti", exact=True).check()
    form.get_by_label("Kuinka monen viikon välein").fill("4")
    form.get_by_role("group", name="Miten").get_by_label("Puhelin").check()
    form.get_by_role("group", name="Mitä saa kertoa").get_by_label("Yleinen tilanne").check()
    form.get_by_role("button", name="Tallenna rivi").click()
    expect(page.get_by_role("row").filter(has_text=party)).to_be_visible()


def open_client(page, name):
    """From the client list to a client's page, by the client's name."""
    page.get_by_role("link", name="Asiakkaat", exact=True).first.click()
    expect(page.get_by_role("heading", name="Asiakkaat", level=1)).to_be_visible()
    page.get_by_role("link", name=name, exact=True).first.click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_errand_with_things_to_bring_and_a_swedish_large_print_checklist(demo_server, page, tmp_path):
    base = demo_server
    sign_in(page, base, STAFF)
    open_client(page, "Maja")
    errands = section(page, "Asioinnit")
    form = open_details(errands, "Lisää asiointi")
    form.get_by_label("Mitä asiointi koskee").fill("Ansökan om utkomststöd")
    form.get_by_role("combobox", name="Asioinnin laji").select_option(label="Sosiaalitoimisto")
    form.get_by_label("Päivämäärä").fill("2030-05-14")
    form.get_by_label("Aika").fill("09:30")
    form.get_by_label("Mukaan otettavat").fill("Identitetskort\nHyresavtal")
    form.get_by_label("Kysymykset, jotka asiakas haluaa esittää").fill("Hur länge tar det?")
    form.get_by_role("button", name="Tallenna").click()
    section(page, "Asioinnit").get_by_role("link", name="Ansökan om utkomststöd").click()
    expect(page.get_by_role("heading", name="Ansökan om utkomststöd", level=2)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Hyresavtal")).to_be_visible()
    check_a11y(page, "errand page")

    page.get_by_role("combobox", name="Muistilistan kieli").select_option(label="Svenska")
    page.get_by_label("Suurennettu teksti").check()
    text = print_pdf(page, page.get_by_role("button", name="Tulosta muistilista (PDF)"),
                     tmp_path, "checklist.pdf")
    assert "Ta med dig de här" in text and "Mina frågor" in text, text[:800]
    assert "Identitetskort" in text and "Hur länge tar det?" in text
    assert "Ota mukaan" not in text and "Kysymykseni" not in text  # not the Finnish checklist


def test_meeting_planned_recorded_approved_printed_then_a_consent_withdrawn(demo_server, page, tmp_path):
    """Ruusu's social worker Liisa has a consent: she gets the minutes. When Ruusu withdraws
    it, the agreement line resting on it is flagged and the next minutes leave her out."""
    base = demo_server
    sign_in(page, base, STAFF)
    open_client(page, "Ruusu")
    meetings = page.get_by_role("region", name="Verkostopalaverit")
    meetings.get_by_role("button", name="Suunnittele verkostopalaveri").click()
    plan = page.get_by_role("region", name="Suunnittele verkostopalaveri")
    expect(plan).to_be_visible()
    check_a11y(page, "meeting plan form")
    plan.get_by_label("Päivämäärä").fill(today_iso(page))
    plan.get_by_label("Paikka").fill("Yhdistyksen olohuone")
    plan.get_by_label("Mistä asiakas haluaa puhua").fill("Vuokrarästit ja uni.")
    invite = plan.get_by_role("group", name="Kutsu asiakkaan verkostosta")
    invite.get_by_label(re.compile("Liisa Linkki")).check()
    invite.get_by_label(re.compile("Äiti")).check()
    plan.get_by_role("button", name="Tallenna suunnitelma").click()
    meeting = page.get_by_role("region", name=re.compile("^Verkostopalaveri .* Suunniteltu"))
    expect(meeting).to_be_visible()
    meeting_url = page.url

    meeting.get_by_role("button", name="Kirjoita muistio").click()
    minutes = page.get_by_role("region", name=re.compile("muistio$"))
    expect(minutes.get_by_role("heading", name="Palaverin avaus")).to_be_visible()
    check_a11y(page, "minutes form")
    minutes.get_by_label("Miksi kokoonnuimme, asiakkaan sanoin").fill("Haluan maksaa vuokrarästit.")
    minutes.get_by_label("Asiakkaan oma näkemys ja huolet").fill("Nukun huonosti.")
    liisa = minutes.get_by_role("group", name="Liisa Linkki")
    liisa.get_by_label("Huolet").fill("Rästit kasvavat.")
    action = minutes.get_by_role("group", name="Toimenpide 1")
    action.get_by_label("…tai kuka (ulkopuolinen taho)").fill("Liisa Linkki")
    action.get_by_label("Mitä", exact=True).fill("Selvittää ehkäisevän toimeentulotuen.")
    action.get_by_label("Mihin mennessä").fill("2030-01-31")
    minutes.get_by_role("button", name="Tallenna muistio").click()
    expect(page.get_by_role("button", name="Hyväksy muistio")).to_be_visible()
    check_a11y(page, "meeting with minutes")
    page.get_by_role("button", name="Hyväksy muistio").click()
    page.get_by_role("button", name="Kyllä, hyväksy muistio").click()
    expect(page.get_by_text("Muistio on hyväksytty. Sovitut toimenpiteet ovat nyt seurantatehtäviä.")).to_be_visible()
    distribution = page.get_by_role("heading", name="Jakelulistalla").locator("xpath=following-sibling::ul[1]")
    expect(distribution).to_contain_text("Liisa Linkki")
    text = print_pdf(page, page.get_by_role("button", name="Tulosta muistio (PDF)"), tmp_path, "minutes.pdf")
    assert "Ruusu" in text and "Haluan maksaa vuokrarästit." in text, text[:800]
    assert "Liisa Linkki" in text

    # Ruusu withdraws the consent to share with Liisa.
    page.goto(base + page.url.split(base)[1].split("/meetings")[0] + "/consents")
    row = page.get_by_role("row").filter(has_text="Liisa Linkki")
    row.get_by_role("link", name="Peru").click()
    expect(page.get_by_role("heading", name="Peru suostumus")).to_be_visible()
    check_a11y(page, "withdraw a consent")
    page.get_by_role("combobox", name="Miten asiakas sen kertoi").select_option(index=1)
    page.get_by_role("button", name="Peru suostumus").click()
    expect(page.get_by_text("Suostumus peruttu.")).to_be_visible()

    # The agreement in force flags the line that rested on it.
    page.goto(meeting_url.split("/meetings")[0] + "/agreement")
    expect(page.get_by_role("alert")).to_contain_text("suostumus")
    expect(page.get_by_role("row").filter(has_text="Liisa Linkki")).to_contain_text("⚠")
    check_a11y(page, "agreement with a flagged line")

    # The next meeting's minutes would go to everyone else, not to Liisa.
    page.goto(meeting_url.split("/meetings")[0] + "/meetings/new")
    plan = page.get_by_role("region", name="Suunnittele verkostopalaveri")
    plan.get_by_label("Päivämäärä").fill("2030-02-01")
    plan.get_by_label("Paikka").fill("Yhdistyksen olohuone")
    plan.get_by_role("group", name="Kutsu asiakkaan verkostosta").get_by_label(re.compile("Liisa Linkki")).check()
    plan.get_by_role("button", name="Tallenna suunnitelma").click()
    expect(page.get_by_role("region", name=re.compile("Suunniteltu"))).to_be_visible()
    distribution = page.get_by_role("heading", name="Jakelulistalla").locator("xpath=following-sibling::ul[1]")
    left_out = page.get_by_role("heading", name="Jätetty jakelun ulkopuolelle").locator("xpath=following-sibling::ul[1]")
    expect(left_out).to_contain_text("Liisa Linkki")
    expect(distribution).not_to_contain_text("Liisa Linkki")


def today_iso(page):
    """Today's date as the browser sees it (the minutes can be approved from the meeting day on)."""
    return page.evaluate("() => { const d = new Date(); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
                         " return d.toISOString().slice(0, 10); }")
