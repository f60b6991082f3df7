"""The minutes PDF: sections and the client's words, language, distribution by consent, logging, probes."""
from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from association_tool.consents.services import record_consent, withdraw
from association_tool.extensions import db
from association_tool.models import AuditEvent

from .factories import login, make_client, pair
from .test_meetings import (TODAY, action, add_member, approve, approved_meeting, minutes_data,
                            newest_meeting, page, plan, record)
from .test_pdf_engine import embedded_files, image_count, listener, read, text_of  # noqa: F401


def consent(client, member, staff, information=("general", "progress"), given_days_ago=30,
            valid_days=300, **fields):
    """Record a written share consent to a network member; return it (committed)."""
    data = dict(kind="share", member_id=member.id, organisation_id=None, channel=None,
                information=list(information), purpose="Verkostopalaverin muistio",
                form="written", matter=None, given_on=TODAY - timedelta(days=given_days_ago),
                valid_until=TODAY - timedelta(days=given_days_ago) + timedelta(days=valid_days),
                until_relationship_ends=False,
                wording="Annan luvan lähettää palaverin muistion.")
    data.update(fields)
    given = record_consent(client, data, by=staff)
    db.session.commit()
    return given


def print_pdf(http, meeting, **data):
    form = {"lang": "fi", "purpose": "distribution"}
    form.update(data)
    return http.post(f"/clients/{meeting.client_id}/meetings/{meeting.id}/minutes.pdf", data=form)


def flat(text: str) -> str:
    """Text without white space: the PDF's text layer may split words at kerning or wrapping."""
    return re.sub(r"\s+", "", text)


def in_lang(lang: str, msgid: str, **kwargs) -> str:
    """A string as the PDF shows it in `lang` (the translation, or the msgid until there is one)."""
    with force_locale(lang):
        return gettext(msgid, **kwargs)


def distribution_part(text: str, lang: str = "fi") -> str:
    """The text of the distribution list section, up to the addenda."""
    text = flat(text)
    start = text.index(flat(in_lang(lang, "Distribution list")))
    addenda = flat(in_lang(lang, "Addenda"))
    end = text.find(addenda, start)
    return text[start:end if end > 0 else None]


def test_minutes_pdf_has_the_sections_and_the_clients_words(client, staff):
    ruusu = make_client(display_name="Ruusu Ärrä", responsible_id=staff.id)
    sister = add_member(ruusu, "Sisko Sisar")
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [sister], actions=[
        action("Haetaan asumistukea yhdessä", owner_id=staff.id, with_whom="Ruusu"),
        action("Selvitetään vuokrarästi", owner_party="Liisa Linkki")])
    client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/addenda",
                data={"on": TODAY.isoformat(), "text": "Lisäys: Kelan päätös tuli."})
    response = print_pdf(client, meeting)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="muistio-{meeting.meeting_date.isoformat()}.pdf"'
    text = flat(text_of(response.data))
    for words in ("Testiyhdistys ry", "Ruusu Ärrä", "Yhdistyksen olohuone",
                  "Kokoonnuimme, koska haluan oman asunnon ennen kesää.",
                  "Minua huolettaa vuokrarästi, mutta olen jaksanut paremmin.",
                  "Haluan puhua asunnosta ja rahasta.", "Huoli Sisko Sisar",
                  "Voimavara Sisko Sisar", "Haetaan asumistukea yhdessä", "Liisa Linkki",
                  "Selvitetään vuokrarästi", "Jussi Työntekijä", "Palaveri tuntui turvalliselta.",
                  "Seurantapalaveri yhdistyksellä", "Lisäys: Kelan päätös tuli."):
        assert flat(words) in text, words
    headings = ["Network meeting minutes", "Participants", "Opening the meeting",
                "Why we gathered, in the client's words", "Discussing matters",
                "The client's own view and concerns", "Agreeing the next steps: a joint plan",
                "Agreed actions", "Responsible person", "Backup person", "Feedback round",
                "Distribution list", "Addenda"]
    positions = [text.index(flat(in_lang("fi", h))) for h in headings]
    assert positions == sorted(positions)  # in the meeting's order; addenda after the minutes
    assert text.index(flat("Lisäys: Kelan päätös tuli.")) > text.index(flat("Palaveri tuntui turvalliselta."))
    reader = read(response.data)
    assert reader.metadata.title == in_lang("fi", "Network meeting minutes")
    assert reader.trailer["/Root"]["/Lang"] == "fi"


@pytest.mark.parametrize("language, lang, stem", [("sv", "sv", "promemoria"), ("en", "en", "minutes"),
                                                  ("other", "fi", "muistio")])
