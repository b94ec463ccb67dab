"""Reference data from the two technical designs (../shared/seeds) and FORMATS.md section 1.

Loaded by a data migration and again, idempotently, by `manage.py seed_demo`. The file formats
themselves are not here: their rows come from the parsers' and writers' declarations
(billers.catalog); FORMAT_METADATA is what the seeds say of each beyond its declaration.
"""
import datetime

WATERSMART, INCODE = "watersmart", "incode"

# What the seeds' tables say of each format beyond its declaration: file transfer frequency, the
# Stratus project repository and class (file) name, the ITR and the design document's status
# and owner (the seeds leave the owner blank). code -> values. Documentation of the old
# Stratus integration that implementation managers keep editing, not what a parser or writer
# does: billers.catalog fills it into a format's row when the row is created.
WATERSMART_DOCUMENT = dict(itr="15512", document_status="COMPLETE", document_owner="")
INCODE_DOCUMENT = dict(itr="", document_status="DRAFT", document_owner="")
FORMAT_METADATA = {
    "watersmart.invoice": dict(transfer_frequency="Daily", **WATERSMART_DOCUMENT),
    "watersmart.adjustment": dict(transfer_frequency="Daily", **WATERSMART_DOCUMENT),
    "watersmart.payments": dict(transfer_frequency="Daily", **WATERSMART_DOCUMENT),
    "watersmart.rejects": dict(transfer_frequency="Daily", **WATERSMART_DOCUMENT),
    "watersmart.changelog": dict(transfer_frequency="Daily", **WATERSMART_DOCUMENT),
    "incode.invoice.skip_landlord": dict(
        transfer_frequency="", repository="StratusWebServices",
        class_name="InCode_UB_Invoice_Upload_SkipLandlordInvoices.vb",
        sample_link="https://invoicecloud.app.box.com/folder/138891861410", **INCODE_DOCUMENT),
    "incode.invoice.include_dashes": dict(
        transfer_frequency="Weekly/Monthly/Quarterly", repository="StratusFileProcessor",
        class_name="InCode_UB_Invoice_Upload_Include_Dashes.vb", **INCODE_DOCUMENT),
    "incode.adjustment": dict(transfer_frequency="Daily", **INCODE_DOCUMENT),
    "incode.adjustment.include_dashes": dict(transfer_frequency="Daily", **INCODE_DOCUMENT),
    "incode.payments": dict(transfer_frequency="After nightly batch close", **INCODE_DOCUMENT),
    "incode.payments.approved_offline": dict(transfer_frequency="After nightly batch close", **INCODE_DOCUMENT),
    "incode.payments.cloudstore": dict(transfer_frequency="After nightly batch close", **INCODE_DOCUMENT),
}

# setting id, description, details and logic, value type, default, unique per biller
ADVANCED_SETTINGS = [
    (29, "RemoteAuthenticationWS - Create Customer",
     "WaterSmart (EBPP integration): RemoteAuthentication creates the customer in IC when the user "
     "registers through WaterSmart.", "integer", "1", False),
    (131, "JSON Configuration",
     "Tyler Incode: TylerIncode.AdjustmentConfigs.SkipNumericCheck skips the IsNumeric check that kept "
     "accounts like 'BT-#####-##' out of adjustment files (ITG-3159); "
     "TylerIncode.InvoiceConfigs.UseBillingAddress puts the billing address (B_a1, B_a2) into Address1 "
     "and Address2 instead of the service address (ITG-3980).", "json", "{}", False),
]

# name, description, value kind, accepts a rule, required (the WaterSmart seed: "BalanceForward:
# Required - On Biller Questionnaire"; the portal requires it of every biller)
BIF_FEATURES = [
    ("AchServiceFee", "ACH service fee charged to the payer", "amount", False),
    ("AllowPartialPayments", "Payers may pay less than the amount due", "yes_no", False),
    ("AutoPayCollectionDate", "AutoPay collects this many days relative to the due date", "day_offset", True),
    ("BalanceForward", "Balance-forward billing", "yes_no", False, True),
    ("CreditCardServiceFee", "Card service fee charged to the payer", "amount", False),
    ("FirstNotifyRequestedDate", "First reminder, days relative to the due date", "day_offset", True),
    ("InvoiceDate", "Invoice date (the base of date rules)", "file", False),
    ("InvoiceDueDate", "Invoice due date (the base of date rules)", "file", False),
    ("InvoiceFormatGuid", "Invoice presentment format", "guid", False),
    ("InvoiceTypeID", "IC invoice type", "integer", False),
    ("LateFeeDate", "Date from which a late fee applies", "day_offset", True),
    ("LocationReference", "Branding location reference", "text", False),
    ("MinimumAmountDue", "Smallest payment accepted", "amount", False),
    ("PaymentExpirationDate", "Payments are refused this many days relative to the due date", "day_offset", True),
    ("PaymentExpirationMessage", "Message shown once payments have expired", "text", False),
    ("PromptPayExpirationDate", "Prompt-pay discount ends, days relative to the due date", "day_offset", True),
    ("RegistrationValue", "Value the payer enters to register", "text", False),
    ("SecondNotifyRequestedDate", "Second reminder, days relative to the due date", "day_offset", True),
    ("ThirdNotifyRequestedDate", "Third reminder, days relative to the due date", "day_offset", True),
]

