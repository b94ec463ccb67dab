from exports.models.runs import (CarriedChange, CarriedPayment, CarriedReject, ExportFile, ExportRun,
                                 RunStatus, Trigger)

__all__ = ["CarriedChange", "CarriedPayment", "CarriedReject", "ExportFile", "ExportRun", "RunStatus", "Trigger"]
