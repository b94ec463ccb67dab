"""Start-up refuses bad configuration with a message naming the variable."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    base = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "Q_BROKER", "MAX_UPLOAD_MB"}}
    base.update(env)
    base["DJANGO_SETTINGS_MODULE"] = "icportal.settings"
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("env, variable", [
    ({"DEBUG": "maybe"}, "DEBUG"),
    ({"DEBUG": "0"}, "SECRET_KEY"),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
    ({"DEBUG": "1", "MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB"),
    ({"DEBUG": "1", "MAX_UPLOAD_MB": "0"}, "MAX_UPLOAD_MB"),
    ({"DEBUG": "1", "Q_BROKER": "amqp://x"}, "Q_BROKER"),
    ({"DEBUG": "1", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
])
def test_it_refuses_a_bad_value_naming_the_variable(env, variable):
    result = run_check(**env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and variable in last, result.stderr


def test_it_starts_on_the_embedded_default_with_debug_on():
    result = run_check(DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_debug_is_off_unless_set():
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    code = "import icportal.settings as s; print(s.DEBUG)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**env, "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x"}, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
    assert settings.MAX_UPLOAD_MB == 200