# The BIF table of each integration's seed: feature -> (source, value, rule). A new biller of
# the integration starts with it (billers.models.bif.apply_template). The seeds give sources;
# values are the biller's questionnaire answers, left empty here.
BIF_TEMPLATES = {
    WATERSMART: {
        "AchServiceFee": ("na", "", ""),
        "AllowPartialPayments": ("questionnaire", "", ""),
        "AutoPayCollectionDate": ("questionnaire", "", ""),
        "BalanceForward": ("required", "", ""),
        "CreditCardServiceFee": ("na", "", ""),
        "FirstNotifyRequestedDate": ("questionnaire", "", ""),
        "InvoiceDate": ("invoice_file", "", ""),
        "InvoiceDueDate": ("invoice_file", "", ""),
        "InvoiceFormatGuid": ("na", "", ""),
        "InvoiceTypeID": ("invoice_file", "", ""),
        "LateFeeDate": ("na", "", ""),
        "LocationReference": ("na", "", ""),
        "MinimumAmountDue": ("questionnaire", "", ""),
        "PaymentExpirationDate": ("questionnaire", "", ""),
        "PaymentExpirationMessage": ("questionnaire", "", ""),
        "PromptPayExpirationDate": ("na", "", ""),
        "RegistrationValue": ("na", "", ""),
        "SecondNotifyRequestedDate": ("questionnaire", "", ""),
        "ThirdNotifyRequestedDate": ("questionnaire", "", ""),
    },
    INCODE: {
        "AchServiceFee": ("na", "", ""),
        "AllowPartialPayments": ("questionnaire", "", ""),
        "AutoPayCollectionDate": ("questionnaire", "", ""),
        "BalanceForward": ("questionnaire", "", ""),
        "CreditCardServiceFee": ("na", "", ""),
        "FirstNotifyRequestedDate": ("questionnaire", "", ""),
        "InvoiceDate": ("invoice_file", "", ""),
        "InvoiceDueDate": ("invoice_file", "", ""),
        "InvoiceFormatGuid": ("questionnaire", "", ""),
        "InvoiceTypeID": ("na", "", ""),
        "LateFeeDate": ("rule", "", 'DateAdd(DateInterval.Day, 1, CDate(row("DUEDATE")))'),
        "LocationReference": ("na", "", ""),
        "MinimumAmountDue": ("na", "", ""),
        "PaymentExpirationDate": ("na", "", ""),
        "PaymentExpirationMessage": ("na", "", ""),
        "PromptPayExpirationDate": ("na", "", ""),
        "RegistrationValue": ("na", "", ""),
        "SecondNotifyRequestedDate": ("questionnaire", "", ""),
        "ThirdNotifyRequestedDate": ("questionnaire", "", ""),
    },
}
# The BIF features each integration's invoice files carry (an "invoice file" source is refused
# for any other; tests/billers keep this in agreement with the parsers' declarations).
FILE_FEATURES = {
    WATERSMART: ("InvoiceDate", "InvoiceDueDate", "InvoiceTypeID"),
    INCODE: ("InvoiceDate", "InvoiceDueDate", "LateFeeDate"),
}

MODIFICATIONS = [
    ("ITG-2193", INCODE, datetime.date(2024, 2, 23), "No field mapping on PastDue amount",
     "Add field mapping for PastDue amount",
     "Use arrear in the biller's incoming raw invoice as a field to the PastDue field in IC."),
    ("ITG-3159", INCODE, None, "Biller adjustment file can't be loaded",
     "Adjustment file should be loaded and handled for all InCode version",
     "Create a new format type or add special characters check to existing format type: "
     "IF_InCode UB Adjustment - CSV With Header - Include Dashes."),
    ("ITG-3980", INCODE, None, "Service Address was displaying in Address1 field",
     "Mailing Address (B_a1 & B_a2) will be stored in Address1 and Address2 fields.",
     "CreateIHRecord to conditionally pull B_a1 and B_a2 as Address1 and Address2 when enabled via "
     "Advanced Setting JSON Configuration #131."),
]

# integration, group, name, when it is called
# The formats and settings each modification changed: jira key -> (format codes, setting ids).
MODIFICATION_LINKS = {
    "ITG-2193": (("incode.invoice.skip_landlord", "incode.invoice.include_dashes"), ()),
    "ITG-3159": (("incode.adjustment.include_dashes",), (131,)),
    "ITG-3980": (("incode.invoice.include_dashes",), (131,)),
}

