"""Every table and column declares what anonymising a client does to it (SECURITY.md #31).

A new table or column without a declared fate fails here, by name, so that the next feature
cannot forget the client's right to be forgotten. Declare it in association_tool/lifecycle/fates.py.
"""
from sqlalchemy import Date, DateTime, String, Text, Time

from association_tool.extensions import db
from association_tool.lifecycle.anonymise import client_table_names
from association_tool.lifecycle.fates import (BLANK, CLIENT_TABLES, COUNT_UP, MONTH,
                                              NOT_CLIENT_DATA)

WHERE = "declare it in association_tool/lifecycle/fates.py"


def test_every_table_is_declared_either_as_a_clients_table_or_as_no_clients_data(app):
    undeclared = [t.name for t in db.metadata.sorted_tables
                  if t.name not in CLIENT_TABLES and t.name not in NOT_CLIENT_DATA]
    assert not undeclared, (f"tables without a fate: {', '.join(undeclared)} — {WHERE} "
                            "(CLIENT_TABLES with a fate per column, or NOT_CLIENT_DATA with why)")
    both = set(CLIENT_TABLES) & set(NOT_CLIENT_DATA)
    assert not both, f"declared twice: {', '.join(sorted(both))}"
    gone = (set(CLIENT_TABLES) | set(NOT_CLIENT_DATA)) - set(db.metadata.tables)
    assert not gone, f"fates declared for tables that do not exist: {', '.join(sorted(gone))}"


def test_a_table_that_refers_to_a_client_is_a_clients_table(app):
    wrong = [name for name in client_table_names() if name in NOT_CLIENT_DATA]
    assert not wrong, (f"{', '.join(wrong)} refer to a client through their foreign keys but are "
                       f"declared as no client's data — {WHERE}")
    assert set(client_table_names()) == set(CLIENT_TABLES), (
        "declared as a client's table but not reached from the client by foreign keys: "
        + ", ".join(sorted(set(CLIENT_TABLES) - set(client_table_names()))))


def test_every_column_of_a_clients_table_has_exactly_one_fate(app):
    missing, unknown = [], []
    for name, declared in CLIENT_TABLES.items():
        table = db.metadata.tables[name]
        fates = declared.fates()  # a column under two fates raises here
        missing += [f"{name}.{c.name}" for c in table.c if c.name not in fates]
        unknown += [f"{name}.{c}" for c in fates if c not in table.c]
    assert not missing, f"columns without a fate: {', '.join(missing)} — {WHERE}"
    assert not unknown, f"fates for columns that do not exist: {', '.join(unknown)}"


def test_each_fate_fits_its_column(app):
    for name, declared in CLIENT_TABLES.items():
        table = db.metadata.tables[name]
        for column_name, fate in declared.fates().items():
            column = table.c[column_name]
            where = f"{name}.{column_name}"
            if fate == MONTH:
                assert isinstance(column.type, (Date, DateTime)), f"{where}: not a date"
            if fate == BLANK:
                assert column.nullable or isinstance(column.type, (String, Text)), where
                assert not column.primary_key and not column.foreign_keys, where
            if fate == COUNT_UP:
                assert column_name in ("version", "row_version"), where
            # A time of day is part of what happened when; it goes with the free text.
            if isinstance(column.type, Time):
                assert fate == BLANK, f"{where}: a time of day is emptied"
        if declared.delete_where:
            assert declared.delete_where[0] in table.c, name


def test_the_client_holds_no_name_contact_or_free_text_after_anonymising(app):
    client = CLIENT_TABLES["client"].fates()
    for column in ("display_name", "full_name", "search_text", "phone", "email",
                   "contact_notes", "staff_notes", "referral_note"):
        assert client[column] == BLANK, column
