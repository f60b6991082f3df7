"""The errand checklist PDF: the client's words, in the client's language, plain and safe."""
import re
import time
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from association_tool.errands import services
from association_tool.extensions import db
from association_tool.models import AuditEvent, User
from association_tool.models.errands import Errand

from .factories import login, make_client, make_user, pair
from .test_pdf_engine import embedded_files, image_count, listener, png_bytes, read, text_of  # noqa: F401

MONDAY = date(2026, 11, 23)


def flat(text: str) -> str:
    """The text without white space (the text layer wraps long lines)."""
    return re.sub(r"\s+", "", text)


def add_errand(client, target, **overrides) -> Errand:
    data = {"about": "Asumistuen hakeminen yhdessä", "type": "kela", "on": MONDAY.isoformat(),
            "starts_at": "13:30", "place": "Kelan palvelupiste", "address": "Esimerkkitie 5, Kuopio",
            "meet_whom": "Palveluneuvoja Pekka Palvelu", "companion_id": "",
            "interpreter_needed": "",
            "things_to_bring": "Henkilöllisyystodistus\nKela-kortti\nVuokrasopimus\nKutsukirje\n"
                               "Aiemmat päätökset\nTiliotteet kahdelta kuukaudelta\nLaskut ja kuitit\n"
                               "Lääkelista",
            "questions": "Kauanko päätös kestää?\nVoinko lähettää liitteet netissä?\n"
                         "Mitä teen, jos rahat eivät riitä vuokraan?"}
    data.update(overrides)
    response = client.post(f"/clients/{target.id}/errands", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return db.session.scalars(select(Errand).order_by(Errand.id.desc())).first()


def checklist(client, target, errand, **params):
    response = client.get(f"/clients/{target.id}/errands/{errand.id}/checklist.pdf",
                          query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:1500]
    assert response.mimetype == "application/pdf"
    return response


def heading(msgid: str, lang: str) -> str:
    """A heading as the checklist prints it in `lang` (English until that catalogue has it)."""
    with force_locale(lang):
        return _(msgid)


@pytest.fixture
def worker(staff):
    """The staff member, with a phone number for the client to call."""
    user = db.session.get(User, staff.id)
    user.phone = "040 123 4567"
    db.session.commit()
    return user


def test_the_checklist_has_the_sections_and_the_clients_words(client, worker):
    target = make_client(display_name="Ruusu")
    login(client, worker)
    errand = add_errand(client, target, companion_id=str(worker.id), interpreter_needed="y")
    response = checklist(client, target, errand)
    assert response.headers["Content-Disposition"] == 'attachment; filename="muistilista-2026-11-23.pdf"'
    document = response.data
    text = text_of(document)
    for words in ("Asumistuen hakeminen yhdessä", "Kelan palvelupiste", "Esimerkkitie 5, Kuopio",
                  "Palveluneuvoja Pekka Palvelu", "Kauanko päätös kestää?", "Ruusu",
                  "Vuokrasopimus", "Lääkelista", worker.name, "040 123 4567", "Testiyhdistys ry"):
        assert flat(words) in flat(text), words
    for msgid in ("Errand checklist", "Take these with you", "My questions", "What was agreed",
                  "Who comes with me", "I need an interpreter."):
        assert flat(heading(msgid, "fi")) in flat(text), msgid
    assert "maanantai 23. marraskuuta 2026" in text and "13.30" in text
    assert "☐ Kauanko päätös kestää?" in text and "☐ Henkilöllisyystodistus" in text
    reader = read(document)
    assert len(reader.pages) == 1  # the usual errand fits one A4 page
    assert reader.trailer["/Root"]["/Lang"] == "fi"
    assert reader.metadata.title == heading("Errand checklist", "fi")


def test_swedish_and_english_whatever_the_workers_language(client, admin):
    english_worker = make_user(role="staff", locale="en")
    english_worker.phone = "050 765 4321"
    db.session.commit()
    target = make_client(language="sv")
    login(client, english_worker)
    errand = add_errand(client, target, companion_id=str(english_worker.id))
    swedish = checklist(client, target, errand)  # the client's language by default
    assert 'filename="minneslista-2026-11-23.pdf"' in swedish.headers["Content-Disposition"]
    text = text_of(swedish.data)
    assert "måndag 23 november 2026" in text and "FPA" in text  # Swedish dates and labels
    for msgid in ("Errand checklist", "Take these with you", "My questions", "Address"):
        assert flat(heading(msgid, "sv")) in flat(text), msgid
    assert "Adress" in text and "Asumistuen hakeminen yhdessä" in text
    assert read(swedish.data).trailer["/Root"]["/Lang"] == "sv"

    english = checklist(client, target, errand, lang="en")  # the print form's choice wins
    assert 'filename="checklist-2026-11-23.pdf"' in english.headers["Content-Disposition"]
    text = text_of(english.data)
    for words in ("Errand checklist", "Take these with you", "My questions", "What was agreed",
                  "Monday 23.11.2026", "13:30", "Kela", "Phone"):  # dates the Finnish way
        assert words in text, words
    assert read(english.data).trailer["/Root"]["/Lang"] == "en"


def test_other_languages_and_junk_fall_back_to_finnish(client, staff):
    target = make_client(language="other", language_other="arabia")
    login(client, staff)
    errand = add_errand(client, target)
    for params in ({}, {"lang": "ar"}, {"lang": '"><script>'}):
        response = checklist(client, target, errand, **params)
        assert "muistilista-2026-11-23.pdf" in response.headers["Content-Disposition"]
        assert read(response.data).trailer["/Root"]["/Lang"] == "fi"


def test_usual_things_to_bring_are_printed_in_the_checklist_language(app):
    with force_locale("fi"):
        finnish = [str(services.texts.BRING_ITEMS["kela_card"]), "Oma juttu"]
    assert services.texts.localise_items(finnish, "en") == ["Kela card", "Oma juttu"]
    with force_locale("sv"):
        swedish = str(services.texts.BRING_ITEMS["lease"])
    assert services.texts.localise_items(["  lease ", swedish.upper()], "en") == ["Lease", "Lease"]


def test_large_print_is_bigger(client, staff):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target)
    normal = checklist(client, target, errand).data
    large = checklist(client, target, errand, large_print="y").data

    def sizes(document):
        found = []

        def visit(text, cm, tm, font_dict, font_size):
            if text.strip():
                found.append(font_size * tm[0])
        read(document).pages[0].extract_text(visitor_text=visit)
        return sorted(found)[len(found) // 2]

    assert sizes(large) > sizes(normal) * 1.3
    assert len(read(large).pages) >= len(read(normal).pages)
    assert "Kauanko päätös kestää?" in text_of(large)


def test_the_outcome_and_next_steps_are_printed(client, staff):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target)
    client.post(f"/clients/{target.id}/errands/{errand.id}/outcome", data={
        "agreed": "Hakemus jätettiin Kelaan.", "version": str(errand.version),
        "steps-0-what": "Toimita tiliotteet", "steps-0-owner_party": "Ruusu itse",
        "steps-0-due_date": "2026-12-01"})
    text = flat(text_of(checklist(client, target, errand).data))
    for words in ("Hakemus jätettiin Kelaan.", "Toimita tiliotteet", "Ruusu itse", "1.12.2026",
                  heading("Next steps", "fi")):
        assert flat(words) in text, words