def test_language_follows_the_client_and_can_be_chosen(client, staff, language, lang, stem):
    maja = make_client(display_name="Maja", language=language)
    login(client, staff)
    meeting = approved_meeting(client, maja, staff)
    body = page(client, meeting)
    assert f'<option selected value="{lang}">' in body or f'value="{lang}" selected' in body
    response = print_pdf(client, meeting, lang=lang)
    assert f'filename="{stem}-{meeting.meeting_date.isoformat()}.pdf"' in \
        response.headers["Content-Disposition"]
    assert read(response.data).trailer["/Root"]["/Lang"] == lang
    assert flat(in_lang(lang, "Agreed actions")) in flat(text_of(response.data))
    english = print_pdf(client, meeting, lang="en")
    assert "minutes-" in english.headers["Content-Disposition"]
    assert "Agreedactions" in flat(text_of(english.data))


def test_distribution_list_follows_consents_on_the_print_date(client, staff, peer):
    ruusu = make_client(display_name="Ruusu")
    names = ["Aktiivinen Anna", "Peruttu Pekka", "Vanhentunut Veera", "Suppea Sami",
             "Luvaton Leo", "Terveys Terttu"]
    members = {name: add_member(ruusu, name) for name in names}
    consent(ruusu, members["Aktiivinen Anna"], staff)
    withdrawn = consent(ruusu, members["Peruttu Pekka"], staff)
    withdraw(withdrawn, on=TODAY, how="phone", heard_by=staff)
    db.session.commit()
    consent(ruusu, members["Vanhentunut Veera"], staff, given_days_ago=60, valid_days=59)
    consent(ruusu, members["Suppea Sami"], staff, information=("general",))
    consent(ruusu, members["Terveys Terttu"], staff, information=("general", "progress", "health"))
    pair(peer, ruusu, sections=("goals", "meetings"))  # a peer receives them only with this section
    login(client, staff)
    meeting = plan(client, ruusu, list(members.values()), [staff, peer])
    assert record(client, meeting, extra_people=[
        {"name": "Ulkopuolinen Olli", "role": "tulkki", "presence": "present"}]).status_code == 303
    assert approve(client, meeting).status_code == 303
    meeting = newest_meeting()

    listed = distribution_part(text_of(print_pdf(client, meeting).data))
    for name in ("Ruusu", "Aktiivinen Anna", "Terveys Terttu", staff.name, peer.name):
        assert flat(name) in listed, name
    for name in ("Peruttu Pekka", "Vanhentunut Veera", "Suppea Sami", "Luvaton Leo",
                 "Ulkopuolinen Olli"):
        assert flat(name) not in listed, name

    body = page(client, meeting)
    left_out = re.sub(r"\s+", " ", body[body.index('class="distribution-left-out"'):])
    left_out = left_out[:left_out.index("</ul>")]
    for name in ("Peruttu Pekka", "Vanhentunut Veera", "Suppea Sami", "Luvaton Leo",
                 "Ulkopuolinen Olli"):
        assert name in left_out, name
    assert "Aktiivinen Anna" not in left_out
    date = lambda d: d.strftime("%-d.%-m.%Y")  # noqa: E731  (the Finnish short date)
    expected = {
        "Peruttu Pekka": in_lang("fi", "The consent was withdrawn on %(date)s.", date=date(TODAY)),
        "Vanhentunut Veera": in_lang("fi", "The consent ended on %(date)s.",
                                     date=date(TODAY - timedelta(days=1))),
        "Suppea Sami": in_lang("fi", "The consent does not cover:"),
        "Luvaton Leo": in_lang("fi", "No consent to share information with them."),
        "Ulkopuolinen Olli": in_lang("fi", "Not on the client's network map, so no consent can "
                                           "be checked."),
    }
    for name, reason in expected.items():
        item = left_out[left_out.index(name):]
        item = item[:item.index("</li>")]
        assert reason in html.unescape(item), (name, item)

    # Marked as containing health information: only the consent covering health still counts.
    with_health = plan(client, ruusu, list(members.values()))
    assert record(client, with_health, contains_health="y").status_code == 303
    assert approve(client, with_health).status_code == 303
    listed = distribution_part(text_of(print_pdf(client, newest_meeting()).data))
    assert flat("Terveys Terttu") in listed and flat("Aktiivinen Anna") not in listed


def test_prints_are_logged_and_distribution_is_a_disclosure(client, staff):
    ruusu = make_client(display_name="Ruusu")
    anna, leo = add_member(ruusu, "Aktiivinen Anna"), add_member(ruusu, "Luvaton Leo")
    consent(ruusu, anna, staff)
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [anna, leo])
    assert print_pdf(client, meeting, purpose="own").status_code == 200
    assert print_pdf(client, meeting, lang="sv").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "meeting_minutes").order_by(AuditEvent.id)).all()
    assert [(e.action, e.user_id, e.client_id) for e in events] == [
        ("print", staff.id, ruusu.id), ("print", staff.id, ruusu.id),
        ("disclosure", staff.id, ruusu.id)]
    assert "lang=sv" in events[1].detail
    disclosure = events[2].detail
    assert "Aktiivinen Anna" in disclosure and "Ruusu" in disclosure and staff.name in disclosure
    assert "Luvaton Leo" not in disclosure


