"""An admin manages users: create, edit, disable, re-enable, reset passwords."""
from association_tool.extensions import db
from association_tool.models import AuditEvent, AuthSession, User
from sqlalchemy import select

from .factories import PASSWORD, make_user

NEW = {"name": "Pekka Vertainen", "email": "pekka@example.org", "phone": "040 123 4567",
       "role": "peer", "locale": "sv", "password": "vertaisen-eka-salasana",
       "password_confirm": "vertaisen-eka-salasana"}


def test_admin_creates_a_peer_supporter(client, auth, admin):
    auth.login(admin)
    response = client.post("/admin/users/new", data=NEW)
    assert response.status_code == 302
    user = db.session.query(User).filter_by(email="pekka@example.org").one()
    assert (user.role, user.locale, user.phone) == ("peer", "sv", "040 123 4567")
    assert user.must_change_password is True
    assert "Pekka Vertainen" in client.get("/admin/users").get_data(as_text=True)


def test_duplicate_email_is_refused_next_to_the_field_with_text_kept(client, auth, admin, staff):
    auth.login(admin)
    response = client.post("/admin/users/new", data=dict(NEW, email=staff.email.upper()))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and 'value="Pekka Vertainen"' in page
    assert 'value="040 123 4567"' in page
    assert db.session.query(User).count() == 2


def test_unknown_role_is_refused(client, auth, admin):
    auth.login(admin)
    response = client.post("/admin/users/new", data=dict(NEW, role="superuser"))
    assert response.status_code == 422
    assert db.session.query(User).filter_by(email=NEW["email"]).count() == 0


def test_edit_user_and_search(client, auth, admin, staff):
    auth.login(admin)
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page
    response = client.post(f"/admin/users/{staff.id}", data={
        "name": "Sanna Uusinimi", "email": staff.email, "phone": "", "role": "staff",
        "locale": "en", "version": "1"})
    assert response.status_code == 302
    assert db.session.get(User, staff.id).name == "Sanna Uusinimi"
    found = client.get("/admin/users?q=uusinimi").get_data(as_text=True)
    assert "Sanna Uusinimi" in found and admin.email not in found
    fragment = client.get("/admin/users?q=uusi", headers={"HX-Request": "true",
                                                          "HX-Target": "user-rows"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<tbody id="user-rows">')


def test_a_stale_edit_is_refused_and_the_typed_text_kept(client, auth, admin, staff):
    auth.login(admin)
    form = {"name": "Ensimmäinen muutos", "email": staff.email, "phone": "", "role": "staff",
            "locale": "fi", "version": "1"}
    assert client.post(f"/admin/users/{staff.id}", data=form).status_code == 302
    late = dict(form, name="Myöhässä tullut muutos")
    response = client.post(f"/admin/users/{staff.id}", data=late)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Myöhässä tullut muutos"' in page
    assert db.session.get(User, staff.id).name == "Ensimmäinen muutos"


def test_disable_and_reenable(client, auth, admin, staff):
    auth.login(admin)
    client.post(f"/admin/users/{staff.id}/active", data={"active": "0"})
    assert db.session.get(User, staff.id).active is False
    client.post(f"/admin/users/{staff.id}/active", data={"active": "1"})
    assert db.session.get(User, staff.id).active is True


def test_the_last_admin_cannot_be_disabled_or_demoted(client, auth, admin):
    auth.login(admin)
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert db.session.get(User, admin.id).active is True
    response = client.post(f"/admin/users/{admin.id}", data={
        "name": admin.name, "email": admin.email, "phone": "", "role": "staff", "locale": "fi",
        "version": str(admin.version)})
    assert response.status_code == 422
    assert db.session.get(User, admin.id).role == "admin"


def test_reset_password_ends_sessions_and_forces_a_change(app, client, auth, admin, staff):
    staff_browser = app.test_client()
    staff_browser.post("/login", data={"email": staff.email, "password": PASSWORD})
    auth.login(admin)
    new = "vaihda-tama-heti-kirjautuessa"
    response = client.post(f"/admin/users/{staff.id}/password",
                           data={"password": new, "password_confirm": new})
    assert response.status_code == 303
    assert db.session.query(AuthSession).filter_by(user_id=staff.id).count() == 0
    assert staff_browser.get("/").status_code == 302
    login = staff_browser.post("/login", data={"email": staff.email, "password": new})
    assert login.headers["Location"] == "/account"


def test_reset_with_a_weak_password_shows_the_error(client, auth, admin, staff):
    auth.login(admin)
    response = client.post(f"/admin/users/{staff.id}/password",
                           data={"password": "lyhyt", "password_confirm": "lyhyt"})
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)


def test_unknown_user_id_gives_a_friendly_404(client, auth, admin):
    auth.login(admin)
    response = client.get("/admin/users/999999")
    assert response.status_code == 404
    assert "<h1>" in response.get_data(as_text=True)


def test_settings_change_the_association_name(client, auth, admin):
    auth.login(admin)
    client.post("/admin/settings", data={"association_name": "Uusi Nimi ry"})
    assert "Uusi Nimi ry" in client.get("/").get_data(as_text=True)
    response = client.post("/admin/settings", data={"association_name": ""})
    assert response.status_code == 422


def test_users_created_from_factories_can_sign_in(client, auth):
    make_user(role="admin")
    peer = make_user(role="peer")
    assert auth.login(peer).status_code == 302


def test_a_lost_laptop_is_signed_out_on_every_device(app, client, auth, admin, staff):
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": staff.email, "password": PASSWORD})
        assert device.get("/").status_code == 200
    auth.login(admin)
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert f'action="/admin/users/{staff.id}/sessions/end"' in page
    response = client.post(f"/admin/users/{staff.id}/sessions/end")
    assert response.status_code == 303
    assert db.session.query(AuthSession).filter_by(user_id=staff.id).count() == 0
    for device in (laptop, phone):
        assert device.get("/").status_code == 302
    assert client.get("/").status_code == 200  # the admin's own session is untouched
    # The password still works: only the sessions ended.
    assert laptop.post("/login", data={"email": staff.email,
                                       "password": PASSWORD}).status_code == 302
    details = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(staff.id),
        AuditEvent.action == "update")).all()
    assert details == ["all sessions ended by admin"]


def test_only_an_admin_signs_others_out(app, client, auth, admin, staff):
    admin_browser = app.test_client()
    admin_browser.post("/login", data={"email": admin.email, "password": PASSWORD})
    auth.login(staff)
    assert client.post(f"/admin/users/{admin.id}/sessions/end").status_code == 403
    assert db.session.query(AuthSession).filter_by(user_id=admin.id).count() == 1
    assert admin_browser.get("/").status_code == 200
