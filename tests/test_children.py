"""No child outlives passecs: the children of worker threads (concurrent aws calls) are stopped on the way out."""

from __future__ import annotations

import sys
import threading
import time

from passecs.core import runner
from passecs.core.runner import Command


def test_stop_all_stops_a_child_that_a_worker_thread_waits_for() -> None:
    started = threading.Event()
    outcome: dict[str, object] = {}

    def worker() -> None:
        started.set()
        outcome["result"] = runner.run(Command((sys.executable, "-c", "import time; time.sleep(60)")))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    started.wait()
    for _ in range(100):  # until the child is running and tracked
        if runner.running_children():
            break
        time.sleep(0.02)
    assert runner.running_children(), "the child was not tracked"
    began = time.monotonic()
    runner.stop_all()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - began < 5
    assert runner.running_children() == []
    result = outcome["result"]
    assert isinstance(result, runner.Result) and result.exit_code != 0  # killed, not finished


def test_a_finished_child_is_no_longer_tracked() -> None:
    result = runner.run(Command((sys.executable, "-c", "print('ok')")))
    assert result.ok and result.stdout == "ok\n"
    assert runner.running_children() == []
