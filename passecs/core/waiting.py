"""How long to wait between two looks at something that changes on its own (a task starting, stopping).

One pure schedule, :class:`Backoff`: look again after 1 s while the answer is likely to come soon, then
back off by half each time up to 5 s. :func:`poll` drives a probe on that schedule with an injectable clock
and sleep (tests run it on a fake clock) and returns the moment the probe has its answer.

Why the default is safe against the ECS API's rate limits for a wait of any length: ECS throttles each
account per region with a token bucket (sustained rate and burst per operation; the docs' throttling
table, "Request throttling for the Amazon ECS API", gives DescribeTasks a sustained 20 requests per
second). Intervals are measured from the start of one look to the start of the next and the looks are
made one after another, so a wait makes at most one call per second (a look is one aws process, ~0.4 s,
which is why it can never be more), and from about 20 s on one every 5 s: a 15-minute wait is under 200
calls, at most 1/20 of the sustained rate at its start and 1/100 after, leaving the account's other users
(consoles, other deploys) their share. The one wait that asks two things per look is ``up``'s once its
tasks are past PROVISIONING: a list of the project's tasks goes with each look (ListTasks, another read
operation with its own bucket), so that the check for surplus tasks after the wait costs no time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Backoff:
    """The gap before look ``n + 1`` (``n`` = looks made so far): ``first`` for the first ``steady`` looks,
    then multiplied by ``factor`` at each look up to ``cap``."""

    first: float = 1.0
    steady: int = 10  # looks at the first interval: answers that come within ~10 s are seen within ~1 s
    factor: float = 1.5
    cap: float = 5.0

    def __post_init__(self) -> None:
        if self.first <= 0 or self.cap < self.first or self.factor < 1 or self.steady < 0:
            raise ValueError(f"not a backoff schedule: {self}")

    def interval(self, looks: int) -> float:
        """Seconds from the start of look ``looks`` (1-based: the one just made) to the start of the next."""
        grown = max(0, looks - self.steady)
        return min(self.cap, self.first * self.factor**grown)

    def intervals(self) -> Iterator[float]:
        looks = 0
        while True:
            looks += 1
            yield self.interval(looks)

    @classmethod
    def fixed(cls, seconds: float) -> Backoff:
        """The same gap every time (tests, and callers that name an interval)."""
        return cls(first=seconds, steady=0, factor=1.0, cap=seconds)


DEFAULT = Backoff()


class Pacer:
    """Paces the looks of one wait: call :meth:`wait` before each look, :meth:`expired` after it.

    ``wait`` sleeps until the next look is due (the first at once, or one interval after the start with
    ``look_first=False``: for a caller that already knows the state now, as run-task and stop-task answer
    with the task as it is); ``expired`` says whether the deadline has passed, so that the last look is
    made at the deadline and never after it.
    """

    def __init__(
        self,
        timeout: float,
        schedule: Backoff = DEFAULT,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        look_first: bool = True,
    ) -> None:
        self.schedule = schedule
        self.clock = clock
        self.sleep = sleep
        self.start = clock()
        self.deadline = self.start + timeout
        self.looks = 0
        self.next_look = self.start if look_first else min(self.deadline, self.start + schedule.interval(0))

    def wait(self) -> None:
        now = self.clock()
        if self.next_look > now:
            self.sleep(self.next_look - now)
        began = self.clock()
        self.looks += 1
        self.next_look = min(self.deadline, began + self.schedule.interval(self.looks))

    def expired(self) -> bool:
        return self.clock() >= self.deadline

    def reset(self) -> None:
        """Start the schedule again at its first interval (something changed: more may follow soon)."""
        self.looks = 0
        self.next_look = min(self.next_look, self.clock() + self.schedule.interval(0))


def poll(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    schedule: Backoff = DEFAULT,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    look_first: bool = True,
) -> T | None:
    """Call ``probe`` on ``schedule`` until it returns something other than None, and return that at once.

    None when ``timeout`` seconds pass first (see :class:`Pacer`). Exceptions from ``probe`` (a task that
    stopped instead of starting) end the wait and pass through.
    """
    pacer = Pacer(timeout, schedule, clock=clock, sleep=sleep, look_first=look_first)
    while True:
        pacer.wait()
        answer = probe()
        if answer is not None:
            return answer
        if pacer.expired():
            return None
