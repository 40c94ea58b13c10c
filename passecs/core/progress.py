"""Progress people can watch while up/down wait for ECS, in one place for both backends.

The backends emit lines through their progress callback; a container's state change is a
:class:`StateChange` (a line that also carries its task, container and state). :class:`ProgressView` is
the callback that renders them:

* on a terminal, a live status (rich, imported only then) updated in place: the elapsed time and each
  container's state, other lines printed above it;
* elsewhere (CI, pipes), one plain line per change, and ``still waiting (45 s): 4 PENDING`` when nothing
  was said for 15 s.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

HEARTBEAT_SECONDS = 15.0


class StateChange(str):
    """A container's new state: the line ``TASK/CONTAINER: STATE``, with the fields kept."""

    task_id: str
    container: str
    state: str

    def __new__(cls, task_id: str, container: str, state: str) -> StateChange:
        line = super().__new__(cls, f"{task_id}/{container}: {state}")
        line.task_id, line.container, line.state = task_id, container, state
        return line


def plain_line(change: StateChange) -> str:
    return f"  {change.container:<12} {change.state:<10} task {change.task_id}"


class ProgressView:
    """The progress callback: ``view(line)``; use as a context manager around the wait."""

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        heartbeat: float = HEARTBEAT_SECONDS,
        title: str = "waiting for ECS",
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.heartbeat = heartbeat
        self.title = title
        self.live_wanted = live
        self.states: dict[tuple[str, str], str] = {}  # (task, container) -> state, in order of appearance
        self.started = clock()
        self.last_said = self.started
        self._lock = threading.RLock()
        self._live: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ output

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    def _say(self, text: str) -> None:
        if self._live is not None:
            from rich.text import Text

            self._live.console.print(Text(text), soft_wrap=True)
            return
        out = self._out()
        out.write(text + "\n")
        out.flush()

    def __call__(self, line: str) -> None:
        with self._lock:
            if isinstance(line, StateChange):
                key = (line.task_id, line.container)
                if self.states.get(key) == line.state:
                    return
                self.states[key] = line.state
                if self._live is not None:
                    self._live.refresh()
                else:
                    self._say(plain_line(line))
            else:
                self._say(line)
            self.last_said = self.clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def summary(self) -> str:
        """``4 PENDING`` / ``2 PENDING, 2 RUNNING``: how many containers are in each state."""
        counts = Counter(self.states.values())
        return ", ".join(f"{n} {state}" for state, n in counts.items())

    def tick(self) -> None:
        """Plain mode: say ``still waiting`` when nothing was said for ``heartbeat`` seconds."""
        with self._lock:
            if self._live is not None or self.clock() - self.last_said < self.heartbeat:
                return
            summary = self.summary()
            self._say(f"still waiting ({self.elapsed():.0f} s)" + (f": {summary}" if summary else ""))
            self.last_said = self.clock()

    # ------------------------------------------------------------------------------------------ live

    def __rich__(self) -> Any:
        """What the live status shows: the elapsed time, then one row per container."""
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        table.add_row(f"{self.title}: {self.elapsed():.0f} s", self.summary())
        for (task, container), state in self.states.items():
            table.add_row(f"  {container}", f"{state}   task {task}")
        return table

    def _use_live(self) -> bool:
        if self.live_wanted is not None:
            return self.live_wanted
        isatty = getattr(self._out(), "isatty", None)
        return bool(isatty and isatty())

    def __enter__(self) -> ProgressView:
        self.started = self.last_said = self.clock()
        if self._use_live():
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self._out(), stderr=self.stream is None)
            # stdout lines go above the status only when stdout is this terminal too; piped, they stay stdout
            to_terminal = bool(getattr(sys.stdout, "isatty", None) and sys.stdout.isatty())
            self._live = Live(
                self, console=console, refresh_per_second=4, transient=False, redirect_stdout=to_terminal
            )
            self._live.start()
        elif self.heartbeat > 0:
            self._ticker = threading.Thread(target=self._tick_until_stopped, name="passecs-progress", daemon=True)
            self._ticker.start()
        return self

    def _tick_until_stopped(self) -> None:
        while not self._stop.wait(1.0):
            self.tick()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()
