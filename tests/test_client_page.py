"""The top of the client page: a short summary, a link to each section, and for a peer supporter
what the client has chosen to share with them (and nothing of the rest)."""
import re
from datetime import timedelta

from sqlalchemy import select

from association_tool.consents import services as consents
from association_tool.extensions import db
from association_tool.models import AuditEvent, Goal
from association_tool.network import services as network
from association_tool.tasks.services import create_task
from association_tool.timeutil import local_today

from .factories import login, make_client, make_user, pair

TODAY = local_today()
STAFF_SECTIONS = ("goals", "contacts", "tasks", "errands", "referrals", "meetings", "network", "agreement",
                  "consents", "notifications", "peers", "ending")


def _nav(page: str) -> list[tuple[str, bool]]:
    """The section navigation's links: (address, marked as the current page)."""
    block = re.search(r'<nav class="section-nav[^>]*>(.*?)</nav>', page, re.S)
    assert block, "the page has no section navigation"
    return [(href, bool(current)) for href, current in
            re.findall(r'<a href="([^"]+)"( aria-current="page")?>', block.group(1))]


def _summary(page: str) -> dict[str, str]:
    block = re.search(r'<dl class="client-summary".*?>(.*?)</dl>', page, re.S)
    assert block, "the page has no summary"
    return {dt: re.sub(r"<[^>]+>", "", dd).strip()
            for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block.group(1), re.S)}


def _member(person, name):
    member = network.add_member(person, dict(kind="private", name=name, relation="sisko",
                                             sector="family", ring="inner", involved=True))
    db.session.commit()
    return member


def _consent(person, member, by, **overrides):
    data = dict(kind="share", member_id=member.id, organisation_id=None,
                information=["general"], purpose="Yhteistyö", form="written",
                given_on=TODAY - timedelta(days=10), valid_until=TODAY + timedelta(days=100),
                wording="Annan luvan.", until_relationship_ends=False)
    data.update(overrides)
    consent = consents.record_consent(person, data, by=by)
    db.session.commit()
    return consent


def test_every_section_has_its_own_address_and_the_current_one_is_marked(client, staff):
    person = make_client(display_name="Ruusu")
    login(client, staff)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    links = _nav(page)
    assert links[0] == (f"/clients/{person.id}", True)  # the whole page, where the user is
    assert [href for href, _ in links[1:]] == [
        f"/clients/{person.id}/{'agreement' if s == 'agreement' else s}" for s in STAFF_SECTIONS]
    for href, _ in links[1:]:
        response = client.get(href)
        assert response.status_code == 200, href
        section_page = response.get_data(as_text=True)
        marked = [link for link, current in _nav(section_page) if current]
        assert marked == [href], href
        # The summary is on every section's page too.
        assert "Vastuuhenkilö" in _summary(section_page)


def test_pages_within_a_section_mark_their_section(client, staff):
    person = make_client(display_name="Ruusu")
    goal = Goal(client_id=person.id, text="Oma asunto")
    db.session.add(goal)
    db.session.commit()
    login(client, staff)
    page = client.get(f"/clients/{person.id}/goals/{goal.id}/edit").get_data(as_text=True)
    assert [href for href, current in _nav(page) if current] == [f"/clients/{person.id}/goals"]


