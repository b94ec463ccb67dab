"""Reference data from the two technical designs (../shared/seeds) and FORMATS.md section 1.

Loaded by a data migration and again, idempotently, by `manage.py seed_demo`.
"""
import datetime

WATERSMART, INCODE = "watersmart", "incode"

# code, IC name, integration, direction, kind, extension, delimiter, naming convention, InvoiceTypeID
FILE_FORMATS = [
    ("watersmart.invoice", "WaterSmart Invoice File (.csv)", WATERSMART, "inbound", "invoice",
     "csv", "comma", "", 1),
    ("watersmart.adjustment", "WaterSmart Adjustment/Daily Balance File (.csv)", WATERSMART, "inbound",
     "adjustment", "csv", "comma", "", None),
    ("incode.invoice.skip_landlord", "InCode_UB_Invoice_Upload_SkipLandlordInvoices", INCODE, "inbound",
     "invoice", "xml", "tab (pseudo-XML, read block by block)", "", 42),
    ("incode.invoice.include_dashes",
     "IF_InCode - Utility Invoice Upload - Include Dashes in Account Number", INCODE, "inbound",
     "invoice", "xml", "tab (pseudo-XML, read block by block)", "", 42),
    ("incode.adjustment", "IF_InCode UB Adjustment - CSV With Header", INCODE, "inbound", "adjustment",
     "csv", "comma", "", None),
    ("incode.adjustment.include_dashes", "IF_InCode UB Adjustment - CSV With Header - Include Dashes",
     INCODE, "inbound", "adjustment", "csv", "comma", "", None),
    ("watersmart.payments", "Payment/Lockbox File", WATERSMART, "outbound", "payments", "csv", "comma",
     "ICPayments_YYYYMMDDHHMMSS.csv (split: ICPayments_AMEX_/ICPayments_CC_/ICPayments_Bank_...)", None),
    ("watersmart.rejects", "ACH Rejects File", WATERSMART, "outbound", "rejects", "csv", "comma",
     "ICRejects_YYYYMMDDHHMMSS.csv", None),
    ("watersmart.changelog", "Change Log File", WATERSMART, "outbound", "changelog", "csv", "comma",
     "ICChangeLog_YYYYMMDDHHMMSS.csv", None),
    ("incode.payments", "Payment/Lockbox File", INCODE, "outbound", "payments", "txt", "comma",
     "IC_YYYYMMDD.txt", None),
    ("incode.payments.approved_offline", "Payment/Lockbox File - Include Offline & Approved Payments only",
     INCODE, "outbound", "payments", "txt", "comma",
     "IC_YYYYMMDD.txt + IC_YYYYMMDD-RejectedReversedPayments.txt", None),
    ("incode.payments.cloudstore", "Payment/Lockbox File - Utility Cloud Store Payments (InvoiceTypeID 68, 69)",
     INCODE, "outbound", "payments", "txt", "comma", "IC_CloudStore_YYYYMMDD.txt", None),
]

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

# name, description, value kind, accepts a rule
BIF_FEATURES = [
    ("AchServiceFee", "ACH service fee charged to the payer", "amount", False),
    ("AllowPartialPayments", "Payers may pay less than the amount due", "yes_no", False),
    ("AutoPayCollectionDate", "AutoPay collects this many days relative to the due date", "day_offset", True),
    ("BalanceForward", "Balance-forward billing", "yes_no", False),
    ("CreditCardServiceFee", "Card service fee charged to the payer", "amount", False),
    ("FirstNotifyRequestedDate", "First reminder, days relative to the due date", "day_offset", True),
    ("InvoiceDate", "Invoice date", "text", True),
    ("InvoiceDueDate", "Invoice due date", "text", True),
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


def load_reference_data(apps, schema_editor=None):
    """Create or update the reference rows; safe to run any number of times."""
    FileFormat = apps.get_model("billers", "FileFormat")
    for code, name, integration, direction, kind, ext, delim, naming, type_id in FILE_FORMATS:
        FileFormat.objects.update_or_create(code=code, defaults=dict(
            name=name, integration=integration, direction=direction, kind=kind, extension=ext,
            delimiter=delim, naming_convention=naming, default_invoice_type_id=type_id))
    AdvancedSetting = apps.get_model("billers", "AdvancedSetting")
    for setting_id, description, details, value_type, default, unique in ADVANCED_SETTINGS:
        AdvancedSetting.objects.update_or_create(setting_id=setting_id, defaults=dict(
            description=description, details=details, value_type=value_type, default_value=default,
            unique_per_biller=unique))
    BifFeature = apps.get_model("billers", "BifFeature")
    for name, description, kind, accepts_rule in BIF_FEATURES:
        BifFeature.objects.update_or_create(name=name, defaults=dict(
            description=description, value_kind=kind, accepts_rule=accepts_rule))
    IntegrationModification = apps.get_model("billers", "IntegrationModification")
    for key, integration, released, previous, desired, case in MODIFICATIONS:
        IntegrationModification.objects.update_or_create(jira_key=key, defaults=dict(
            integration=integration, release_date=released, previous_behaviour=previous,
            desired_behaviour=desired, business_case=case))
    WebService = apps.get_model("billers", "WebService")
    for integration, group, name, purpose in WEB_SERVICES:
        WebService.objects.update_or_create(integration=integration, name=name,
                                            defaults=dict(group=group, purpose=purpose))
    PortalRedirect = apps.get_model("billers", "PortalRedirect")
    for integration, code, destination in PORTAL_REDIRECTS:
        PortalRedirect.objects.update_or_create(integration=integration, code=code,
                                                defaults=dict(destination=destination))
