"""`manage.py api_key --biller SLUG [--revoke ID]`: the key printed once, only its hash stored."""
import hashlib
import io

import pytest
from django.core.management import call_command

from api.keys import find_key
from api.models import ApiKey


def api_key(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_a_new_key_once_and_stores_only_its_hash(demo):
    key, note = api_key("--biller", "demo-watersmart")
    row = ApiKey.objects.get()
    assert "shown once" in note and row.biller.slug == "demo-watersmart"
    assert row.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiKey.objects.values().get())
    assert find_key(key) == row


def test_it_revokes_a_key(demo):
    key, _ = api_key("--biller", "demo-watersmart")
    row = ApiKey.objects.get()
    message, _ = api_key("--biller", "demo-watersmart", "--revoke", str(row.pk))
    assert message.startswith(f"revoked API key {row.pk}")
    assert find_key(key) is None


@pytest.mark.parametrize("args, message", [(["--biller", "nobody"], "unknown biller 'nobody'"),
                                           (["--biller", "demo-incode", "--revoke", "999"],
                                            "biller demo-incode has no API key 999")])
def test_it_exits_2_on_bad_arguments(demo, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        call_command("api_key", *args)
    assert exit_.value.code == 2 and message in capsys.readouterr().err
