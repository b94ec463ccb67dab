"""Run functions at the same instant on real database connections (the concurrency tests).

Each function runs in its own thread, hence its own database connection; a Barrier releases
them together. What each returned (or the exception it raised) comes back in call order.
"""
import threading

from django.db import connection


def run_together(*functions):
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=30)
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
