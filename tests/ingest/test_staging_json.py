"""Staging's JSON text (ingest.setbased.json_text, orjson with json.dumps for what orjson
refuses) gives the values json.dumps gives, on hypothesis input and on the naughty strings."""
import json

import pytest
from django.db import connection
from hypothesis import given, settings, strategies as st

from ingest.setbased import json_text
from tests.shared import shared

TEXT = st.text(st.characters(blacklist_categories=("Cs",)))   # no lone surrogates: files decode strictly
SCALARS = st.none() | st.booleans() | st.integers() | TEXT
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                      max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(VALUES.filter(lambda value: value is not None))   # None is NULL, not JSON
def test_the_json_text_reads_back_as_json_dumps_does(value):
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


def test_what_orjson_refuses_is_written_by_json_dumps():
    for value in ({1: "a"}, [2**70], {"n": -(2**65)}):
        assert json_text(value) == json.dumps(value)
    assert json_text(None) is None and json_text([]) == "[]"


def naughty():
    return json.loads(shared("corpora", "big-list-of-naughty-strings", "blns.json").read_text("utf-8"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the JSON text is read as jsonb on PostgreSQL only")
@pytest.mark.django_db
def test_postgresql_reads_the_json_text_as_the_same_jsonb():
    values = [{"customer": {"CustomerName": s, "Address2": None}, "details": [{"n": 1}]}
              for s in naughty() if "\x00" not in s]
    with connection.cursor() as cursor:
        for value in values:
            cursor.execute("SELECT %s::jsonb = %s::jsonb", [json_text(value), json.dumps(value)])
            assert cursor.fetchone()[0], value
