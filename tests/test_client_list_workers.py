"""The client list's worker filter in an association of hundreds of workers: a list to choose
from up to a hundred workers, and a part of the name to type when there are more."""
from association_tool.extensions import db
from association_tool.models import User
from association_tool.users import WORKERS_LISTED

from .factories import login, make_client, make_user


def _many_workers(staff, count):
    db.session.add_all([User(name=f"Ohjaaja {i:03d}", email=f"o{i}@test.example.org",
                             role="staff", password_hash=staff.password_hash, locale="fi")
                        for i in range(count)])
    db.session.commit()


def test_up_to_a_hundred_workers_are_chosen_from_a_list(client, staff):
    _many_workers(staff, WORKERS_LISTED - 2)  # with the admin and the staff member: 100
    login(client, staff)
    page = client.get("/clients/").get_data(as_text=True)
    assert '<select id="worker" name="worker">' in page and "Ohjaaja 097" in page
    assert 'name="worker_name"' not in page


def test_with_more_workers_a_part_of_the_name_finds_their_clients(client, staff, admin):
    _many_workers(staff, WORKERS_LISTED)
    virtanen = make_user(name="Ville Virtanen")
    theirs = make_client(display_name="Aino Asiakas", responsible_id=virtanen.id)
    backup = make_client(display_name="Bertta Asiakas", backup_id=virtanen.id)
    make_client(display_name="Celia Muu", responsible_id=staff.id)
    login(client, staff)
    page = client.get("/clients/").get_data(as_text=True)
    assert 'name="worker_name"' in page and 'name="worker"' not in page
    assert "Ohjaaja 050" not in page  # the workers are not listed on every page view
    page = client.get("/clients/?worker_name=VIRTAN").get_data(as_text=True)
    assert theirs.display_name in page and backup.display_name in page
    assert "Celia Muu" not in page
    assert 'value="VIRTAN"' in page  # what was typed stays in the field
    # Characters that mean something to LIKE are taken as they are.
    page = client.get("/clients/?worker_name=%25").get_data(as_text=True)
    assert "Aino Asiakas" not in page and "Celia Muu" not in page
    response = client.get("/clients/?worker_name=" + "x" * 500)
    assert response.status_code == 200
