"""Staging's fast paths against their reference paths (branch parse1m): the generated
oversized check against the loop it replaces, `Staged.of` against `Staged(**values)`, one
COPY kept open across batches against a COPY closed after every batch, and the comparison's
count and examples from one query against the records counted in Python."""
from hypothesis import given, settings as hsettings, strategies as st

from ingest import mapping, staging
from ingest.models import StagedRecord
from tests.ingest.test_set_based import loaded, parsed
from tests.support.loadkit import demo  # noqa: F401

PARTS = [(part, [key for key, _ in keys]) for part, keys in mapping._limits_by_part()]
LIMITS = {(part, key): limit for part, keys in mapping._limits_by_part() for key, limit in keys}


def _text(limit):
    return st.one_of(st.none(), st.integers(), st.text(max_size=3),
                     st.integers(limit - 2, limit + 2).map(lambda n: "x" * max(n, 0)))


@st.composite
def records(draw):
    data = {}
    for part, keys in PARTS:
        if draw(st.booleans()):
            continue
        rows = [draw(st.fixed_dictionaries({key: _text(LIMITS.get((part, key), 5)) for key in keys + ["Other"]}))
                for _ in range(draw(st.integers(0, 3)))]
        data[part] = rows if draw(st.booleans()) else (rows[0] if rows else {})
    return data


@hsettings(max_examples=400, deadline=None)
@given(records())
def test_the_generated_oversized_check_answers_as_the_loop(data):
    assert mapping._quick_check()(data) == mapping._any_oversized(data)
    assert bool(mapping.oversized(data)) == mapping._any_oversized(data)


def test_staged_of_makes_the_same_values_as_staged_with_keywords():
    values = dict(load_id=3, seq=7, line=9, status="ok", reason="", errors=[], data={"invoice": {"A": "1"}},
                  account_number="1001", invoice_number="9001", amount=None)
    made, reference = staging.Staged.of(**values), staging.Staged(**values)
    assert {n: getattr(made, n) for n in staging.Staged.__slots__} == \
           {n: getattr(reference, n) for n in staging.Staged.__slots__}


ROWS = [(f"{1000 + n}", f"Name {n}", f"{n}.50", f"{9000 + n}") for n in range(1, 12)] + \
       [("", "No account", "1.00", "9999"), ("1003", "Dup", "x", "9003")]


def staged(load):
    return list(StagedRecord.objects.filter(load=load).order_by("seq").values_list(
        "seq", "line", "status", "errors", "data", "account_number", "invoice_number", "amount",
        "account_action", "invoice_action"))


def test_one_copy_across_batches_stages_what_a_copy_per_batch_stages(demo, tmp_path, settings, monkeypatch):
    """A progress write every batch (the COPY closed and opened again each time) and none until
    the end (one COPY for the file) stage the same records, each once, in file order."""
    settings.INGEST_BATCH_SIZE = 2
    monkeypatch.setattr(staging, "PROGRESS_SECONDS", 0.0)
    every_batch = parsed(tmp_path, "a.csv", ROWS)
    monkeypatch.setattr(staging, "PROGRESS_SECONDS", 1e9)
    one_copy = parsed(tmp_path, "b.csv", ROWS)
    assert every_batch.status == one_copy.status == "parsed"
    a, b = staged(every_batch), staged(one_copy)
    assert [r[0] for r in a] == list(range(1, len(ROWS) + 1)) and a == b
    assert (every_batch.records_count, every_batch.ok_count, every_batch.error_count) == \
           (one_copy.records_count, one_copy.ok_count, one_copy.error_count) == (len(ROWS), len(ROWS) - 2, 2)


def test_the_comparison_counts_more_records_than_its_examples(demo, tmp_path):
    first = loaded(tmp_path, "a.csv", [(f"{1000 + n}", "A", "1.00", f"{9000 + n}") for n in range(30)])
    second = parsed(tmp_path, "b.csv", [(f"{1000 + n}", "A", "1.00", f"{9000 + n}") for n in range(5, 100, 2)])
    previous = set(first.records.values_list("account_number", flat=True))
    now = list(second.records.order_by("seq").values_list("account_number", flat=True))
    missing = [n for n in first.records.order_by("seq").values_list("account_number", flat=True) if n not in now]
    new = [n for n in now if n not in previous]
    assert second.comparison["missing_accounts"] == {"count": len(missing), "examples": missing[:20]}
    assert second.comparison["new_accounts"] == {"count": len(new), "examples": new[:20]}
    assert len(missing) > 0 and len(new) > 20
