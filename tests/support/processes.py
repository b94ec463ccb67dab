"""Helpers to find and stop the processes a test started: a process group, bounded waits."""
import os
import signal
import time
from pathlib import Path


def group_members(pgid):
    """Live (not zombie) processes whose process group is `pgid`, as {pid: command line}."""
    members = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'
            state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
            if int(pgrp) != pgid or state == "Z":
                continue
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # it ended while we looked
        members[int(proc.name)] = cmdline.strip()
    return members


def wait_for(predicate, timeout, interval=0.1):
    """Poll `predicate` until it returns a true value or `timeout` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def kill_group(pgid, grace=10):
    """SIGKILL every process left in the group; return those still alive after `grace` seconds."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return {}
    wait_for(lambda: not group_members(pgid), grace)
    return group_members(pgid)
