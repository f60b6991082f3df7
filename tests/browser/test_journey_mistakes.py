"""Mistakes and interruptions: bad input in an inline (htmx) form is answered in place with the
typed text kept; a session that ends mid-edit leads to sign-in and back to the same page, never
to an error page."""
import re

from playwright.sync_api import expect

from .helpers import DEMO_PASSWORD, STAFF, check_a11y, open_details, sign_in


def test_bad_input_in_place_and_a_session_that_ends_mid_edit(demo_server, page):
    base = demo_server
    sign_in(page, base, STAFF)
    page.goto(base + "/clients/2")
    expect(page.get_by_role("heading", name="Kalle", level=1)).to_be_visible()

    # An errand without its type and date: the messages appear in the section, the focus on the
    # first of the fields to fix, and the text typed stays.
    errands = page.locator("#section-errands")
    form = open_details(errands, "Lisää asiointi")
    form.get_by_label("Mitä asiointi koskee").fill("Työkkärin tapaaminen")
    form.get_by_label("Kysymykset, jotka asiakas haluaa esittää").fill("Voinko aloittaa kurssin?")
    form.get_by_role("button", name="Tallenna").click()
    errands = page.locator("#section-errands")
    date = errands.get_by_label("Päivämäärä")
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(errands.get_by_role("combobox", name="Asioinnin laji")).to_be_focused()
    expect(errands.get_by_role("alert")).to_be_visible()
    expect(errands.get_by_label("Mitä asiointi koskee")).to_have_value("Työkkärin tapaaminen")
    expect(errands.get_by_label("Kysymykset, jotka asiakas haluaa esittää")).to_have_value(
        "Voinko aloittaa kurssin?")
    assert page.url == base + "/clients/2"
    check_a11y(page, "inline form with a mistake")

    # The session ends while the form is being finished (the cookie is gone, as after a
    # browser restart or an expiry); sending it leads to sign-in, not to an error.
    errands.get_by_role("combobox", name="Asioinnin laji").select_option(label="Työllisyyspalvelut")
    date.fill("2030-03-03")
    page.context.clear_cookies()
    errands.get_by_role("button", name="Tallenna").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Kirjaudu sisään")).to_be_visible()
    check_a11y(page, "sign-in after the session ended")
    page.get_by_label("Sähköposti").fill(STAFF)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    # Back on the page the user was on.
    expect(page).to_have_url(base + "/clients/2")
    expect(page.get_by_role("heading", name="Kalle", level=1)).to_be_visible()

    # An address opened after the session has ended also leads to sign-in and back. (Wait for
    # the sections to load first: each answer renews the session cookie.)
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(base + "/clients/2/errands")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fclients%2F2%2Ferrands|/login\?next=/clients/2/errands"))
    page.get_by_label("Sähköposti").fill(STAFF)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).to_have_url(base + "/clients/2/errands")

    # Only paths on this site are followed after sign-in.
    page.context.clear_cookies()
    page.goto(base + "/login?next=https://evil.example.org/")
    page.get_by_label("Sähköposti").fill(STAFF)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).to_have_url(base + "/")


def test_things_typed_while_the_usual_list_loads_are_kept(demo_server, page):
    """Choosing the errand type asks the server for the usual things to bring; on a slow line the
    answer arrives after the worker has started typing, and must not wipe what they typed."""
    import time

    base = demo_server
    sign_in(page, base, STAFF)

    def slow(route):
        time.sleep(1.0)
        route.continue_()

    page.route(re.compile(r".*/errands/things-to-bring.*"), slow)
    page.goto(base + "/clients/2")
    form = open_details(page.locator("#section-errands"), "Lisää asiointi")
    with page.expect_response(re.compile(r".*/errands/things-to-bring.*")):
        form.get_by_role("combobox", name="Asioinnin laji").select_option(label="Sosiaalitoimisto")
        form.get_by_label("Mukaan otettavat").fill("Vuokrasopimus")
    page.wait_for_timeout(300)  # let htmx handle the late answer
    expect(form.get_by_label("Mukaan otettavat")).to_have_value("Vuokrasopimus")

    # Without typing in between, the usual list arrives as before.
    page.unroute(re.compile(r".*/errands/things-to-bring.*"))
    form.get_by_label("Mukaan otettavat").fill("")
    with page.expect_response(re.compile(r".*/errands/things-to-bring.*")):
        form.get_by_role("combobox", name="Asioinnin laji").select_option(label="Kela")
    expect(form.get_by_label("Mukaan otettavat")).not_to_have_value("")