def test_every_print_is_logged(client, staff, peer):
    target = make_client()
    pair(peer, target)
    login(client, staff)
    errand = add_errand(client, target)
    client.post("/logout")
    login(client, peer)
    checklist(client, target, errand, lang="en", large_print="y")
    checklist(client, target, errand)
    prints = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all()
    assert [(p.user_id, p.client_id, p.object_type, p.detail) for p in prints] == [
        (peer.id, target.id, "errand_checklist", "lang=en large_print=1"),
        (peer.id, target.id, "errand_checklist", "lang=fi large_print=0")]


def test_the_associations_logo_from_settings_is_on_the_checklist(client, staff, admin):
    target = make_client()
    login(client, admin)
    from io import BytesIO

    response = client.post("/admin/settings/logo", data={"logo": (BytesIO(png_bytes()), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    errand = add_errand(client, target)
    assert image_count(checklist(client, target, errand).data) == 1


def test_markup_and_urls_in_errand_fields_are_only_text(client, staff, listener):
    target = make_client(display_name='<img src="file:///etc/passwd">')
    login(client, staff)
    url = f"http://127.0.0.1:{listener.port}/x.png"
    probes = ['<img src="file:///etc/passwd">', '<link rel="attachment" href="file:///etc/passwd">',
              f'<img src="{url}">', f'<link rel="stylesheet" href="{url}">',
              f'<p style="background: url({url})">tyyli</p>', url]
    errand = add_errand(client, target, about=probes[0], place=probes[2], address=url,
                        meet_whom=probes[1][:200], things_to_bring="\n".join(probes),
                        questions="\n".join(reversed(probes)))
    client.post(f"/clients/{target.id}/errands/{errand.id}/outcome", data={
        "agreed": "\n".join(probes), "version": str(errand.version),
        "steps-0-what": probes[1], "steps-0-owner_party": probes[2]})
    document = checklist(client, target, errand).data
    time.sleep(0.3)  # give a stray connection time to arrive
    assert listener.connections == []
    text = flat(text_of(document))
    for probe in probes:
        assert flat(probe) in text, probe
    assert "root:" not in text and b"root:x:" not in document
    assert embedded_files(document) == []
    assert image_count(document) == 0


def test_a_failed_render_gives_a_friendly_page_and_no_print_entry(client, staff, app):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target)
    app.config["PDF_TIMEOUT_SECONDS"] = 0.001
    try:
        response = client.get(f"/clients/{target.id}/errands/{errand.id}/checklist.pdf")
    finally:
        app.config["PDF_TIMEOUT_SECONDS"] = 20
    assert response.status_code in (500, 503)
    assert "<h1>" in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all() == []


def test_a_long_errand_still_renders(client, staff):
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target, about="ä" * 300,
                        things_to_bring="\n".join(f"Tavara {i} " + "x" * 80 for i in range(40)),
                        questions="\n".join(f"Kysymys {i}?" for i in range(40)),
                        on=(MONDAY + timedelta(days=1)).isoformat())
    pages = read(checklist(client, target, errand, large_print="1").data).pages
    assert len(pages) >= 2 and "Kysymys 39?" in "".join(p.extract_text() for p in pages)


# --- whom to call: the worker's own phone and the association's details ---------------------------

ASSOCIATION = {"association_name": "Testiyhdistys ry", "association_phone": "017 555 0100",
               "association_address": "Kauppakatu 12, 70100 Kuopio",
               "association_hours": "Ma–Pe 9–15\r\nLa 10–14"}


def set_association_contact(client, admin, **changes):
    """Save the association's contact details on the settings page as the admin."""
    login(client, admin)
    assert client.post("/admin/settings", data={**ASSOCIATION, **changes}).status_code == 302
    client.post("/logout")


def errand_page(client, target, errand) -> str:
    response = client.get(f"/clients/{target.id}/errands/{errand.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def contact_box(text: str) -> str:
    """The checklist's text from its contact box on (it comes last)."""
    return text[text.index("yhteyttä:"):]


def test_the_association_phone_address_and_hours_are_on_the_checklist(client, admin, worker):
    set_association_contact(client, admin)
    target = make_client(language="sv")
    login(client, worker)
    errand = add_errand(client, target, companion_id=str(worker.id))
    finnish = flat(contact_box(text_of(checklist(client, target, errand, lang="fi").data)))
    for words in (worker.name, "Puhelin: 040 123 4567", "Testiyhdistys ry", "Puhelin: 017 555 0100",
                  "Kauppakatu 12, 70100 Kuopio", "Aukioloajat:", "Ma–Pe 9–15", "La 10–14"):
        assert flat(words) in finnish, words
    swedish = flat(text_of(checklist(client, target, errand).data))
    for words in ("Hör av dig:", "Telefon: 040 123 4567", "Telefon: 017 555 0100", "Öppettider:",
                  "Kauppakatu 12"):
        assert flat(words) in swedish, words


def test_the_worker_who_says_no_is_not_printed_but_the_association_is(client, admin, worker):
    set_association_contact(client, admin)
    target = make_client()
    login(client, worker)
    client.post("/account/phone", data={"phone": "040 123 4567"})  # "print it" left unticked
    assert db.session.get(User, worker.id).phone_on_documents is False
    errand = add_errand(client, target, companion_id=str(worker.id))
    text = flat(text_of(checklist(client, target, errand).data))
    assert flat(worker.name) in text and "0401234567" not in text
    assert flat("Puhelin: 017 555 0100") in text
    assert 'id="errand-print-no-number"' not in errand_page(client, target, errand)


def test_a_peer_sets_their_own_phone_for_the_checklist(client, staff, peer):
    target = make_client()
    pair(peer, target)
    login(client, staff)
    errand = add_errand(client, target, companion_id=str(peer.id))
    client.post("/logout")
    login(client, peer)
    page = errand_page(client, target, errand)
    assert 'id="errand-print-no-number"' in page and 'href="/account#phone"' in page
    assert 'href="/admin/settings#contact"' not in page  # a peer cannot change the settings
    response = client.post("/account/phone", data={"phone": "050 987 6543",
                                                   "phone_on_documents": "y"})
    assert response.status_code == 303
    assert 'id="errand-print-no-number"' not in errand_page(client, target, errand)
    text = flat(contact_box(text_of(checklist(client, target, errand).data)))
    assert flat(peer.name) in text and flat("Puhelin: 050 987 6543") in text


def test_a_print_without_a_number_to_call_is_warned_about_first(client, admin, staff):
    admin.locale = "en"
    db.session.commit()
    target = make_client()
    login(client, staff)
    errand = add_errand(client, target, companion_id=str(staff.id))
    page = errand_page(client, target, errand)
    warning = page.split('id="errand-print-no-number"', 1)[1].split("</div>", 1)[0]
    assert 'href="/account#phone"' in warning and 'href="/admin/settings#contact"' not in warning
    assert page.index('id="errand-print-no-number"') < page.index("checklist.pdf")
    client.post("/logout")

    login(client, admin)  # someone else's errand: no account link, but the settings
    page = errand_page(client, target, errand)
    warning = page.split('id="errand-print-no-number"', 1)[1].split("</div>", 1)[0]
    assert "The checklist has no phone number for the client to call." in warning
    assert f"{staff.name} has no phone number to print." in warning
    assert 'href="/admin/settings#contact"' in warning and 'href="/account#phone"' not in warning
    client.post("/logout")

    set_association_contact(client, admin, association_address="", association_hours="")
    login(client, staff)
    assert 'id="errand-print-no-number"' not in errand_page(client, target, errand)
    text = flat(contact_box(text_of(checklist(client, target, errand).data)))
    assert flat("Puhelin: 017 555 0100") in text and "Aukioloajat" not in text