WEB_SERVICES = [
    (WATERSMART, "", "KeepRemoteSessionAlive",
     "Called every time user navigates onto/between pages in their billing panel - InvoiceCloudSession.php"),
    (WATERSMART, "", "SetInvoiceBalance",
     "Called when the \"Renew User\" button is clicked, only in IC demo (resets the invoice balance for demo use)"),
    (WATERSMART, "", "RemoteAuthentication",
     "Called when user signs into WS, also when user registers via the WS registration flow (if they are "
     "using the same email/password combination as they did in IC, we simply allow them to authenticate "
     "in IC without needing to re-register them in IC)"),
    (WATERSMART, "", "RemoteRegistration",
     "Called upon login when user is registered in WS but not authenticated successfully in IC, when the "
     "user registers via the WS registration flow, and when the user changes their password"),
    (WATERSMART, "", "UnregisterAccounts",
     "Called when account is removed in account preferences page or when account is reset by utility "
     "staff on the dashboard customer details page"),
    (WATERSMART, "", "LinkCustomerAccount",
     "Called when account is added in account preferences page, when a user registers the same email/pw "
     "combination for a new account in WS, or when a utility has configured a flag to sync account "
     "linking upon login in IC to the account linking in WS"),
    (WATERSMART, "", "SetCustomerEmailAddress",
     "Called when user changes their email in the account preferences page or when the email is changed "
     "by utility staff on the dashboard customer details page"),
    (WATERSMART, "REST API", "Retrieve CustomerGUID and Retrieve Customer Account",
     "Called in the WS authentication process to find the account associated with a successful IC "
     "authentication so that we know what account to link or register from an IC auth token"),
    (INCODE, "CloudCreditCardProcessing", "CNP_Sale", "Process credit/debit card transaction in a real time."),
    (INCODE, "CloudCreditCardProcessing", "CNP_Void",
     "Void payments that prevents the charge from being finalized, meaning the funds are not deducted "
     "from the cardholder's account."),
]

PORTAL_REDIRECTS = [
    (WATERSMART, 2, "Customer Portal Paperless Settings"),
    (WATERSMART, 3, "Customer Portal AutoPay Settings"),
    (WATERSMART, 5, "Customer Portal Payment Options"),
    (WATERSMART, 8, "Customer Portal Open Bill Listing"),
    (WATERSMART, 9, "Customer Portal Scheduled Payments Listing"),
    (WATERSMART, 11, "Customer Portal Pay By Text Enrollment"),
]


def _known(model, values):
    """The values whose fields exist on `model` (a migration's historical model may predate some)."""
    names = {f.name for f in model._meta.get_fields()}
    return {name: value for name, value in values.items() if name in names}


def load_reference_data(apps, schema_editor=None):
    """Create or update the reference rows; safe to run any number of times. The FileFormat
    rows are billers.catalog's (a format created later is linked to its modifications there)."""
    FileFormat = apps.get_model("billers", "FileFormat")
    AdvancedSetting = apps.get_model("billers", "AdvancedSetting")
    for setting_id, description, details, value_type, default, unique in ADVANCED_SETTINGS:
        AdvancedSetting.objects.update_or_create(setting_id=setting_id, defaults=dict(
            description=description, details=details, value_type=value_type, default_value=default,
            unique_per_biller=unique))
    BifFeature = apps.get_model("billers", "BifFeature")
    for name, description, kind, accepts_rule, *required in BIF_FEATURES:
        BifFeature.objects.update_or_create(name=name, defaults=_known(BifFeature, dict(
            description=description, value_kind=kind, accepts_rule=accepts_rule, required=bool(required))))
    IntegrationModification = apps.get_model("billers", "IntegrationModification")
    for key, integration, released, previous, desired, case in MODIFICATIONS:
        IntegrationModification.objects.update_or_create(jira_key=key, defaults=dict(
            integration=integration, release_date=released, previous_behaviour=previous,
            desired_behaviour=desired, business_case=case))
    if "file_formats" in {f.name for f in IntegrationModification._meta.get_fields()}:
        AdvancedSetting = apps.get_model("billers", "AdvancedSetting")
        for key, (codes, setting_ids) in MODIFICATION_LINKS.items():
            modification = IntegrationModification.objects.get(jira_key=key)
            _set_links(modification.file_formats, FileFormat.objects.filter(code__in=codes))
            _set_links(modification.settings, AdvancedSetting.objects.filter(setting_id__in=setting_ids))
    WebService = apps.get_model("billers", "WebService")
    for integration, group, name, purpose in WEB_SERVICES:
        WebService.objects.update_or_create(integration=integration, name=name,
                                            defaults=dict(group=group, purpose=purpose))
    PortalRedirect = apps.get_model("billers", "PortalRedirect")
    for integration, code, destination in PORTAL_REDIRECTS:
        PortalRedirect.objects.update_or_create(integration=integration, code=code,
                                                defaults=dict(destination=destination))


def _set_links(manager, wanted):
    """Set a many-to-many relation only when it differs (a re-run writes no history)."""
    wanted = list(wanted)
    if {obj.pk for obj in manager.all()} != {obj.pk for obj in wanted}:
        manager.set(wanted)
