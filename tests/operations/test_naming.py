"""The inbound formats' file-naming conventions (ingest.formats.naming): what the inbox matches."""
import pytest

from ingest.formats import FORMATS
from ingest.formats.naming import matches


@pytest.mark.parametrize("convention, name, expected", [
    ("IC_YYYYMMDD.txt", "IC_20250309.txt", True),
    ("IC_YYYYMMDD.txt", "ic_20250309.TXT", True),           # case-insensitive
    ("IC_YYYYMMDD.txt", "IC_2025039.txt", False),           # YYYYMMDD is eight digits
    ("IC_YYYYMMDD.txt", "IC_20250309.txt.part", False),     # the whole name
    ("*Invoice*.csv", "WS_Invoice_0309.csv", True),
    ("*Adjustment*.csv|*Balance*.csv", "daily_balance.csv", True),
    ("*Adjustment*.csv|*Balance*.csv", "payments.csv", False),
    ("", "anything.csv", False),                            # no convention matches nothing
    ("a.b?", "a.bc", True),
    ("a.b?", "axbc", False),                                # '.' is a dot, not any character
])
def test_a_convention_matches_whole_names(convention, name, expected):
    assert matches(convention, name) is expected


def test_every_inbound_format_declares_a_convention_and_no_two_of_a_partner_overlap():
    # a biller's formats are all of its integration's partner: only those must tell names apart
    names = {"incode.invoice.skip_landlord": "UB_Bills_20250309.xml",
             "incode.invoice.include_dashes": "UB_Bills_Dashes_20250309.xml",
             "incode.adjustment": "UB_Adjustments_20250309.csv",
             "incode.adjustment.include_dashes": "UB_Adjustments_Dashes_20250309.csv",
             "watersmart.invoice": "Invoice_20250309.csv", "watersmart.adjustment": "Adjustment_20250309.csv"}
    assert set(names) == set(FORMATS)
    for code, name in names.items():
        partner = FORMATS[code].partner
        assert [c for c, spec in FORMATS.items() if spec.partner == partner and matches(spec.naming, name)] == [code]
