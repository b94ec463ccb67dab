"""The before-images built in SQL on PostgreSQL (ingest.reversal._snapshot_in_sql) hold what the
ORM path's (the batches SQLite uses) hold: the same keys and row ids, and data that restore()
turns back into the same values, detail lines included; the same keys are absent (no image)."""
import pytest
from django.core.files.base import ContentFile

from billers.models import Biller
from ingest import pipeline, reversal
from ingest.models import BeforeImage, LoadStatus
from ledger.models import Account, Invoice, InvoiceDetail
from tests.ingest.test_reversal import INVOICE, SAMPLE, second_file
from tests.support.reversals import loaded, user

pytestmark = pytest.mark.postgresql


def images(load):
    """{(kind, key): (row id, every column's value, the detail lines' values)} as restore() reads them
    (a key the load's records name without an image: the row is absent, (None, None, None))."""
    found = {(kind, key): (None, None, None) for kind in (BeforeImage.ACCOUNT, BeforeImage.INVOICE)
             for keys in reversal.created_keys(load, kind, 1000) for key in keys}
    for image in BeforeImage.objects.filter(load=load):
        if image.data is None:
            found[image.kind, image.key] = (image.row_id, None, None)
            continue
        model = Account if image.kind == BeforeImage.ACCOUNT else Invoice
        row = reversal._rebuild(model, image.data)
        details = [[getattr(reversal._rebuild(InvoiceDetail, d), f.attname) for f in InvoiceDetail._meta.concrete_fields]
                   for d in image.data.get("details", [])]
        found[image.kind, image.key] = (image.row_id, [getattr(row, f.attname) for f in model._meta.concrete_fields],
                                        details)
    return found


def test_the_images_built_in_sql_are_those_of_the_orm_path(demo):
    incode = Biller.objects.get(slug="demo-incode")
    loaded(incode, INVOICE, SAMPLE, "first.xml")
    load = pipeline.upload(incode, INVOICE, ContentFile(second_file().encode(), name="second.xml"), user("support"))
    load = pipeline.parse_load(load.pk)
    assert load.status == LoadStatus.PARSED
    Invoice.objects.filter(biller=incode).update(balance_due=None, custom10="x\u00e9\"'{}", past_due="-12.30")

    reversal._snapshot_in_sql(load)
    in_sql = images(load)
    BeforeImage.objects.filter(load=load).delete()
    reversal._snapshot_in_batches(load)
    in_batches = images(load)

    assert in_sql == in_batches
    kinds = [(kind, data is None) for (kind, _), (_, data, _) in in_sql.items()]
    assert {("account", True), ("account", False), ("invoice", True), ("invoice", False)} <= set(kinds)
    assert any(details for _, _, details in in_sql.values())
