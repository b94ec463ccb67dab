"""Run functions at the same instant on real database connections (the concurrency tests).

Each function runs in its own thread, hence its own database connection; a Barrier releases
them together. What each returned (or the exception it raised) comes back in call order.

A race that needs its functions to meet again later (one must have read before the other
writes, say) makes its barrier with `meeting(n)`, passes it to `run_together(..., meeting=it)`
(which starts the functions with it) and calls `it.wait()` at the later meeting points, in
every function (or in code they call) the same number of times.
"""
import threading

from django.db import connection

WAIT_SECONDS = 30


def meeting(parties):
    """A barrier for `parties` functions run together; a wait longer than WAIT_SECONDS breaks it
    (the functions then raise threading.BrokenBarrierError instead of hanging the test)."""
    return threading.Barrier(parties, timeout=WAIT_SECONDS)


def run_together(*functions, meeting=None):
    barrier = meeting or threading.Barrier(len(functions))
    assert barrier.parties == len(functions), "the meeting must be made for every function"
    outcomes = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            outcomes[index] = function()
        except Exception as exc:  # the test inspects it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a concurrent call did not finish"
    return outcomes
