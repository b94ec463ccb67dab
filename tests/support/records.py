"""Writer inputs for the golden tests: plain records, no database."""
import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from exports.writers import ChangeRecord, PaymentRecord, RejectRecord, RunInfo

LA = ZoneInfo("America/Los_Angeles")
CHICAGO = ZoneInfo("America/Chicago")
UTC = datetime.timezone.utc


def at(zone, *args, fold=0):
    return datetime.datetime(*args, tzinfo=zone, fold=fold)


def payment(guid, paid_at, amount, status="approved", type_id=1, **extra):
    return PaymentRecord(payment_guid=guid, paid_at=paid_at, account_number=extra.pop("account", "1001"),
                         amount=Decimal(amount), status=status, payment_type_id=type_id, **extra)


def run_info(zone, business_date, created_at, run_id=42):
    return RunInfo(run_id, created_at, business_date, zone)


# WaterSmart, America/Los_Angeles, business date 2025-03-09 (clocks go forward at 02:00).
WS_RUN = run_info(LA, datetime.date(2025, 3, 9), at(LA, 2025, 3, 10, 6, 0, 0))
WS_PAYMENTS = [
    payment("ws-0004", at(LA, 2025, 3, 9, 23, 59, 59), "80.00", type_id=2, payment_type_desc="ACH",
            customer_name="Line\r\nBreak\nName", invoice_number="5001", invoice_guid="inv-guid-1",
            payment_message="PAYMENT PROCESSED 614811", payment_reference="ref-4"),
    payment("ws-0001", at(LA, 2025, 3, 9, 0, 0, 1), "25.5", card_brand="VISA", payment_type_desc="Credit Card",
            customer_name="Smith, Joseph A.", convenience_fee=Decimal("1.95"), payment_message="Approved 000518",
            payment_reference="ref-1", biller_reference="front, desk", location_reference="main"),
    payment("ws-0003", at(LA, 2025, 3, 9, 3, 30, 0), "120.00", card_brand="AMEX", payment_type_desc="Credit Card",
            customer_name="Ann Example", payment_message="Approved 000777"),
    payment("ws-0002", at(LA, 2025, 3, 9, 3, 30, 0), "5.00", card_brand="MASTERCARD", status="declined",
            payment_type_desc="Credit Card", customer_name="Bob, Jr.", payment_message="Declined 05"),
    payment("ws-0005", at(LA, 2025, 3, 9, 9, 15, 0), "60.00", type_id=2, offline=True, payment_type_desc="Check",
            check_number="1234", payment_message="Offline check 1234", customer_name="Carol Check"),
    payment("ws-0006", at(LA, 2025, 3, 9, 10, 0, 0), "9.99", card_brand="VISA", invoice_type_id=68,
            customer_name="Cloud Store Buyer", payment_message="Approved 000999"),
]

# the day clocks go back: 01:30 happens twice (PDT, then PST)
WS_FALL_RUN = run_info(LA, datetime.date(2025, 11, 2), at(LA, 2025, 11, 3, 6, 0, 0), run_id=43)
WS_FALL_PAYMENTS = [
    payment("fall-b", at(LA, 2025, 11, 2, 1, 30, 0, fold=1), "2.00", customer_name="Second 0130 (PST)"),
    payment("fall-a", at(LA, 2025, 11, 2, 1, 30, 0, fold=0), "1.00", customer_name="First 0130 (PDT)"),
]

WS_REJECTS = [
    RejectRecord("RN-2", datetime.date(2025, 3, 3), datetime.date(2025, 3, 9), "1002", Decimal("45"), "R01",
                 customer_name="Doe, Jane", invoice_number="5002", invoice_type="1", auth_order_number="AO-2",
                 biller_reference="note\nwith break"),
    RejectRecord("RN-1", datetime.date(2025, 3, 1), datetime.date(2025, 3, 9), "1001", Decimal("12.5"), "R03",
                 customer_name="Smith, Joseph A.", invoice_number="5001", invoice_type="1", auth_order_number="AO-1"),
    RejectRecord("RN-0", datetime.date(2025, 2, 27), datetime.date(2025, 3, 8), "1003", Decimal("0"), "R02"),
]

