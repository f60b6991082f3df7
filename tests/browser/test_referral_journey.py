"""A referral in a real browser, with the demo association loaded: a worker refers a client to a
service with an accompanied handover (saattaen vaihtaen), records what the partner said, and
answers the follow-up call from the home page. Every page is checked with axe-core."""
from playwright.sync_api import expect

from association_tool.timeutil import local_today

from .helpers import STAFF, check_a11y, choose, open_details, sign_in


def test_refer_accompanied_record_acceptance_and_answer_the_follow_up(demo_server, page):
    base = demo_server
    sign_in(page, base, STAFF)
    page.get_by_role("link", name="Asiakkaat", exact=True).first.click()
    page.get_by_role("link", name="Kalle", exact=True).first.click()
    expect(page.get_by_role("heading", name="Kalle", level=1)).to_be_visible()
    section = page.locator("#section-referrals")
    expect(section.get_by_role("heading", name="Asiakkaan polku")).to_be_visible()
    check_a11y(page, "client page with referrals")

    # The referral out, accompanied on an errand; the follow-up call is today.
    form = open_details(section, "Ohjaa asiakas palveluun tai toimintaan")
    choose(form.get_by_label("Organisaatio"), "Työllisyyspalvelut")
    form.get_by_label("Mihin").select_option(label="Julkinen palvelu")
    form.get_by_label("Miksi, asiakkaan omin sanoin").fill("Haluaisin päästä työkokeiluun.")
    form.get_by_label("Mitä asiakas toivoo").fill("Rytmiä päiviin.")
    form.get_by_label("Miten siirtyminen tapahtuu").select_option(
        label="Saattaen vaihtaen: asioinnilla")
    form.get_by_label("Siirtymisestä").fill("Mennään yhdessä Tiinan luo")
    form.get_by_label("Seurantapuhelu").fill(local_today().isoformat())
    # Without the reason the form comes back in its place, with what was typed kept.
    form.get_by_label("Miksi, asiakkaan omin sanoin").fill("")
    form.get_by_role("button", name="Tallenna ohjaus").click()
    form = page.locator("#referral-form-out")
    expect(form.get_by_text("Kirjoita syy asiakkaan omin sanoin.")).to_be_visible()
    expect(form.get_by_label("Mitä asiakas toivoo")).to_have_value("Rytmiä päiviin.")
    expect(page.get_by_role("heading", name="Kalle", level=1)).to_be_visible()
    form.get_by_label("Miksi, asiakkaan omin sanoin").fill("Haluaisin päästä työkokeiluun.")
    form.get_by_role("button", name="Tallenna ohjaus").click()
    expect(page.get_by_role("heading", name="Työllisyyspalvelut (kuvitteellinen)", level=2)).to_be_visible()
    expect(page.locator("#referral-state")).to_have_text("Lähetetty")
    expect(page.get_by_text("Saattaen vaihtaen: asioinnilla – Mennään yhdessä Tiinan luo")).to_be_visible()
    check_a11y(page, "referral page")

    # The partner phoned: accepted.
    step = page.locator("#step-form")
    step.get_by_label("Mitä tapahtui").select_option(label="Hyväksytty")
    step.get_by_label("Keneltä tieto tuli").fill("Tiina Työ puhelimessa")
    step.get_by_role("button", name="Kirjaa vaihe").click()
    expect(page.locator("#referral-state")).to_have_text("Hyväksytty")
    expect(page.locator(".referral-path").get_by_text("kertoi Tiina Työ puhelimessa")).to_be_visible()

    # The follow-up call is due today: answered from the home page.
    page.goto(base + "/")
    task = page.get_by_role("listitem").filter(has_text="Seurantapuhelu: saiko asiakas palvelun?") \
        .filter(has_text="Työllisyyspalvelut")
    expect(task).to_be_visible()
    task.get_by_role("link", name="Kirjaa seurantapuhelu").click()
    form = page.locator("#follow-up-form")
    expect(form).to_be_visible()
    form.get_by_role("group", name="Saiko asiakas palvelun?").get_by_label("Osittain").check()
    form.get_by_label("Oliko se sitä, mitä asiakas tarvitsi?").select_option("4")
    form.get_by_label("Asiakkaan omin sanoin", exact=True).fill("Hyvä alku, jonoa oli.")
    form.get_by_role("group", name="Mikä oli esteenä").get_by_label("Odotusaika").check()
    form.get_by_role("group", name="Miten jatketaan").get_by_label("Seuranta päättyy").check()
    form.get_by_role("button", name="Tallenna seuranta").click()
    expect(page.get_by_text("Seuranta on kirjattu.")).to_be_visible()
    expect(page.get_by_text("Hyvä alku, jonoa oli.")).to_be_visible()
    check_a11y(page, "referral page after the follow-up")
    page.goto(base + "/")
    expect(page.get_by_role("listitem").filter(has_text="Seurantapuhelu: saiko asiakas palvelun?")
           .filter(has_text="Työllisyyspalvelut")).to_have_count(0)
