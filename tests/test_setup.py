"""First-run setup: every page leads to it until an admin exists, then it is gone."""
from association_tool.models import Setting, User
from association_tool.extensions import db

GOOD = {
    "association_name": "Toivon Tupa ry",
    "name": "Aino Pääkäyttäjä",
    "email": "Aino@Toivontupa.example.org",
    "password": "kolme-eri-sanaa-riittaa",
    "password_confirm": "kolme-eri-sanaa-riittaa",
    "locale": "fi",
}


def test_every_page_leads_to_setup_while_no_user_exists(client):
    for path in ("/", "/login", "/admin/users", "/account"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup")


def test_setup_creates_the_association_and_signs_the_admin_in(client):
    response = client.post("/setup", data=GOOD, follow_redirects=True)
    assert response.status_code == 200
    admin = db.session.query(User).one()
    assert admin.role == "admin" and admin.email == "aino@toivontupa.example.org"
    assert admin.must_change_password is False
    assert db.session.get(Setting, "association_name").value == "Toivon Tupa ry"
    assert "Toivon Tupa ry" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # signed in


def test_setup_is_gone_once_an_admin_exists(client):
    client.post("/setup", data=GOOD)
    assert client.get("/setup").status_code == 404
    again = dict(GOOD, email="toinen@toivontupa.example.org")
    assert client.post("/setup", data=again).status_code == 404
    assert db.session.query(User).count() == 1


def test_setup_with_bad_input_keeps_what_was_typed(client):
    bad = dict(GOOD, email="not-an-address", password="short", password_confirm="short")
    response = client.post("/setup", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Toivon Tupa ry"' in page and 'value="Aino Pääkäyttäjä"' in page
    assert 'value="not-an-address"' in page
    assert 'aria-invalid="true"' in page
    assert db.session.query(User).count() == 0


def test_setup_refuses_a_common_password(client):
    weak = dict(GOOD, password="salasana12345678", password_confirm="salasana12345678")
    response = client.post("/setup", data=weak)
    assert db.session.query(User).count() == 0
    assert 'id="password-error"' in response.get_data(as_text=True)
