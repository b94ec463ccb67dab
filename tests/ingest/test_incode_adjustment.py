"""incode.adjustment and incode.adjustment.include_dashes (FORMATS.md 5.2)."""
import pytest

from ingest.formats import FileRefused, ParseConfig

from tests.support.parsing import errors_of, parse_text

HEADER = "Customer Name, formatted ACCOUNT number ,Service Address,New Balance\n"


def rows(code, body, header=HEADER, **config):
    return parse_text(code, header + body, ParseConfig(**config))


def test_it_finds_the_columns_by_name_whatever_their_position():
    result, records = rows("incode.adjustment", "262.11,x,10-1002-62501\n", header="New Balance,Other,Formatted Account Number\n")
    assert records[0].adjustment == {"RowType": "AR", "AccountNumber": "10100262501",
                                     "AdjustmentAmount": "262.11", "AdjustmentTypeID": 2}
    assert records[0].line == 2


@pytest.mark.parametrize("header, missing", [("Customer Name,New Balance\n", "Formatted Account Number"),
                                             ("Formatted Account Number,Balance\n", "New Balance")])
def test_it_refuses_a_file_whose_header_lacks_a_required_column(header, missing):
    with pytest.raises(FileRefused) as caught:
        rows("incode.adjustment", "1,2\n", header=header)
    assert str(caught.value) == f"the header row has no '{missing}' column"


def test_it_sets_a_blank_balance_to_zero_but_not_a_missing_one():
    result, records = rows("incode.adjustment", "A,10-1,x,\nB,10-2\n")
    assert records[0].adjustment["AdjustmentAmount"] == "0.00" and records[0].status == "ok"
    assert errors_of(records[1]) == {"AdjustmentAmount": "the row has no column 'New Balance'"}


def test_it_rejects_special_characters_in_new_balance():
    result, records = rows("incode.adjustment", 'A,10-1,x,"$1,020.00"\nB,10-2,x,12.345\n')
    assert errors_of(records[0]) == {
        "AdjustmentAmount": "'$1,020.00' has characters other than digits, '.' and a leading '-'"}
    assert errors_of(records[1]) == {"AdjustmentAmount": "'12.345' has more than two decimals"}


def test_it_applies_the_numeric_check_after_removing_dashes():
    result, records = rows("incode.adjustment", "A,BT-12345-01,x,1\n")
    assert records[0].adjustment["AccountNumber"] == "BT1234501"
    assert errors_of(records[0]) == {"AccountNumber": "'BT-12345-01' is not numeric"}


def test_it_keeps_dashes_and_skips_the_numeric_check_only_with_131():
    body = "A,BT-12345-01,x,1\nB,10-#1,x,2\nC,10 1,x,3\n"
    strict = [errors_of(r) for r in rows("incode.adjustment.include_dashes", body)[1]]
    assert strict[0] == {"AccountNumber": "'BT-12345-01' is not numeric"} and strict[1] == {"AccountNumber": "'10-#1' is not numeric"}
    result, records = rows("incode.adjustment.include_dashes", body, skip_numeric_check=True)
    assert [r.status for r in records] == ["ok", "ok", "error"]
    assert records[0].adjustment["AccountNumber"] == "BT-12345-01"
    assert errors_of(records[2]) == {"AccountNumber": "'10 1' has characters other than letters, digits, '-' and '#'"}
    assert result.header["AdjustmentCount"] == 2 and result.header["TotalAdjustmentAmount"] == "3.00"


def test_it_flags_a_second_adjustment_for_the_same_account():
    result, records = rows("incode.adjustment", "A,10-1,x,1\nB,101,x,2\n")
    assert errors_of(records[1]) == {"AccountNumber": "'101' is a duplicate of line 2"}


def test_it_requires_an_account_number():
    result, records = rows("incode.adjustment", "A, ,x,1\n")
    assert errors_of(records[0]) == {"AccountNumber": "required but blank"}
