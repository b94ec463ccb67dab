"""What the management commands share about unexpected failures (DESIGN.md "Command-line
contracts"): exit status 1 ("failed, retryable"; 2 is only for a refusal), one line on
stderr, and the exception logged, never a traceback printed at the person running the
command (Django's `--traceback` option shows it).
"""
import functools
import logging
from contextlib import contextmanager

from django.core.management.base import CommandError

FAILED = 1
logger = logging.getLogger("icportal.commands")


class OneLineExceptions(logging.Filter):
    """Shows a record's exception as `(Type: message)` at the end of its line instead of a
    traceback."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


@contextmanager
def one_line_exceptions(enabled=True):
    """While the block runs, every root handler shows logged exceptions on one line."""
    handlers = list(logging.getLogger().handlers) if enabled else []
    quiet = OneLineExceptions()
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


def reports_unexpected_errors(name):
    """Decorate a command's `handle`: an unexpected exception is logged and the command exits
    1 with one line on stderr. Refusals (CommandError, SystemExit) pass through unchanged."""
    def decorate(handle):
        @functools.wraps(handle)
        def wrapper(self, *args, **options):
            with one_line_exceptions(enabled=not options.get("traceback")):
                try:
                    return handle(self, *args, **options)
                except (CommandError, SystemExit):
                    raise
                except Exception as exc:
                    logger.exception("manage.py %s failed", name)
                    self.stderr.write(f"{name}: failed on an unexpected error ({type(exc).__name__}); the details "
                                      "are in the log. It can be run again; report it if it happens again.")
                    raise SystemExit(FAILED) from None
        return wrapper
    return decorate
