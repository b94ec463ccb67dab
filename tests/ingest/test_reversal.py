"""Load reversal (issue 15): what it restores, when it is refused, who may do it, and that the
admin page, the command and the pipeline give the same answer (ingest.actions.decide)."""
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billers.models import Biller
from ledger.models import Account, Payment
from ingest import pipeline, reversal
from ingest.lifecycle import FourEyesRefused, PermissionRefused, Refused
from ingest.models import AccountImage, BeforeImage, InvoiceImage, Load, LoadStatus
from tests.shared import shared
from tests.support.reversals import ledger_rows, loaded, reversed_now, user

INVOICE = "incode.invoice.include_dashes"
ADJUSTMENT = "incode.adjustment.include_dashes"
SAMPLE = open(shared("samples", "incode_invoice.xml"), encoding="utf-8").read()


def first_block(text):
    return re.search(r"<account>.*?</account>\n", text, re.S).group(0)


def second_file():
    """The sample with account 62501's first detail amount and name changed, and a new account."""
    text = SAMPLE.replace("0000045.67", "0000055.67", 1).replace("SMITH JOHN A", "SMITH JOHN B", 1)
    new = first_block(SAMPLE).replace("10-1002-62501", "10-1002-62599").replace("SMITH JOHN A", "NEW PERSON")
    return text.replace("</Incode_UB_Bills>", new + "</Incode_UB_Bills>")


ADJUSTMENTS = ("Customer Name,Formatted Account Number,Service Address,New Balance\n"
               "SMITH JOHN B,10-1002-62501,1234 MAIN ST,1.00\n"
               "NEW PERSON,10-1002-62599,1234 MAIN ST,2.50\n")


