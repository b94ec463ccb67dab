"""Settings for the test suite: the project's settings with a fixed test-only secret.

DATABASE_URL still applies, so the same suite runs on SQLite (default) and PostgreSQL.
"""
import os
import tempfile
import uuid

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="icportal-test-media-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist's workers inherit the controller's environment: a media folder each, so that
    # no process sees (or overwrites) another's stored files.
    os.environ["MEDIA_ROOT"] = os.path.join(os.environ["MEDIA_ROOT"], os.environ["PYTEST_XDIST_WORKER"])
    os.makedirs(os.environ["MEDIA_ROOT"], exist_ok=True)
# The watched inbox of the run (workers started by the tests get the same folder).
os.environ.setdefault("INBOX_ROOT", tempfile.mkdtemp(prefix="icportal-test-inbox-"))
# A queue of its own on a shared Redis (the workers leg): test runs never take each other's tasks.
os.environ.setdefault("Q_CLUSTER_NAME", f"icportal-test-{uuid.uuid4().hex[:12]}")

from icportal.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
Q_CLUSTER["sync"] = True  # noqa: F405  tasks run inline unless a test starts real workers
STATIC_ROOT = tempfile.mkdtemp(prefix="icportal-test-static-")
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):  # noqa: F405
    # the heartbeats of this run's workers only, never those of a bin/serve in the checkout
    CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="icportal-test-cache-")  # noqa: F405