WS_CHANGES = [
    ChangeRecord("1002", "email", at(LA, 2025, 3, 9, 8, 0, 0), "old@example.com", sequence=1),
    ChangeRecord("1002", "email", at(LA, 2025, 3, 9, 17, 45, 0), "new@example.com", sequence=2),
    ChangeRecord("1002", "autopay_signup", at(LA, 2025, 3, 9, 0, 0, 1), sequence=3),
    ChangeRecord("1001", "phone", at(LA, 2025, 3, 9, 23, 59, 59), "555-0100", sequence=4),
    ChangeRecord("1001", "paperless_signup", at(LA, 2025, 3, 9, 3, 0, 0), sequence=5),
    ChangeRecord("1001", "paperless_cancel", at(LA, 2025, 3, 9, 3, 0, 0), sequence=6),
    ChangeRecord("1003", "autopay_cancel", at(LA, 2025, 3, 8, 12, 0, 0), sequence=7),
]

# Tyler Incode, America/Chicago, business date 2025-03-09
IC_RUN = run_info(CHICAGO, datetime.date(2025, 3, 9), at(CHICAGO, 2025, 3, 10, 6, 0, 0), run_id=77)
IC_PAYMENTS = [
    payment("ic-1", at(CHICAGO, 2025, 3, 9, 23, 59, 59), "100.00", account="10100262501",
            payment_message="Approved 000518"),
    payment("ic-2", at(CHICAGO, 2025, 3, 9, 0, 0, 1), "50.25", account="10100262502", type_id=2,
            payment_message="PAYMENT PROCESSED, 614811"),
    payment("ic-3", at(CHICAGO, 2025, 3, 9, 9, 0, 0), "20.00", account="10100262503", type_id=2, offline=True,
            payment_message="Offline cash"),
    payment("ic-4", at(CHICAGO, 2025, 3, 9, 10, 0, 0), "30.00", account="10100262504", status="declined",
            payment_message="Declined\r\n51"),
    payment("ic-5", at(CHICAGO, 2025, 3, 9, 11, 0, 0), "31.00", account="10100262505", status="voided",
            payment_message="Voided"),
    payment("ic-6", at(CHICAGO, 2025, 3, 9, 12, 0, 0), "32.00", account="10100262506", type_id=2,
            status="reversed", payment_message="Reversed R01"),
    payment("ic-7", at(CHICAGO, 2025, 3, 9, 13, 0, 0), "15.00", account="10100262507", invoice_type_id=68,
            payment_message="Approved 000600"),
    payment("ic-8", at(CHICAGO, 2025, 3, 9, 14, 0, 0), "16.00", account="10100262508", invoice_type_id=69,
            payment_message="Approved 000601"),
    payment("ic-9", at(CHICAGO, 2025, 3, 9, 15, 0, 0), "17.00", account="10100262509", invoice_type_id=69,
            status="declined", payment_message="Declined 05"),
    payment("ic-0", at(CHICAGO, 2025, 3, 9, 0, 0, 1), "1.00", account="10100262500", invoice_type_id=42,
            payment_message="Approved 000001"),
]

# name -> (format code, records, run, options)
CASES = {
    "watersmart.payments": ("watersmart.payments", WS_PAYMENTS, WS_RUN, {"split": False}),
    "watersmart.payments.split": ("watersmart.payments", WS_PAYMENTS, WS_RUN, {"split": True}),
    "watersmart.payments.empty": ("watersmart.payments", [], WS_RUN, {"split": False}),
    "watersmart.payments.split.empty": ("watersmart.payments", [], WS_RUN, {"split": True}),
    "watersmart.payments.fall_back": ("watersmart.payments", WS_FALL_PAYMENTS, WS_FALL_RUN, {}),
    "watersmart.rejects": ("watersmart.rejects", WS_REJECTS, WS_RUN, {}),
    "watersmart.rejects.empty": ("watersmart.rejects", [], WS_RUN, {}),
    "watersmart.changelog": ("watersmart.changelog", WS_CHANGES, WS_RUN, {}),
    "watersmart.changelog.empty": ("watersmart.changelog", [], WS_RUN, {}),
    "incode.payments": ("incode.payments", IC_PAYMENTS, IC_RUN, {}),
    "incode.payments.empty": ("incode.payments", [], IC_RUN, {}),
    "incode.payments.approved_offline": ("incode.payments.approved_offline", IC_PAYMENTS, IC_RUN, {}),
    "incode.payments.approved_offline.empty": ("incode.payments.approved_offline", [], IC_RUN, {}),
    "incode.payments.cloudstore": ("incode.payments.cloudstore", IC_PAYMENTS, IC_RUN, {}),
    "incode.payments.cloudstore.empty": ("incode.payments.cloudstore", [], IC_RUN, {}),
}