def test_a_section_fragment_for_htmx_has_no_head(client, staff):
    person = make_client(display_name="Ruusu")
    login(client, staff)
    fragment = client.get(f"/clients/{person.id}/goals", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert 'class="section-nav' not in text and "client-summary" not in text
    assert 'id="section-goals"' in text


def test_summary_tells_who_guidance_agreement_next_due_and_consents(client, staff, admin):
    backup = make_user(role="staff", name="Varma Varahenkilö")
    person = make_client(display_name="Ruusu", level="intensive", responsible_id=staff.id,
                         backup_id=backup.id)
    create_task(person, title="Soita Kelaan", owner_id=staff.id, due_date=TODAY + timedelta(days=3))
    db.session.commit()
    sister = _member(person, "Sisko Sisar")
    _consent(person, sister, staff)
    withdrawn = _consent(person, sister, staff)
    consents.withdraw(withdrawn, on=TODAY, how="phone", heard_by=staff)
    db.session.commit()
    login(client, staff)
    summary = _summary(client.get(f"/clients/{person.id}").get_data(as_text=True))
    assert summary["Palveluohjauksen taso"] == "Intensiivinen palveluohjaus"
    assert summary["Vastuuhenkilö"] == staff.name
    assert summary["Varavastuuhenkilö"] == "Varma Varahenkilö"
    assert summary["Yhteydenpitosopimus"] == "Ei voimassa olevaa"
    assert "Soita Kelaan" in summary["Seuraavana vuorossa"]
    assert summary["Voimassa olevat suostumukset"] == "1"


def test_summary_shows_a_peer_only_what_the_client_allows(client, staff, peer):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    _consent(person, _member(person, "Sisko Sisar"), staff)
    db.session.add(Goal(client_id=person.id, text="Oma asunto", review_date=TODAY + timedelta(days=2)))
    db.session.commit()
    pair(peer, person, sections=("contacts",))
    login(client, peer)
    summary = _summary(client.get(f"/clients/{person.id}").get_data(as_text=True))
    assert summary["Vastuuhenkilö"] == staff.name
    assert "Yhteydenpitosopimus" not in summary
    assert "Voimassa olevat suostumukset" not in summary
    assert "Seuraavana vuorossa" not in summary  # the goal review is in a section not shared


def test_section_page_logs_the_summary_it_shows(client, staff):
    person = make_client(display_name="Ruusu")
    login(client, staff)
    client.get(f"/clients/{person.id}/tasks")
    seen = db.session.scalars(select(AuditEvent.object_type).where(
        AuditEvent.client_id == person.id, AuditEvent.action == "view",
        AuditEvent.user_id == staff.id)).all()
    assert "client_summary" in seen and "tasks" in seen


# --- a peer supporter ---------------------------------------------------------------------------

HIDDEN = ["Salainen Sisko", "Vuokrarästit ovat kasvaneet", "Kaupungin asuntotoimisto"]


def test_peer_is_told_what_the_client_shares_and_nothing_of_the_rest(client, staff, peer):
    from association_tool.errands import services as errands

    person = make_client(display_name="Ruusu", staff_notes="Vuokrarästit ovat kasvaneet")
    sister = _member(person, "Salainen Sisko")
    _consent(person, sister, staff)
    errands.create_errand(person, dict(about="Kaupungin asuntotoimisto", type="housing",
                                       on=TODAY + timedelta(days=3)), actor=staff)
    db.session.commit()
    pair(peer, person, sections=("goals", "tasks"))
    login(client, peer)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    notice = re.search(r'<div class="notice notice-info peer-notice".*?</div>', page, re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", notice).split())
    assert "Ruusu on halunnut näyttää sinulle nämä tietojensa osat: tavoitteet, seurantatehtävät." in text
    assert "Muita tietoja ei näytetä sinulle. Näin asiakas on itse päättänyt." in text
    # The notice names no hidden section and gives no number.
    for hidden in ("verkosto", "suostum", "asioin", "yhteydenpito", "yhteydenotot"):
        assert hidden not in text.lower(), hidden
    assert not re.search(r"\d", text)
    # The navigation leads only to what is shared.
    assert [href for href, _ in _nav(page)] == [
        f"/clients/{person.id}", f"/clients/{person.id}/goals", f"/clients/{person.id}/tasks"]
    for secret in HIDDEN:
        assert secret not in page, secret
    # The same on the page of a shared section.
    section = client.get(f"/clients/{person.id}/goals").get_data(as_text=True)
    assert "tavoitteet, seurantatehtävät." in section
    for secret in HIDDEN:
        assert secret not in section, secret


def test_peer_with_nothing_shared_is_told_so(client, staff, peer):
    person = make_client(display_name="Ruusu")
    pair(peer, person, sections=())
    login(client, peer)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Ruusu ei ole halunnut näyttää sinulle mitään tietojensa osaa." in page
    assert 'class="section-nav' not in page


def test_staff_see_no_peer_notice(client, staff):
    person = make_client(display_name="Ruusu")
    login(client, staff)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "peer-notice" not in page and "asiakas on itse päättänyt" not in page


def test_contact_details_shared_are_named_in_the_notice(client, staff, peer):
    person = make_client(display_name="Ruusu", phone="040 222")
    pair(peer, person, sections=("goals", "contact_details"))
    login(client, peer)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "nämä tietojensa osat: tavoitteet, asiakkaan yhteystiedot." in page


# --- the role in the header ---------------------------------------------------------------------

def test_the_header_names_the_role_once(client, staff, peer):
    person = make_client(display_name="Ruusu")
    pair(peer, person)
    login(client, peer)
    for path in ("/", f"/clients/{person.id}", f"/clients/{person.id}/goals"):
        page = client.get(path).get_data(as_text=True)
        header = re.search(r"<header class=\"container\">.*?</header>", page, re.S).group(0)
        assert header.count("Kokemusasiantuntija") == 1, path
        assert "Matti Vertainen <small>(Kokemusasiantuntija)</small>" in header


def test_demo_users_are_not_named_after_their_role():
    from association_tool.demo import DEMO_USERS

    peer_names = [name for role, _email, name in DEMO_USERS if role == "peer"]
    assert peer_names and not any("kokemusasiantuntija" in n.lower() for n in peer_names)


# --- wording ------------------------------------------------------------------------------------

def test_the_consent_list_opens_a_consent_with_a_verb(client, staff):
    person = make_client(display_name="Ruusu")
    consent = _consent(person, _member(person, "Sisko Sisar"), staff)
    login(client, staff)
    page = client.get(f"/clients/{person.id}/consents").get_data(as_text=True)
    link = re.search(rf'<a href="/clients/{person.id}/consents/{consent.id}">(.*?)</a>', page).group(1)
    assert link.startswith("Avaa<") and "Sisko Sisar" in link
    staff.locale = "sv"
    db.session.commit()
    page = client.get(f"/clients/{person.id}/consents").get_data(as_text=True)
    link = re.search(rf'<a href="/clients/{person.id}/consents/{consent.id}">(.*?)</a>', page).group(1)
    assert link.startswith("Öppna<")


def test_contact_details_alone_are_still_named_as_shared(client, staff, peer):
    person = make_client(display_name="Ruusu", phone="040 222")
    pair(peer, person, sections=("contact_details",))
    login(client, peer)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "nämä tietojensa osat: asiakkaan yhteystiedot." in page and "040 222" in page
    assert "ei ole halunnut" not in page and 'class="section-nav' not in page


def test_the_next_due_item_links_to_the_item_itself(client, staff):
    person = make_client(display_name="Ruusu", responsible_id=staff.id)
    task = create_task(person, title="Soita Kelaan", owner_id=staff.id, due_date=TODAY + timedelta(days=5))
    db.session.commit()
    login(client, staff)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert f'href="/clients/{person.id}/tasks#task-{task.id}">Soita Kelaan</a>' in page
    goal = Goal(client_id=person.id, text="Oma asunto", review_date=TODAY + timedelta(days=1))
    db.session.add(goal)
    db.session.commit()
    page = client.get(f"/clients/{person.id}/contacts").get_data(as_text=True)
    assert f'href="/clients/{person.id}/goals#goal-{goal.id}">Oma asunto</a>' in page
