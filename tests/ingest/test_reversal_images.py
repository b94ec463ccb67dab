"""The typed before-images (ingest.reversal._snapshot, the same SQL on PostgreSQL and SQLite)
are the ledger rows as they were, column for column, detail lines included, for exactly the
keys that named a row; and a load whose images are JSON BeforeImages (taken before the typed
images) still restores exactly."""
import json
from decimal import Decimal

from django.core.files.base import ContentFile

from billers.models import Biller
from ingest import pipeline, reversal
from ingest.models import AccountImage, BeforeImage, DetailImage, ExactJSONEncoder, InvoiceImage, LoadStatus
from ledger.models import Account, Invoice, InvoiceDetail
from tests.ingest.test_reversal import INVOICE, SAMPLE, second_file
from tests.support.reversals import ledger_rows, loaded, reversed_now, user


def rows(model, queryset):
    """{row id: every column's value but the id} of the rows of `queryset` (ledger rows or images)."""
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    key = "pk" if queryset.model is model else "row_id"
    return {values[0]: list(values[1:]) for values in queryset.values_list(key, *names)}


def parsed_second(incode):
    loaded(incode, INVOICE, SAMPLE, "first.xml")
    load = pipeline.upload(incode, INVOICE, ContentFile(second_file().encode(), name="second.xml"), user("support"))
    load = pipeline.parse_load(load.pk)
    assert load.status == LoadStatus.PARSED
    return load


def test_the_images_are_the_rows_the_load_names_as_they_were(demo):
    incode = Biller.objects.get(slug="demo-incode")
    load = parsed_second(incode)
    Invoice.objects.filter(biller=incode).update(balance_due=None, custom10="x\u00e9\"'{}", past_due="-12.30")
    accounts = Account.objects.filter(biller=incode, account_number__in=reversal.load_keys(load, "account_number"))
    invoices = Invoice.objects.filter(biller=incode, invoice_number__in=reversal.load_keys(load, "invoice_number"))
    details = InvoiceDetail.objects.filter(invoice__in=invoices)
    before = rows(Account, accounts), rows(Invoice, invoices), rows(InvoiceDetail, details)

    reversal.snapshot_before(load)

    images = (rows(Account, AccountImage.objects.filter(load=load)), rows(Invoice, InvoiceImage.objects.filter(load=load)),
              rows(InvoiceDetail, DetailImage.objects.filter(load=load)))
    assert images == before
    assert before[0] and before[1] and before[2]
    assert set(InvoiceImage.objects.filter(load=load).values_list("balance_due", "custom10", "past_due")) == {
        (None, "x\u00e9\"'{}", Decimal("-12.30"))}
    # the keys without an image are exactly the staged keys the ledger lacked
    for kind, key, model in ((BeforeImage.ACCOUNT, "account_number", Account),
                             (BeforeImage.INVOICE, "invoice_number", Invoice)):
        created = {k for keys in reversal.created_keys(load, kind, 2) for k in keys}
        named = set(reversal.load_keys(load, key))
        assert created == named - set(model.objects.filter(biller=incode).values_list(key, flat=True))


def json_images(load):
    """The load's images as the JSON BeforeImages of the loads made before the typed images
    (the ORM path's data: every column by attname, an invoice's detail lines under "details")."""
    images = [BeforeImage(load=load, kind=BeforeImage.ACCOUNT, key=image.account_number, row_id=image.row_id,
                          data={"id": image.row_id, **{f.attname: getattr(image, f.attname)
                                                       for f in reversal._copied(Account)}})
              for image in AccountImage.objects.filter(load=load)]
    for image in InvoiceImage.objects.filter(load=load):
        lines = [{"id": line.row_id, **{f.attname: getattr(line, f.attname) for f in reversal._copied(InvoiceDetail)}}
                 for line in DetailImage.objects.filter(load=load, invoice_id=image.row_id).order_by("position")]
        images.append(BeforeImage(load=load, kind=BeforeImage.INVOICE, key=image.invoice_number, row_id=image.row_id,
                                  data={"id": image.row_id, "details": lines,
                                        **{f.attname: getattr(image, f.attname) for f in reversal._copied(Invoice)}}))
    for model in (AccountImage, InvoiceImage, DetailImage):
        model.objects.filter(load=load).delete()
    # through the encoder as the JSON field writes them (decimals and times as exact text)
    for image in images:
        image.data = json.loads(json.dumps(image.data, cls=ExactJSONEncoder))
    BeforeImage.objects.bulk_create(images)
    return len(images)


def test_a_load_with_json_images_is_still_restored_exactly(demo):
    incode = Biller.objects.get(slug="demo-incode")
    loaded(incode, INVOICE, SAMPLE, "first.xml")
    Invoice.objects.filter(biller=incode).update(custom10="x\u00e9\"'{}", past_due="-12.30")
    before = ledger_rows(incode)
    second = loaded(incode, INVOICE, second_file(), "second.xml")
    assert ledger_rows(incode) != before
    assert json_images(second) > 0 and not InvoiceImage.objects.filter(load=second).exists()
    assert reversed_now(second).status == LoadStatus.REVERSED
    assert ledger_rows(incode) == before
