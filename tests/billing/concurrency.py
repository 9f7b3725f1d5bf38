"""Run work in threads released together, each with its own database connection."""

import threading

from django.db import connection

THREADS = 16


def run_in_threads(work, count: int = THREADS) -> list:
    """Run ``work(n)`` in ``count`` threads released together; each has its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except Exception as error:  # collected and asserted on by the test
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results
