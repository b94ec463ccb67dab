"""The values writers are made of: plain frozen dataclasses, no database.

`exports.runs` builds them from the models; tests build them directly.
"""
import datetime
from dataclasses import dataclass, fields
from decimal import Decimal

CLOUD_STORE_INVOICE_TYPES = (68, 69)


def from_values(record_class, names):
    """A function values -> record of `record_class` with `names` (every field, in order): the
    same record as `record_class(*values)`, built with one assignment of its attributes
    instead of a frozen dataclass's one `object.__setattr__` per field (exports.runs builds
    one per fetched row)."""
    assert tuple(names) == tuple(f.name for f in fields(record_class))
    new, set_attribute = object.__new__, object.__setattr__

    def build(values):
        record = new(record_class)
        set_attribute(record, "__dict__", dict(zip(names, values)))
        return record
    return build


@dataclass(frozen=True)
class PaymentRecord:
    payment_guid: str
    paid_at: datetime.datetime  # aware
    account_number: str
    amount: Decimal
    status: str  # approved / declined / voided / reversed
    payment_type_id: int  # 1 card, 2 ACH
    offline: bool = False
    card_brand: str = ""
    invoice_type_id: int | None = None
    invoice_number: str = ""
    invoice_guid: str = ""
    customer_name: str = ""
    payment_type_desc: str = ""
    convenience_fee: Decimal | None = None
    payment_reference: str = ""
    payment_message: str = ""
    biller_reference: str = ""
    location_reference: str = ""
    check_number: str = ""

    @property
    def approved(self):
        return self.status == "approved"

    @property
    def cloud_store(self):
        """FORMATS 7.4: approved payments of invoice type 68/69 go only to the Cloud Store file."""
        return self.approved and self.invoice_type_id in CLOUD_STORE_INVOICE_TYPES

    @property
    def sort_key(self):
        return (self.paid_at, self.payment_guid)


@dataclass(frozen=True)
class RejectRecord:
    reference_number: str
    transaction_date: datetime.date
    reject_date: datetime.date
    account_number: str
    amount: Decimal
    code: str
    customer_name: str = ""
    invoice_number: str = ""
    invoice_type: str = ""
    auth_order_number: str = ""
    biller_reference: str = ""

    @property
    def sort_key(self):
        return (self.reject_date, self.reference_number)


@dataclass(frozen=True)
class ChangeRecord:
    account_number: str
    kind: str  # autopay_signup, autopay_cancel, email, phone, paperless_signup, paperless_cancel
    at: datetime.datetime  # aware
    value: str = ""
    sequence: int = 0  # tie-breaker between events at the same instant (the row id)
