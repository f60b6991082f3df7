"""Finnish by default; Swedish and English complete; each user chooses."""
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from association_tool.extensions import db
from association_tool.models import User

from .factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages the code and templates use right now."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "--ignore-dirs=.* node_modules",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return [m.id for m in read_po(handle) if m.id]


@pytest.mark.parametrize("locale", ["fi", "sv"])
def test_every_string_is_translated(extracted, locale):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for msgid in extracted:
        message = catalog.get(msgid if isinstance(msgid, str) else msgid)
        strings = message.string if message else None
        if isinstance(strings, tuple):
            strings = all(strings)
        if not message or not strings or message.fuzzy:
            missing.append(msgid)
    assert missing == [], f"untranslated in {locale}: {missing[:10]}"
    problems = [(m.id, e) for m in catalog for e in (m.check(catalog) or [])]
    assert problems == []


def test_finnish_is_the_default(client, admin):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fi">' in page and "Kirjaudu sisään" in page


def test_visitor_chooses_swedish_on_the_login_page(client, admin):
    client.post("/language", data={"locale": "sv", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Logga in" in page


def test_each_user_has_their_own_language(client):
    make_user(role="admin")
    english = make_user(role="staff", locale="en")
    client.post("/login", data={"email": english.email, "password": PASSWORD})
    assert "Sign out" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"locale": "sv", "next": "/"})
    assert db.session.get(User, english.id).locale == "sv"
    assert "Logga ut" in client.get("/").get_data(as_text=True)


def test_finnish_date_format(app):
    from flask_babel import force_locale, format_date

    with app.test_request_context(), force_locale("fi"):
        assert format_date(date(2026, 11, 22), "short") == "22.11.2026"


@pytest.mark.parametrize("locale, added, count", [("fi", "Asiakas &lt;b&gt;Eeva&lt;/b&gt; on lisätty.",
                                                   "2 asiakasta"),
                                                  ("sv", "&lt;b&gt;Eeva&lt;/b&gt;", "2 klienter"),
                                                  ("en", "Client &lt;b&gt;Eeva&lt;/b&gt; added.",
                                                   "2 clients")])
def test_templates_translate_once_per_rendering_and_escape_what_they_fill_in(app, locale, added,
                                                                            count):
    """Templates' `_` and `ngettext` are bound to the user's catalogue once per rendering: they
    must still translate, choose the plural and escape the values they format in."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        html = render_template_string(
            "{{ _('Client %(name)s added.', name=who) }}|"
            "{{ ngettext('%(num)d client', '%(num)d clients', 2) }}|{{ _('Sign out') }}",
            who="<b>Eeva</b>")
        plain = render_template_string("{% autoescape false %}{{ _('Sign out') }}{% endautoescape %}")
    assert added in html and count in html and "<b>" not in html
    assert html.split("|")[2] == plain != "Sign out" or locale == "en"


def test_wtforms_own_messages_follow_the_user_language(app):
    """WTForms' built-in messages come from a catalogue read once per language, not per request."""
    from flask import request
    from flask_babel import force_locale

    from association_tool.clients.forms import ClientSearchForm

    for locale, expected in (("fi", "Virheellinen valinta"), ("sv", "Inte ett giltigt val"),
                             ("en", "Not a valid choice"), ("fi", "Virheellinen valinta")):
        with app.test_request_context("/clients/?level=bogus"), force_locale(locale):
            form = ClientSearchForm(request.args)
            assert not form.validate()
            assert any(expected in str(error) for error in form.level.errors), form.level.errors