def test_a_paired_peer_prints_without_consent_information(client, staff, peer):
    ruusu = make_client(display_name="Ruusu")
    anna = add_member(ruusu, "Aktiivinen Anna")
    consent(ruusu, anna, staff)
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [anna])
    pair(peer, ruusu, sections=("meetings",))
    login(client, peer)
    body = page(client, meeting)
    assert "minutes.pdf" in body and 'name="purpose"' not in body
    response = print_pdf(client, meeting)  # asking for distribution changes nothing for a peer
    assert response.status_code == 200
    text = flat(text_of(response.data))
    assert flat("Kokoonnuimme, koska haluan oman asunnon") in text
    assert flat(in_lang("fi", "Distribution list")) not in text
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "meeting_minutes", AuditEvent.user_id == peer.id))]
    assert actions == ["print"]


def test_drafts_print_marked_and_plans_do_not_print(client, staff):
    ruusu = make_client()
    login(client, staff)
    meeting = plan(client, ruusu)
    assert print_pdf(client, meeting).status_code == 409
    assert record(client, meeting).status_code == 303
    text = flat(text_of(print_pdf(client, meeting).data))
    assert flat(in_lang("fi", "Draft – the minutes are not approved yet")) in text
    assert flat(in_lang("fi", "Distribution list")) not in text
    bad = print_pdf(client, newest_meeting(), lang="de")
    assert bad.status_code == 422 and "lang-error" in bad.get_data(as_text=True)


def test_markup_in_fields_is_printed_as_text_and_fetches_nothing(client, staff, listener):
    ruusu = make_client(display_name="Ruusu")
    login(client, staff)
    url = f"http://127.0.0.1:{listener.port}/vuoto"
    probes = {
        "why_gathered": '<img src="file:///etc/passwd">',
        "client_view": '<link rel="attachment" href="file:///etc/passwd">',
        "feedback": f'<img src="{url}"> {url}',
        "chair": f'<style>@import url("{url}/x.css");</style>',
    }
    meeting = plan(client, ruusu, remote_link=url, support_person=f'<a href="{url}">tuki</a>')
    response = client.post(f"/clients/{ruusu.id}/meetings/{meeting.id}/record",
                           data=minutes_data(meeting, actions=[action(f'<img src="{url}/a">',
                                                                      owner_party="Kela")],
                                             **{k: v[:120] if k == "chair" else v
                                                for k, v in probes.items()}))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert approve(client, meeting).status_code == 303
    document = print_pdf(client, newest_meeting()).data
    time.sleep(0.3)
    assert listener.connections == []
    text = re.sub(r"\s+", "", text_of(document))
    for probe in list(probes.values()) + [f'<img src="{url}/a">']:
        assert re.sub(r"\s+", "", probe) in text, probe
    assert "root:" not in text and b"root:x:" not in document
    assert embedded_files(document) == []
    assert image_count(document) == 0
    screen = page(client, newest_meeting())
    assert '<img src="file:///etc/passwd">' not in screen
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in screen or \
        "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in screen


def test_long_minutes_run_over_pages_with_the_header(client, staff):
    ruusu = make_client(display_name="Ruusu")
    login(client, staff)
    meeting = plan(client, ruusu)
    actions = [action(f"Tehtävä numero {i}: soitetaan ja sovitaan asiasta yhdessä", owner_party="Kela")
               for i in range(25)]
    assert record(client, meeting, actions=actions,
                  client_view="Pitkä kertomus. " * 150).status_code == 303
    pages = read(print_pdf(client, newest_meeting()).data).pages
    assert len(pages) >= 2
    assert all("Testiyhdistys ry" in p.extract_text() for p in pages)
    assert all(f"{n} / {len(pages)}" in p.extract_text() for n, p in enumerate(pages, 1))


def test_bench_sample_renders(app):
    from bench.minutes_sample import minutes_html

    html = minutes_html(app)
    assert html.startswith("<!DOCTYPE html>") and "app-asset:css/print.css" in html
    assert "Kokoonnuimme" in html


def test_no_transaction_or_write_lock_is_held_while_the_minutes_render(client, staff, monkeypatch):
    """A print is a POST, whose SQLite transaction takes the write lock; held through the render,
    it kept other workers' saves waiting (seconds under a stream of prints)."""
    from association_tool.pdf.worker import RenderWorker

    from .reliability_helpers import write_lock_free

    ruusu = make_client(display_name="Ruusu")
    anna = add_member(ruusu, "Aktiivinen Anna")
    consent(ruusu, anna, staff)
    login(client, staff)
    meeting = approved_meeting(client, ruusu, staff, [anna])
    seen = []
    render = RenderWorker.render

    def checking(self, *args, **kwargs):
        seen.append((db.session().in_transaction(), write_lock_free(db.engine)))
        return render(self, *args, **kwargs)

    monkeypatch.setattr(RenderWorker, "render", checking)
    answer = print_pdf(client, meeting)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    expected_lock = True if db.engine.dialect.name == "sqlite" else None
    assert seen == [(False, expected_lock)]
    # The print and the disclosure are still logged after the render.
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "meeting_minutes")).all()
    assert sorted(actions) == ["disclosure", "print"]
