"""Payments, ACH rejects and account changes in the admin: offline entry, void, import
(dry run, then confirm), read-only roles, spreadsheet-safe CSV downloads."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from exports.activity import import_activity
from ledger.models import Account, Payment, PaymentStatus
from tests.shared import shared
from tests.support.activity import make_csv, payment_row

ADD = reverse("admin:ledger_payment_add")
LIST = reverse("admin:ledger_payment_changelist")
IMPORT = reverse("admin:ledger_payment_import")
PROCESS = reverse("admin:ledger_payment_process_import")


def login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def balance(biller, number="1001"):
    return Account.objects.get(biller=biller, account_number=number).current_balance


def offline_form(biller, **values):
    return {"biller": biller.pk, "account_number": "1001", "method": "check", "paid_at_0": "2025-03-09",
            "paid_at_1": "10:00:00", "amount": "25.00", "check_number": "1234", **values}


def test_it_lets_support_enter_an_offline_check_payment(client, watersmart):
    login(client, "support")
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, offline_form(watersmart))
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get()
    assert (payment.offline, payment.status, payment.payment_type_desc, payment.payment_message) == (
        True, PaymentStatus.APPROVED, "Check", "Offline check 1234")
    assert payment.entered_by.username == "support" and payment.customer_name == "Joseph Smith"
    assert balance(watersmart) == Decimal("75.00")


def test_it_names_who_entered_a_payment_without_a_link_to_the_user_record(client, watersmart):
    login(client, "support").post(ADD, offline_form(watersmart))
    payment = Payment.objects.get()
    html = login(client, "auditor").get(reverse("admin:ledger_payment_change", args=[payment.pk])).content.decode()
    assert '<div class="readonly">support</div>' in html
    assert "/admin/auth/user/" not in html


def test_it_refuses_an_account_the_biller_does_not_have(client, watersmart):
    login(client, "support")
    response = client.post(ADD, offline_form(watersmart, account_number="4242"))
    assert response.status_code == 200 and "&#x27;4242&#x27; is not an account of" in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize("username", ["auditor", "im"])
def test_it_keeps_payments_read_only_for_auditors_and_implementation_managers(client, watersmart, username):
    import_activity("payments", watersmart, make_csv("payments", [payment_row()]))
    login(client, username)
    page = client.get(LIST).content.decode()
    assert "g-1" in page and ADD not in page and IMPORT not in page and "void_selected" not in page
    assert client.post(ADD, offline_form(watersmart)).status_code == 403
    assert client.get(IMPORT).status_code == 403
    payment = Payment.objects.get()
    response = client.post(LIST, {"action": "void_selected", "_selected_action": [payment.pk], "confirm": "yes"})
    assert response.status_code in (200, 302)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.APPROVED and balance(watersmart) == Decimal("90.00")


def test_it_voids_after_confirmation_and_restores_the_balance(client, watersmart):
    import_activity("payments", watersmart, make_csv("payments", [
        payment_row(PaymentGUID="ok"), payment_row(PaymentGUID="no", Status="declined")]))
    assert balance(watersmart) == Decimal("90.00")
    login(client, "support")
    selected = list(Payment.objects.values_list("pk", flat=True))
    confirm = client.post(LIST, {"action": "void_selected", "_selected_action": selected})
    assert confirm.status_code == 200 and "Yes, void them" in confirm.content.decode()
    assert Payment.objects.get(payment_guid="ok").status == PaymentStatus.APPROVED
    done = client.post(LIST, {"action": "void_selected", "_selected_action": selected, "confirm": "yes"})
    assert done.status_code == 302
    ok = Payment.objects.get(payment_guid="ok")
    assert (ok.status, ok.balance_lowered, ok.voided_by.username) == (PaymentStatus.VOIDED, False, "support")
    assert Payment.objects.get(payment_guid="no").status == PaymentStatus.DECLINED
    assert balance(watersmart) == Decimal("100.00")
    client.post(LIST, {"action": "void_selected", "_selected_action": selected, "confirm": "yes"})
    assert balance(watersmart) == Decimal("100.00")  # voiding twice restores once


def test_it_imports_through_the_admin_with_a_dry_run_first(client, watersmart):
    login(client, "support")
    text = make_csv("payments", [payment_row(PaymentGUID="a"), payment_row(PaymentGUID="b", AccountNumber="77")])
    upload = {"biller": watersmart.pk, "format": "0", "resource": "0"}
    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = client.post(IMPORT, {**upload, "import_file": SimpleUploadedFile("p.csv", text.encode())})
    page = preview.content.decode()
    assert preview.status_code == 200 and "line 3, AccountNumber: &#x27;77&#x27; is not an account" in page
    assert "Confirm import" in page and not Payment.objects.exists()  # dry run: nothing written
    form = preview.context["confirm_form"]
    confirmed = client.post(PROCESS, {name: form.initial.get(name, "") for name in form.fields}, follow=True)
    assert list(Payment.objects.values_list("payment_guid", flat=True)) == ["a"]
    assert balance(watersmart) == Decimal("90.00")
    messages = [str(m) for m in confirmed.context["messages"]]
    assert "Imported 1 payments." in messages[0] and "line 3, AccountNumber" in messages[1]


def test_it_refuses_a_bad_header_in_the_admin_import(client, watersmart):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, "support")
    response = client.post(IMPORT, {"biller": watersmart.pk, "format": "0", "resource": "0",
                                    "import_file": SimpleUploadedFile("p.csv", b"AccountNumber,Colour\r\n1,2\r\n")})
    assert "unknown column &#x27;Colour&#x27;" in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None


def test_it_downloads_payments_as_csv_safe_for_spreadsheets(client, watersmart):
    payloads = open(shared("corpora", "csv-injection-payloadsallthethings", "payloads.txt")).read().splitlines()
    payloads += open(shared("corpora", "csv-injection-payloadbox", "csv-payload.txt")).read().splitlines()
    rows = [payment_row(PaymentGUID=f"g{i}", CustomerName=p.replace(",", " "), PaymentMessage="-2+3")
            for i, p in enumerate(payloads)]
    assert not import_activity("payments", watersmart, make_csv("payments", rows)).errors
    login(client, "auditor")
    response = client.post(LIST, {"action": "download_csv",
                                  "_selected_action": list(Payment.objects.values_list("pk", flat=True))})
    import csv
    import io

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert response["Content-Disposition"] == 'attachment; filename="payments.csv"'
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'-2+3" in cells and "'" + payloads[1].replace(",", " ") in cells


@pytest.mark.parametrize("model", ["achreject", "accountchange"])
def test_it_lists_rejects_and_changes_read_only_and_lets_support_import_them(client, watersmart, model):
    import_activity("rejects", watersmart, make_csv("rejects", [{
        "TransactionDate": "2025-03-01", "RejectDate": "2025-03-09", "AccountNumber": "1002", "Amount": "5",
        "Code": "R01", "ReferenceNumber": "RN-1"}]))
    import_activity("changes", watersmart, make_csv("changes", [{
        "AccountNumber": "1002", "Kind": "email", "Value": "x@example.com", "At": "2025-03-09T10:00:00Z"}]))
    changelist = reverse(f"admin:ledger_{model}_changelist")
    importing = reverse(f"admin:ledger_{model}_import")
    for username in ["auditor", "im"]:
        login(client, username)
        page = client.get(changelist, {"q": "1002"})
        assert page.status_code == 200 and page.context["cl"].result_count == 1
        assert client.get(importing).status_code == 403
        assert client.get(reverse(f"admin:ledger_{model}_add")).status_code == 403
    login(client, "support")
    assert client.get(importing).status_code == 200
    assert client.get(reverse(f"admin:ledger_{model}_add")).status_code == 403
    client.logout()
    assert client.get(changelist).status_code == 302


def test_the_payment_list_shows_times_in_the_billers_zone(client_for):
    from billers.models import Biller
    from tests.support.activity import make_csv, payment_row

    biller = Biller.objects.get(slug="demo-watersmart")
    Account.objects.get_or_create(biller=biller, account_number="1001", defaults={"customer_name": "J"})
    import_activity("payments", biller, make_csv("payments", [
        payment_row(PaymentGUID="late-evening", PaymentDate="2025-01-21T07:59:59Z")]))
    html = client_for("auditor").get("/admin/ledger/payment/").content.decode()
    assert "2025-01-20 23:59:59 PST" in html
