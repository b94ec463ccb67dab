"""The demo data of DESIGN.md: three billers, their configuration, one user per role.

`seed_demo` is idempotent: a second run changes nothing (and so writes no history rows).
"""
import datetime
import json
import uuid

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.db import transaction

from billers.models import (AdvancedSetting, BifCustomization, BifFeature, Biller, BillerFileFormat,
                            BillerSetting, FileFormat)
from billers.catalog import sync_catalogue
from billers.format_options import validate_options
from billers.reference_data import load_reference_data
from icportal.roles import AUDITOR, IMPLEMENTATION_MANAGER, SUPPORT

DEMO_PASSWORD = "demo"
DEMO_USERS = [("im", IMPLEMENTATION_MANAGER), ("support", SUPPORT), ("support2", SUPPORT), ("auditor", AUDITOR)]

INCODE_131 = {"TylerIncode": {"AdjustmentConfigs": {"SkipNumericCheck": True},
                              "InvoiceConfigs": {"UseBillingAddress": True}}}
INCODE_INBOUND = ["incode.invoice.skip_landlord", "incode.invoice.include_dashes",
                  "incode.adjustment", "incode.adjustment.include_dashes"]

# BIF values as each seed lists them: feature -> (source, value or rule)
WATERSMART_BIF = {
    "AchServiceFee": ("na", ""),
    "AllowPartialPayments": ("questionnaire", "yes"),
    "AutoPayCollectionDate": ("questionnaire", "0"),
    "BalanceForward": ("required", "yes"),
    "CreditCardServiceFee": ("na", ""),
    "FirstNotifyRequestedDate": ("questionnaire", "-10"),
    "InvoiceDate": ("invoice_file", ""),
    "InvoiceDueDate": ("invoice_file", ""),
    "InvoiceFormatGuid": ("na", ""),
    "InvoiceTypeID": ("invoice_file", ""),
    "LateFeeDate": ("na", ""),
    "LocationReference": ("na", ""),
    "MinimumAmountDue": ("questionnaire", "5.00"),
    "PaymentExpirationDate": ("questionnaire", "60"),
    "PaymentExpirationMessage": ("questionnaire", "This bill can no longer be paid online; please call the utility."),
    "PromptPayExpirationDate": ("na", ""),
    "RegistrationValue": ("na", ""),
    "SecondNotifyRequestedDate": ("questionnaire", "-5"),
    "ThirdNotifyRequestedDate": ("questionnaire", "-1"),
}
INCODE_BIF = {
    "AchServiceFee": ("na", ""),
    "AllowPartialPayments": ("questionnaire", "yes"),
    "AutoPayCollectionDate": ("questionnaire", "-2"),
    "BalanceForward": ("questionnaire", "no"),
    "CreditCardServiceFee": ("na", ""),
    "FirstNotifyRequestedDate": ("questionnaire", "-7"),
    "InvoiceDate": ("invoice_file", ""),
    "InvoiceDueDate": ("invoice_file", ""),
    "InvoiceFormatGuid": ("questionnaire", "{guid}"),
    "InvoiceTypeID": ("na", ""),
    "LateFeeDate": ("rule", "InvoiceDueDate + 1 day"),
    "LocationReference": ("na", ""),
    "MinimumAmountDue": ("na", ""),
    "PaymentExpirationDate": ("na", ""),
    "PaymentExpirationMessage": ("na", ""),
    "PromptPayExpirationDate": ("na", ""),
    "RegistrationValue": ("na", ""),
    "SecondNotifyRequestedDate": ("questionnaire", "-3"),
    "ThirdNotifyRequestedDate": ("questionnaire", "-1"),
}

DEMO_BILLERS = [
    dict(slug="demo-watersmart", name="Demo WaterSmart Utility", integration="watersmart",
         time_zone="America/Los_Angeles",
         formats={"watersmart.invoice": {}, "watersmart.adjustment": {}, "watersmart.payments": {"split": False},
                  "watersmart.rejects": {}, "watersmart.changelog": {}},
         settings={29: "1"}, bif=WATERSMART_BIF),
    dict(slug="demo-incode", name="Demo Incode Utility", integration="incode", time_zone="America/Chicago",
         formats={**{code: {} for code in INCODE_INBOUND},
                  "incode.invoice.skip_landlord": {"landlord_marker": 'Landlord="Y"'},
                  "incode.payments.approved_offline": {}, "incode.payments.cloudstore": {}},
         settings={131: json.dumps(INCODE_131, indent=2)}, bif=INCODE_BIF),
    dict(slug="demo-incode-basic", name="Demo Incode Utility (basic)", integration="incode",
         time_zone="America/Chicago",
         formats={**{code: {} for code in INCODE_INBOUND},
                  "incode.invoice.skip_landlord": {"landlord_marker": 'Landlord="Y"'},
                  "incode.payments": {}},
         settings={}, bif=INCODE_BIF),
]


def demo_guid(slug, what="biller"):
    """Stable GUIDs, so that demo data is the same on every machine."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://ic-portal.invalid/demo/{what}/{slug}")


def upsert(model, lookup, values):
    """Create, or update only the fields that differ (so a re-run writes no history)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
    return obj, False


@transaction.atomic
def seed_demo():
    load_reference_data(apps)
    sync_catalogue()
    created = []
    for spec in DEMO_BILLERS:
        biller, new = upsert(Biller, {"slug": spec["slug"]}, dict(
            name=spec["name"], guid=demo_guid(spec["slug"]), integration=spec["integration"],
            time_zone=spec["time_zone"], active=True, requires_second_approver=False,
            export_run_time=datetime.time(6, 0)))
        if new:
            created.append(biller.slug)
        for code, options in spec["formats"].items():
            upsert(BillerFileFormat, {"biller": biller, "file_format": FileFormat.objects.get(code=code)},
                   dict(enabled=True, invoice_type_id=None, invoice_format_guid=None,
                        options=_options(code, options)))
        for setting_id, value in spec["settings"].items():
            upsert(BillerSetting, {"biller": biller, "setting": AdvancedSetting.objects.get(setting_id=setting_id)},
                   dict(value=value))
        for feature, (source, text) in spec["bif"].items():
            text = text.format(guid=demo_guid(spec["slug"], "invoice-format"))
            upsert(BifCustomization, {"biller": biller, "feature": BifFeature.objects.get(name=feature)},
                   dict(source=source, value="" if source == "rule" else text,
                        rule=text if source == "rule" else ""))
    for username, group_name in DEMO_USERS:
        user, new = User.objects.get_or_create(username=username, defaults=dict(is_staff=True))
        if new:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created.append(username)
        user.groups.add(Group.objects.get(name=group_name))
    return created


def _options(code, options):
    return validate_options(code, options)
