"""A realistic network meeting minutes document (about two pages) for the PDF benchmark.

`minutes_html(app)` returns the HTML that `render_pdf("pdf/meeting_minutes.html", …)` would send
to the render process, built from fictional plain values: no database is needed.
"""
from __future__ import annotations

from datetime import date, time

TEMPLATE = "pdf/meeting_minutes.html"
ASSOCIATION = "Toivon Tupa ry"


def minutes_document(lang: str = "fi") -> dict:
    """The template's `doc`: a fictional open-dialogue meeting with six participants."""
    from babel.dates import format_time

    from association_tool.meetings.services import Recipient

    participants = [
        ("Äiti Aino", "äiti", "", "present",
         "Pelkään, että Ruusu jää taas yksin, jos asunto ei järjesty.",
         "Voin auttaa muutossa ja käydä kaupassa kerran viikossa."),
        ("Liisa Linkki", "Sosiaalityöntekijä", "Itä-Suomen hyvinvointialue, aikuissosiaalityö",
         "present", "Vuokrarästit kasvavat, ja häätöuhka on todellinen.",
         "Voin selvittää ehkäisevän toimeentulotuen ja ohjata talous- ja velkaneuvontaan."),
        ("Mirja Mielinen", "Sairaanhoitaja", "Mielenterveys- ja päihdepalvelut", "present",
         "Unettomuus on palannut syksyn aikana.",
         "Vastaanottoaika järjestyy kahden viikon sisällä; lääkitys tarkistetaan."),
        ("Pekka Palvelu", "Palveluneuvoja", "Kela, Kuopion palvelupiste", "absent", None, None),
        ("Sanna Palveluohjaaja", "Palveluohjaaja", ASSOCIATION, "present",
         "Ruusu on jaksanut hyvin ryhmässä, mutta raha-asiat kuormittavat.",
         "Lähden mukaan Kelan asiointiin ja autan hakemusten kanssa."),
        ("Matti Kokemusasiantuntija", "Kokemusasiantuntija", ASSOCIATION, "present", None,
         "Olen itse käynyt saman läpi; voin olla tukena puheluissa ja tapaamisissa."),
    ]
    people = [{"name": n, "role": r, "organisation": o, "presence": p, "concerns": c,
               "resources": res} for n, r, o, p, c, res in participants]
    actions = [
        ("Sanna Palveluohjaaja", "Täytetään asumistukihakemus yhdessä ja toimitetaan liitteet Kelaan.",
         "Ruusu", date(2026, 12, 4)),
        ("Liisa Linkki", "Selvitetään ehkäisevä toimeentulotuki vuokrarästeihin ja tehdään päätös.",
         "Ruusu, Sanna", date(2026, 12, 11)),
        ("Mirja Mielinen", "Varataan vastaanottoaika ja tarkistetaan unilääkitys.", "Ruusu",
         date(2026, 12, 8)),
        ("Matti Kokemusasiantuntija", "Soitetaan viikoittain ja lähdetään yhdessä ryhmään.",
         "Ruusu", date(2026, 12, 1)),
        ("Ruusu", "Kirjoitan ylös kysymykset, jotka haluan kysyä Kelasta.", "Matti",
         date(2026, 11, 30)),
    ]
    return {
        "client_name": "Ruusu", "status": "approved",
        "meeting_date": date(2026, 11, 22),
        "time_text": format_time(time(13, 30), "short", locale=lang),
        "place": "Toivon Tuvan olohuone, Esimerkkikatu 3, Kuopio",
        "remote_link": "https://meet.example.org/verkostopalaveri-ruusu",
        "method": "open_dialogue", "convener": "Sanna Palveluohjaaja",
        "chair": "Sanna Palveluohjaaja", "note_taker": "Matti Kokemusasiantuntija",
        "support_person_wanted": True, "support_person": "Matti Kokemusasiantuntija",
        "client_topics": "Asunto ja vuokrarästit. Miten saan nukuttua. Haluan jatkaa ryhmässä.",
        "client_present": True,
        "participants": people,
        "voices": [p for p in people if p["concerns"] or p["resources"]],
        "why_gathered": "Kokoonnuimme, koska haluan oman vuokra-asunnon ennen kesää ja "
                        "vuokrarästit painavat mieltä. Haluan, että kaikki tietävät, mitä "
                        "kukin tekee, ettei minun tarvitse kertoa samaa monta kertaa.",
        "client_view": "Olen jaksanut paremmin, kun käyn ryhmässä. Öisin valvon ja mietin "
                       "rahaa. Pelkään, että menetän asunnon. Tarvitsen apua papereiden kanssa, "
                       "mutta haluan itse päättää, mitä haen.",
        "actions": [{"who": w, "what": t, "with_whom": ww, "due_date": d} for w, t, ww, d in actions],
        "responsible_person": "Sanna Palveluohjaaja", "backup_person": "Jussi Työntekijä",
        "next_date": date(2027, 1, 15), "next_note": "Seurantapalaveri Toivon Tuvalla klo 13.30",
        "feedback": "Ruusu: palaveri oli rauhallinen ja tulin kuulluksi. Äiti: helpotti kuulla "
                    "suunnitelma. Liisa: hyvä, että kaikki olivat samassa pöydässä.",
        "approved_on": date(2026, 11, 24), "approved_by": "Sanna Palveluohjaaja",
        "addenda": [{"on": date(2026, 11, 26), "author": "Sanna Palveluohjaaja",
                     "text": "Korjaus: Kelan asiointi siirtyy 4.12. klo 10 Kuopion palvelupisteeseen."}],
        "distribution": [Recipient("Ruusu", "", "client"),
                         Recipient("Liisa Linkki", "Sosiaalityöntekijä, Itä-Suomen hyvinvointialue"),
                         Recipient("Sanna Palveluohjaaja", "Palveluohjaaja", "user"),
                         Recipient("Matti Kokemusasiantuntija", "Kokemusasiantuntija", "user")],
        "printed_on": date(2026, 11, 26),
    }


def minutes_html(app, lang: str = "fi") -> str:
    """Render the minutes template to the HTML string the PDF engine receives (app context)."""
    from flask import render_template
    from flask_babel import force_locale
    from flask_babel import lazy_gettext as _l

    with app.app_context(), force_locale(lang):
        return render_template(TEMPLATE, title=str(_l("Network meeting minutes")), lang=lang,
                               has_logo=False, large_print=False, association=ASSOCIATION,
                               doc=minutes_document(lang))
