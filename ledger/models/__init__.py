from ledger.models.accounts import Account, Invoice, InvoiceDetail
from ledger.models.activity import (AccountChange, AchReject, ChangeKind, Payment, PaymentStatus,
                                    PaymentType)
from ledger.models.customers import Customer, CustomerAccount, CustomerSession

__all__ = [
    "Account", "AccountChange", "AchReject", "ChangeKind", "Customer", "CustomerAccount",
    "CustomerSession", "Invoice", "InvoiceDetail", "Payment", "PaymentStatus", "PaymentType",
]