@pytest.fixture
def incode(demo):
    return Biller.objects.get(slug="demo-incode")


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("reverse_load", *[str(a) for a in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue().strip()


def login(username):
    client = Client()
    client.force_login(user(username))
    return client


def reverse_url(load):
    return reverse("admin:ingest_load_reverse", args=[load.pk])


def test_reversing_an_adjustment_load_then_an_invoice_load_restores_every_row(incode):
    empty = ledger_rows(incode)
    first = loaded(incode, INVOICE, SAMPLE, "first.xml")
    before_second = ledger_rows(incode)
    second = loaded(incode, INVOICE, second_file(), "second.xml")
    before_third = ledger_rows(incode)
    third = loaded(incode, ADJUSTMENT, ADJUSTMENTS, "adjust.csv")
    after = ledger_rows(incode)
    # each load changed the ledger: accounts, invoices, detail lines, balances
    assert len(before_third["accounts"]) == len(before_second["accounts"]) + 1
    assert before_third["details"] != before_second["details"]
    assert {a["account_number"]: a["current_balance"] for a in after["accounts"]}["10-1002-62599"] == Decimal("2.50")

    third = reversed_now(third, reason="balances from the wrong day")
    assert third.status == LoadStatus.REVERSED and third.failure == ""
    assert ledger_rows(incode) == before_third
    second = reversed_now(second)
    assert second.status == LoadStatus.REVERSED
    assert ledger_rows(incode) == before_second
    assert reversed_now(first).status == LoadStatus.REVERSED
    assert ledger_rows(incode) == empty

    # the event and the load name who, when and why
    event = third.events.order_by("-pk").first()
    assert event.to_status == "reversed" and event.user.username == "support"
    assert "requested by support, confirmed by support: balances from the wrong day" in event.note
    assert third.reversed_at is not None and third.reversal_requested_by.username == "support"

    # a reversed load's file may be loaded again: it is no duplicate any more
    again = loaded(incode, INVOICE, SAMPLE, "first-again.xml")
    assert again.duplicate_of is None and ledger_rows(incode)["accounts"] != []


def test_only_rows_that_existed_get_an_image_the_others_are_those_the_load_created(incode):
    first = loaded(incode, INVOICE, SAMPLE, "first.xml")
    assert first.before_images_taken and not AccountImage.objects.filter(load=first).exists()
    assert not InvoiceImage.objects.filter(load=first).exists() and not BeforeImage.objects.exists()
    assert reversal.refusal(first) is None
    second = loaded(incode, INVOICE, second_file(), "second.xml")
    accounts = set(Account.objects.filter(biller=incode).values_list("account_number", flat=True))
    imaged = set(AccountImage.objects.filter(load=second).values_list("account_number", flat=True))
    created = [key for keys in reversal.created_keys(second, BeforeImage.ACCOUNT, 2) for key in keys]
    assert created == ["10-1002-62599"] and imaged == accounts - set(created)
    assert reversal.restore(second)["accounts"] == {"restored": len(imaged), "deleted": 1}


def test_it_refuses_to_reverse_a_load_whose_accounts_a_later_load_changed_and_names_them(incode):
    loaded(incode, INVOICE, SAMPLE, "first.xml")
    second = loaded(incode, INVOICE, second_file(), "second.xml")
    third = loaded(incode, ADJUSTMENT, ADJUSTMENTS, "adjust.csv")
    rows = ledger_rows(incode)
    message = f"2 accounts by later loads {third.pk} (10-1002-62501, 10-1002-62599)"

    with pytest.raises(Refused) as caught:
        pipeline.reverse(second, user("support"), "wrong file")
    assert message in str(caught.value)
    code, out, err = command(second.pk, "--user", "support", "--reason", "wrong file")
    assert code == 2 and message in err and "\n" not in err
    page = login("support").get(reverse("admin:ingest_load_change", args=[second.pk])).content.decode()
    assert "Reverse</span>" in page and message in page and reverse_url(second) not in page
    second.refresh_from_db()
    assert second.status == LoadStatus.LOADED and ledger_rows(incode) == rows

    # once the later load is reversed, the earlier one may be
    reversed_now(third)
    assert reversed_now(second).status == LoadStatus.REVERSED


def test_a_payment_after_the_load_refuses_its_reversal_in_the_task_too(incode):
    load = loaded(incode, INVOICE, SAMPLE, "first.xml")
    confirmed = pipeline.reverse(load, user("support"), "wrong file")     # no four eyes: confirmed at once
    assert confirmed.status == LoadStatus.REVERSAL_CONFIRMED
    account = Account.objects.get(biller=incode, account_number="10-1002-62503")
    Payment.objects.create(biller=incode, account=account, payment_guid="p-1", paid_at=timezone.now(),
                           payment_type_id=1, amount=Decimal("10.00"), status="approved")
    rows = ledger_rows(incode)
    done = pipeline.run_reversal(load.pk, user("support").pk)
    assert done.status == LoadStatus.LOADED
    assert done.failure.startswith("reversal refused: ") and "1 account by payments (10-1002-62503)" in done.failure
    assert ledger_rows(incode) == rows


def test_auditors_and_users_without_reverse_load_are_refused_everywhere_with_the_same_reason(incode):
    load = loaded(incode, INVOICE, SAMPLE, "first.xml")
    for username in ("auditor", "im"):
        reason = f"{username} may not reverse loads"
        with pytest.raises(PermissionRefused, match=reason):
            pipeline.reverse(load, user(username), "wrong file")
        client = login(username)
        assert reverse_url(load) not in client.get(reverse("admin:ingest_load_change", args=[load.pk])).content.decode()
        for response in (client.get(reverse_url(load)), client.post(reverse_url(load), {"reason": "x"})):
            assert response.status_code == 403 and reason in response.content.decode()
        code, _, err = command(load.pk, "--user", username, "--reason", "wrong file")
        assert code == 2 and err == reason
    load.refresh_from_db()
    assert load.status == LoadStatus.LOADED and load.events.count() == 6  # upload .. loaded, nothing since


def test_a_reversal_needs_a_reason(incode):
    load = loaded(incode, INVOICE, SAMPLE, "first.xml")
    with pytest.raises(Refused, match="a reversal needs a reason"):
        pipeline.reverse(load, user("support"), "  ")
    response = login("support").post(reverse_url(load), {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    code, _, err = command(load.pk, "--user", "support")
    assert code == 2 and err == "a reversal needs a reason"
    load.refresh_from_db()
    assert load.status == LoadStatus.LOADED


def test_on_a_four_eyes_biller_one_person_requests_and_another_confirms(incode):
    load = loaded(incode, INVOICE, SAMPLE, "first.xml")
    Biller.objects.filter(pk=incode.pk).update(requires_second_approver=True)
    support = login("support")
    response = support.post(reverse_url(load), {"reason": "file of the wrong cycle"})
    assert response.status_code == 302
    load.refresh_from_db()
    assert load.status == LoadStatus.REVERSAL_REQUESTED and load.reversal_requested_by.username == "support"
    assert Account.objects.filter(biller=incode).exists()   # nothing restored yet

    reason = "demo-incode requires a second person: support requested this reversal and cannot confirm it"
    with pytest.raises(FourEyesRefused) as caught:
        pipeline.reverse(load, user("support"))
    assert str(caught.value) == reason
    response = support.post(reverse_url(load))
    assert response.status_code == 403 and reason in response.content.decode()
    code, _, err = command(load.pk, "--user", "support")
    assert code == 2 and err == reason
    page = support.get(reverse("admin:ingest_load_change", args=[load.pk])).content.decode()
    assert "Confirm reversal</span>" in page and reason in page
    home = login("support2").get(reverse("admin:index")).content.decode()
    waiting = home[home.index('id="panel-waiting"'):]
    waiting = waiting[:waiting.index("</div>")]
    assert f"{load.pk} first.xml" in waiting and "a second person to confirm its reversal" in waiting
    assert "requested by support: file of the wrong cycle" in waiting

    code, out, err = command(load.pk, "--user", "support2")
    assert code == 0, err
    assert json.loads(out[-1]) == {"load": load.pk, "status": "reversed"}
    load.refresh_from_db()
    assert load.reversal_confirmed_by.username == "support2" and not Account.objects.filter(biller=incode).exists()
    notes = [(e.to_status, e.user.username if e.user else None) for e in load.events.order_by("pk")][-4:]
    assert notes == [("reversal_requested", "support"), ("reversal_confirmed", "support2"),
                     ("reversing", "support2"), ("reversed", "support2")]
    history = support.get(reverse("admin:ingest_load_history", args=[load.pk])).content.decode()
    assert "file of the wrong cycle" in history and "support2" in history


def test_the_snapshot_costs_the_same_queries_whatever_the_number_of_records(incode):
    def queries(count, name):
        accounts = "".join(f"N{n},10-9{count:03d}-{n:05d},1 ST,{n}.00\n" for n in range(count))
        Account.objects.bulk_create(Account(biller=incode, account_number=f"10-9{count:03d}-{n:05d}")
                                    for n in range(count))
        text = "Customer Name,Formatted Account Number,Service Address,New Balance\n" + accounts
        load = pipeline.upload(incode, ADJUSTMENT, ContentFile(text.encode(), name=name), user("support"))
        load = pipeline.parse_load(load.pk)
        assert load.ok_count == count
        with CaptureQueriesContext(connection) as captured:
            reversal.snapshot_before(load)
        assert AccountImage.objects.filter(load=load).count() == count
        return len(captured)

    assert queries(5, "a.csv") == queries(150, "b.csv")   # one batch each (SQLite: <= 999 parameters)


def test_it_does_not_reverse_a_load_twice_or_one_that_is_not_loaded(incode):
    load = loaded(incode, INVOICE, SAMPLE, "first.xml")
    reversed_now(load)
    with pytest.raises(Refused, match=f"load {load.pk} is reversed; only a loaded load can be reversed"):
        pipeline.reverse(load, user("support"), "again")
    assert Load.objects.get(pk=load.pk).events.filter(to_status="reversed").count() == 1


def test_a_requested_reversal_can_be_cancelled_and_requested_again(incode):
    load = loaded(incode, INVOICE, SAMPLE, "first.xml")
    Biller.objects.filter(pk=incode.pk).update(requires_second_approver=True)
    rows = ledger_rows(incode)
    pipeline.reverse(load, user("support"), "wrong cycle")
    cancel = reverse("admin:ingest_load_cancel_reversal", args=[load.pk])
    assert login("auditor").post(cancel).status_code == 403
    page = login("support2").get(reverse("admin:ingest_load_change", args=[load.pk])).content.decode()
    assert f'href="{cancel}"' in page
    assert login("support2").post(cancel).status_code == 302
    load.refresh_from_db()
    assert load.status == LoadStatus.LOADED and load.reversal_requested_by is None and ledger_rows(incode) == rows
    event = load.events.order_by("-pk").first()
    assert (event.from_status, event.to_status, event.user.username) == ("reversal_requested", "loaded", "support2")
    assert event.note == "reversal cancelled (requested by support: wrong cycle)"
    code, _, err = command(load.pk, "--user", "support", "--cancel")
    assert code == 2 and err == f"load {load.pk} is loaded; only a requested reversal can be cancelled"

    pipeline.reverse(load, user("support2"), "wrong cycle after all")
    code, out, err = command(load.pk, "--user", "support2", "--cancel")
    assert code == 0 and json.loads(out[-1]) == {"load": load.pk, "status": "loaded"}
