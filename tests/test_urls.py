"""`record_url` gives the same address as `url_for`, built once per endpoint and page."""
from __future__ import annotations

import pytest
from flask import render_template_string, url_for

from association_tool.urls import RecordUrls, record_url

CASES = [
    ("clients.show", {"client_id": 7}, None),
    ("clients.show", {"client_id": 0}, None),
    ("tasks.section", {"client_id": 123456}, "task-42"),
    ("goals.section", {"client_id": 9}, "goal-1"),
    ("referrals.show", {"client_id": 5, "referral_id": 11}, "follow-up"),
    ("referrals.show", {"referral_id": 11, "client_id": 5}, None),
    # An anchor with characters that must be quoted, and braces that must not be read as a
    # format field.
    ("consents.section", {"client_id": 3}, "ä {x} #/?&%20"),
]


@pytest.mark.parametrize("prefix", ["", "/yhdistys"])
def test_same_address_as_url_for(app, prefix):
    """Every case, twice (the second from what the first built), under the app's own prefix."""
    with app.test_request_context("/", base_url=f"http://localhost{prefix}/"):
        urls = RecordUrls()
        for _round in range(2):
            for endpoint, ids, anchor in CASES:
                assert urls(endpoint, _anchor=anchor, **ids) == \
                    url_for(endpoint, _anchor=anchor, **ids) == \
                    record_url(endpoint, _anchor=anchor, **ids)
        assert url_for("clients.show", client_id=7).startswith(f"{prefix}/")


def test_swapped_ids_land_in_their_own_places(app):
    with app.test_request_context("/"):
        urls = RecordUrls()
        first = urls("referrals.show", client_id=5, referral_id=11)
        second = urls("referrals.show", client_id=11, referral_id=5)
        assert first == url_for("referrals.show", client_id=5, referral_id=11)
        assert second == url_for("referrals.show", client_id=11, referral_id=5)
        assert first != second


def test_values_that_are_not_path_numbers_go_to_url_for(app):
    """A query-string value, a text, a negative number or True: url_for answers, as it would."""
    with app.test_request_context("/"):
        urls = RecordUrls()
        assert urls("clients.index", page=2) == url_for("clients.index", page=2)
        assert urls("clients.index", page=3) == url_for("clients.index", page=3)
        assert urls("clients.index", q="ä b") == url_for("clients.index", q="ä b")
        assert urls("clients.show", client_id=True) == url_for("clients.show", client_id=True)
        assert urls("clients.show", client_id=-1) == url_for("clients.show", client_id=-1)


def test_each_rendering_builds_its_own(app):
    """Templates get a new one for each page: a request under another prefix, in the same app
    context, gets its own addresses."""
    page = "{{ record_url('clients.show', client_id=1) }}"
    with app.test_request_context("/", base_url="http://localhost/a/"):
        assert render_template_string(page) == "/a/clients/1"
    with app.test_request_context("/", base_url="http://localhost/b/"):
        assert render_template_string(page) == "/b/clients/1"


def test_outside_a_request_url_for_answers(app):
    """Without a request (a command, a document rendered in the background) it is url_for."""
    app.config["SERVER_NAME"] = "tupa.example.org"  # what lets url_for build without a request
    with app.app_context():
        assert record_url("clients.show", client_id=4, _anchor="a") == \
            url_for("clients.show", client_id=4, _anchor="a") == \
            "http://tupa.example.org/clients/4#a"
