"""Start-up refuses bad configuration with a message naming the variable."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    base = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "Q_BROKER", "MAX_UPLOAD_MB",
        "INGEST_BATCH_SIZE"}}
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
    ({"DEBUG": "1", "INGEST_BATCH_SIZE": "0"}, "INGEST_BATCH_SIZE"),
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


def test_without_secret_key_every_process_of_the_checkout_signs_with_one_kept_key(tmp_path):
    """Web, workers and manage.py commands started at the same moment get the same key, created
    once in a file only its owner can read; production (DEBUG off) still requires SECRET_KEY."""
    path = tmp_path / ".secret_key"
    code = f"from icportal.env import dev_secret_key; print(dev_secret_key({str(path)!r}))"
    starters = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                for _ in range(6)]
    keys = {starter.communicate(timeout=60)[0].strip() for starter in starters}
    assert len(keys) == 1 and len(keys.pop()) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text().strip() == subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                                      text=True, timeout=60).stdout.strip()


def test_the_checkouts_processes_share_the_key_of_its_secret_key_file():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env["DEBUG"] = "1"
    code = "import icportal.settings as s; print(s.SECRET_KEY)"
    first, second = (subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                                    text=True, timeout=60) for _ in range(2))
    assert first.stdout.strip() == second.stdout.strip() != "", (first.stderr, second.stderr)
    assert (ROOT / ".secret_key").read_text().strip() == first.stdout.strip()
    ignored = subprocess.run(["git", "check-ignore", "-q", ".secret_key"], cwd=ROOT, timeout=30)
    assert ignored.returncode == 0, ".secret_key must be git-ignored"


def test_bin_manage_runs_the_readmes_commands_with_no_environment_set():
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    result = subprocess.run(["bin/manage", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
