"""The serve leg: `bin/serve` run as a new user runs it, driven over HTTP.

`ServedCopy` copies the checkout (its tracked and not-ignored files, as a clone has them, with
their modification times; `.venv` is linked, not copied) to a temporary folder and starts
`bin/serve` there with an environment of PATH, HOME and LANG only: a fresh clone's first start
(new db.sqlite3, media/, .secret_key), which is thrown away afterwards with the folder. Its
processes are found by their working directory (bin/serve puts its web server and worker in
sessions of their own, so no one process group holds them all).

`PortalClient` is a browser reduced to urllib: cookies, the CSRF token, the admin's forms.
"""
import http.cookiejar
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.support.processes import wait_for

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300  # install check, migrations and demo data on a fresh SQLite file, on a busy machine
STOP_TIMEOUT = 15    # bin/serve promises a few seconds
DEMO_PASSWORD = "demo"


def copy_checkout(target):
    """The checkout's files as a clone (plus uncommitted changes) has them, into `target`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)  # keeps the mode (bin/*) and the time (bin/setup-venv's stamp test)
    venv = ROOT / ".venv"
    if not (venv / "bin" / "python").exists():
        pytest.fail(f"serve leg: no virtualenv at {venv} (run bin/test once)", pytrace=False)
    (target / ".venv").symlink_to(venv)


def processes_in(folder):
    """Live processes whose working directory is inside `folder`, as {pid: command line}."""
    found = {}
    folder = str(folder)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            continue
        if state != "Z" and (cwd == folder or cwd.startswith(folder + "/")):
            found[int(proc.name)] = cmdline
    return found


def port_in_use(host, port):
    import socket

    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


class ServedCopy:
    def __init__(self, address=None, extra_env=None):
        self.address = address
        self.host, self.port = (address or "127.0.0.1:8000").rsplit(":", 1)
        self.base_url = f"http://{self.host}:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="icportal-serve-"))
        self.log_path = self.folder / "bin-serve.log"
        self.env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
        if "ICPORTAL_CI_RUN" in os.environ:  # lets .ci/run find anything left behind
            self.env["ICPORTAL_CI_RUN"] = os.environ["ICPORTAL_CI_RUN"]
        self.env.update(extra_env or {})
        self.process = None
        self.side_processes = []

    def start(self):
        if port_in_use(self.host, int(self.port)):
            pytest.fail(f"serve leg: {self.host}:{self.port} is already in use; stop what listens there",
                        pytrace=False)
        copy_checkout(self.folder)
        command = ["bin/serve"] + ([self.address] if self.address else [])
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=self.folder, env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_for(self.answers, START_TIMEOUT, interval=1):
            pytest.fail(f"bin/serve did not serve {self.base_url}/admin/login/ within {START_TIMEOUT} s:\n"
                        f"{self.log_tail()}", pytrace=False)
        return self

    def answers(self):
        if self.process.poll() is not None:
            pytest.fail(f"bin/serve exited with {self.process.returncode}:\n{self.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{self.base_url}/admin/login/", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, lines=40):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def manage(self, *args, **env):
        """Start `bin/manage ARGS` in the copy, in a session of its own (stopped at teardown)."""
        process = subprocess.Popen(["bin/manage", *args], cwd=self.folder, env={**self.env, **env},
                                   stdin=subprocess.DEVNULL,
                                   stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self.side_processes.append(process)
        return process

    def worker_group(self):
        """The process group of bin/serve's worker: its `manage.py qcluster` main process."""
        for pid, cmdline in processes_in(self.folder).items():
            if not cmdline.endswith("manage.py qcluster"):
                continue
            try:
                if os.getpgid(pid) == pid:
                    return pid
            except ProcessLookupError:
                continue  # it ended (a killed worker reaped) between the listing and this look
        return None

    def rows(self, sql, *params):
        """The rows of a query on the copy's SQLite database (read-only)."""
        connection = sqlite3.connect(f"file:{self.folder / 'db.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def query(self, sql, *params):
        """The first row of a query on the copy's SQLite database."""
        return (self.rows(sql, *params) or [None])[0]

    def stop(self):
        """SIGTERM to bin/serve, as a person's `kill` would; return (seconds taken, processes left)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        wait_for(lambda: not processes_in(self.folder), 5)
        return time.monotonic() - started, processes_in(self.folder)

    def clean_up(self):
        """Kill anything left (the test has said so already) and remove the copy."""
        for process in self.side_processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
        for pid in processes_in(self.folder):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if getattr(self, "log_file", None):
            self.log_file.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class PortalClient:
    """A logged-in admin user over plain HTTP: cookies, CSRF tokens, form posts."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path):
        with self.opener.open(self.base_url + path, timeout=60) as response:
            return response.geturl(), response.read().decode()

    def post(self, path, fields, files=None):
        page_url, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {page_url}"
        fields = {**fields, "csrfmiddlewaretoken": token.group(1)}
        body, content_type = multipart(fields, files or {})
        request = urllib.request.Request(self.base_url + path, data=body, method="POST",
                                         headers={"Content-Type": content_type, "Referer": page_url})
        with self.opener.open(request, timeout=300) as response:
            return response.geturl(), response.read().decode()

    def login(self, username, password=DEMO_PASSWORD):
        url, page = self.post("/admin/login/?next=/admin/", {"username": username, "password": password})
        assert "/admin/login/" not in url, f"{username} could not log in:\n{page[:2000]}"
        return self


def multipart(fields, files):
    """A multipart/form-data body: fields {name: value}, files {name: Path}."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, path in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{path.name}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
