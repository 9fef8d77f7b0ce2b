"""A wall-clock budget for a script that must stop cleanly before its caller's limit.

    budget = Budget(300)                        # seconds from now
    with budget.phase("compile", cap_s=90):     # PhaseTimeout after min(90, what is left)
        ...
    budget.left()                               # seconds left
    budget.times                                # {phase name: seconds spent, summed}

The cap is an interval timer (SIGALRM) raising PhaseTimeout in the main thread: Python code and
subprocess waits are interrupted; a C call that never returns to Python is not. SIGTERM and
SIGINT (what `timeout` sends) raise Stopped, so the caller can print what it has.
"""
import signal
import time
from contextlib import contextmanager


class PhaseTimeout(Exception):
    pass


class OutOfBudget(PhaseTimeout):
    """A phase asked to start with no time left: nothing of it ran (a skip, not an error)."""


class Stopped(Exception):
    pass


def _stop(signum, frame):  # noqa: ARG001
    raise Stopped(f"stopped by signal {signal.Signals(signum).name}")


def stop_on_signals():
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)


class Budget:
    def __init__(self, total_s):
        self.start = time.monotonic()
        self.total_s = total_s if total_s and total_s > 0 else float("inf")
        self.times = {}

    def left(self):
        return self.total_s - (time.monotonic() - self.start)

    def elapsed(self):
        return time.monotonic() - self.start

    @contextmanager
    def phase(self, name, cap_s=None):
        limit = min(cap_s if cap_s else float("inf"), self.left())
        if limit <= 0:
            raise OutOfBudget(f"{name}: no time left in the budget")
        armed = limit != float("inf")

        def expire(signum, frame):  # noqa: ARG001
            raise PhaseTimeout(f"{name} took over {limit:.0f} s (cap)")

        previous = signal.signal(signal.SIGALRM, expire) if armed else None
        if armed:
            signal.setitimer(signal.ITIMER_REAL, limit)
        t0 = time.monotonic()
        try:
            yield
        finally:
            if armed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            self.times[name] = self.times.get(name, 0.0) + time.monotonic() - t0
