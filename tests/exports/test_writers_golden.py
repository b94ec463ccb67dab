"""Every outbound writer and option, byte for byte against tests/exports/golden/<case>/.

The expected files were written once (UPDATE_GOLDEN=1) and then checked by hand against
FORMATS.md section 7; with UPDATE_GOLDEN unset (always in CI) the test only compares."""
import os
from pathlib import Path

import pytest

from exports.writers import get_writer
from tests.support.records import CASES

GOLDEN = Path(__file__).parent / "golden"


def write_case(name):
    code, records, run, options = CASES[name]
    return get_writer(code).write(list(records), run, options)


@pytest.mark.parametrize("name", sorted(CASES))
def test_it_writes_the_golden_files_byte_for_byte(name):
    folder = GOLDEN / name
    files = write_case(name)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for out in files:
            (folder / out.name).write_bytes(out.content)
    expected = sorted(p.name for p in folder.iterdir())
    assert expected, f"{folder} holds no golden file"
    assert sorted(out.name for out in files) == expected
    for out in files:
        assert out.content == (folder / out.name).read_bytes(), out.name
