from exports.models.activity import (AccountChange, AchReject, ChangeKind, Payment, PaymentStatus,
                                     PaymentType)
from exports.models.runs import (CarriedChange, CarriedPayment, CarriedReject, ExportFile, ExportRun,
                                 RunStatus, Trigger)

__all__ = [
    "AccountChange", "AchReject", "CarriedChange", "CarriedPayment", "CarriedReject", "ChangeKind",
    "ExportFile", "ExportRun", "Payment", "PaymentStatus", "PaymentType", "RunStatus", "Trigger",
]
