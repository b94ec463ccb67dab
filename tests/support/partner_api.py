"""Helpers of the partner API tests: a key, an account, calls with or without the key."""
import json

from api.keys import create_key
from billers.models import Biller, BillerSetting
from ledger.models import Account


def biller(slug="demo-watersmart"):
    return Biller.objects.get(slug=slug)


def account(slug="demo-watersmart", number="1001"):
    target = biller(slug)
    return Account.objects.get_or_create(biller=target, account_number=number,
                                         defaults={"customer_name": "Smith Joseph"})[0]


def key_for(slug="demo-watersmart", **options):
    return create_key(biller(slug), "tests", **options)[1]


def set_create_customer(slug, value):
    """Advanced setting #29 for the biller: "1", "0", or None (not set)."""
    target = biller(slug)
    if value is None:
        BillerSetting.objects.filter(biller=target, setting__setting_id=29).delete()
        return
    BillerSetting.objects.update_or_create(biller=target, setting_id=_setting_pk(29), defaults={"value": value})


def _setting_pk(setting_id):
    from billers.models import AdvancedSetting

    return AdvancedSetting.objects.get(setting_id=setting_id).pk


def call(client, operation, body, key=None, slug="demo-watersmart"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(f"/api/v1/{slug}/{operation}", payload, content_type="application/json", **headers)
