"""The poll schedule (passecs.core.waiting) on a fake clock: when each look happens, that a wait stops on
the look that has the answer, never looks after its deadline, and stays within one look per second."""

from __future__ import annotations

import itertools

import pytest

from passecs.core import waiting


class FakeClock:
    """Time that moves only when slept on, or when a look takes time (``cost``)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.now += seconds


def looks_until(
    answer_at: float | None,
    *,
    timeout: float,
    cost: float = 0.0,
    look_first: bool = True,
    schedule: waiting.Backoff = waiting.DEFAULT,
) -> tuple[list[float], object]:
    """The times (since the start) of every look of a wait whose answer exists from ``answer_at`` on."""
    clock = FakeClock()
    start = clock.now
    looks: list[float] = []

    def probe() -> str | None:
        looks.append(round(clock.now - start, 6))
        clock.now += cost  # a look is a process: it takes time
        return "RUNNING" if answer_at is not None and clock.now - start >= answer_at else None

    result = waiting.poll(
        probe, timeout=timeout, schedule=schedule, clock=clock, sleep=clock.sleep, look_first=look_first
    )
    return looks, result


def test_the_default_schedule_starts_at_one_second_and_backs_off_to_five() -> None:
    intervals = [waiting.DEFAULT.interval(n) for n in range(1, 20)]
    assert intervals[:10] == [1.0] * 10
    assert intervals[10:14] == [1.5, 2.25, 3.375, 5.0]
    assert intervals[14:] == [5.0] * 5
    assert all(b >= a for a, b in itertools.pairwise(intervals))


def test_a_wait_stops_on_the_first_look_that_has_the_answer() -> None:
    looks, result = looks_until(8.0, timeout=900)
    assert result == "RUNNING"
    assert looks == [0, 1, 2, 3, 4, 5, 6, 7, 8]  # known at 8 s, seen at 8 s: no look after it


def test_gaps_are_measured_from_the_start_of_one_look_to_the_start_of_the_next() -> None:
    # each look takes 0.4 s (an aws process): the wait sleeps only the rest of the interval
    looks, _ = looks_until(3.0, timeout=900, cost=0.4)
    assert looks == [0, 1, 2, 3]


def test_look_first_false_waits_one_interval_before_the_first_look() -> None:
    looks, result = looks_until(0.0, timeout=900, look_first=False)
    assert result == "RUNNING"
    assert looks == [1.0]


def test_a_long_wait_backs_off_and_stays_far_inside_the_rate_limits() -> None:
    looks, result = looks_until(None, timeout=900)
    assert result is None
    gaps = [b - a for a, b in itertools.pairwise(looks)]
    assert min(gaps) >= 1.0 - 1e-9  # never more than one call a second
    assert max(gaps) == pytest.approx(5.0)
    assert len(looks) < 200  # a 15-minute wait
    assert looks[-1] == pytest.approx(900)  # the last look at the deadline
    late = [t for t in looks[:-1] if t >= 60]
    assert all(b - a == pytest.approx(5.0) for a, b in itertools.pairwise(late))


def test_the_last_look_is_at_the_deadline_never_after_it() -> None:
    looks, result = looks_until(None, timeout=12.5, cost=0.2)
    assert result is None
    assert looks[-1] == pytest.approx(12.5)
    assert all(t <= 12.5 for t in looks)


def test_an_exception_from_the_probe_ends_the_wait() -> None:
    clock = FakeClock()
    calls = []

    def probe() -> None:
        calls.append(clock.now)
        if len(calls) == 3:
            raise RuntimeError("task stopped")

    with pytest.raises(RuntimeError, match="task stopped"):
        waiting.poll(probe, timeout=900, clock=clock, sleep=clock.sleep)
    assert len(calls) == 3


def test_reset_starts_the_schedule_again() -> None:
    clock = FakeClock()
    pacer = waiting.Pacer(float("inf"), clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(14):
        pacer.wait()
        times.append(clock.now)
    assert times[-1] - times[-2] == 3.375  # backed off while nothing came
    pacer.reset()  # a look brought news
    pacer.wait()
    assert clock.now - times[-1] == 1.0


def test_a_fixed_schedule_and_bad_schedules() -> None:
    assert [waiting.Backoff.fixed(0.25).interval(n) for n in (1, 5, 50)] == [0.25] * 3
    with pytest.raises(ValueError):
        waiting.Backoff(first=0)
    with pytest.raises(ValueError):
        waiting.Backoff(first=2, cap=1)
