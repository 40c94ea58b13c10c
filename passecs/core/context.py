"""The global options of one passecs invocation, and the one door through which commands run.

The Typer callback builds a :class:`Context`; every command gets it. ``Context.execute`` is where
``--dry-run`` and ``--verbose`` are honoured and where known secrets are added to every command's mask.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, overload

from passecs.core import output
from passecs.core.errors import CommandFailed, Interrupted, InvalidInput
from passecs.core.masking import mask, secret_values
from passecs.core.runner import Command, LineSink, Result, run

# Environment variables whose values are secrets wherever they appear (whatever their length).
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
MAX_ENV_VARIABLES = 1000  # in an env file loaded into the environment (.env, --env-file)

Runner = Callable[..., Result]

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

# at most this many processes at once: each aws process is ~0.4 s of Python start-up on one core
MAX_AT_ONCE = 4


def load_env_file(path: Path) -> None:
    """Load ``path`` (dotenv syntax) into the process environment, never overriding what is set."""
    import io

    from dotenv import dotenv_values

    from passecs.core.fsutil import read_text

    try:
        text = read_text(path, "--env-file")
        # python-dotenv's ${VAR} interpolation costs time quadratic in the number of variables (60 000 of
        # them: over a minute): the number is bounded (PASS's .env has a dozen)
        count = sum(1 for line in text.splitlines() if "=" in line and not line.lstrip().startswith("#"))
        if count > MAX_ENV_VARIABLES:
            raise InvalidInput(
                f"{path}: {count} variables; passecs reads at most {MAX_ENV_VARIABLES} from an env file",
                "keep only the variables the compose files and ecs-params.yml use",
            )
        values = dotenv_values(stream=io.StringIO(text))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}", "check the file given to --env-file") from None
    for key, value in values.items():
        if key and value is not None:
            os.environ.setdefault(key, value)


def _masked(sink: LineSink | None, command: Command) -> LineSink | None:
    """``sink`` seeing each streamed line masked (a child may print a secret it was given)."""
    if sink is None:
        return None
    return lambda line: sink(command.masked(line))


@dataclass(frozen=True)
class Context:
    project_dir: Path = field(default_factory=Path.cwd)
    env_file: Path | None = None
    dry_run: bool = False
    verbose: bool = False
    runner: Runner = run
    extra: Mapping[str, Any] = field(default_factory=dict)
    # how compose steps run: "ecs-cli" (the runbook's own tool) or "aws" (the aws CLI alone)
    backend: str = "ecs-cli"
    # True when nobody chose the backend and ecs-cli was not found: say so once, where it matters
    backend_defaulted: bool = False
    project_name_option: str | None = None  # --project-name/-p (see passecs.files.naming)
    # deploy creates missing CloudWatch log groups without --create-log-groups (the local rehearsal's setting)
    create_log_groups: bool = False
    # values masked in every display besides the environment's own secrets (e.g. the secret-named values
    # of the project's env files, which the task definition carries)
    known_secrets: tuple[str, ...] = ()

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ

    @property
    def home(self) -> Path:
        """Where ``~/.ecs`` lives: ``HOME``, as for ecs-cli."""
        home = self.env.get("HOME") or self.env.get("USERPROFILE")
        if not home:
            raise InvalidInput("HOME is not set", "set HOME: ecs-cli keeps its files in $HOME/.ecs")
        return Path(home)

    @property
    def ecs_dir(self) -> Path:
        return self.home / ".ecs"


    @property
    def protected_clusters(self) -> frozenset[str]:
        """Cluster configurations that need confirmation for up/down (PASSECS_PROTECTED_CLUSTERS)."""
        raw = self.env.get("PASSECS_PROTECTED_CLUSTERS", "")
        return frozenset(name.strip() for name in raw.split(",") if name.strip())

    def secrets(self) -> tuple[str, ...]:
        """Every value no display may show: the AWS secret key and session token, the value of every
        secret-named environment variable (see :mod:`passecs.core.masking`), and ``known_secrets``."""
        named = tuple(v for name in SECRET_VARIABLES if (v := self.env.get(name, "")))
        return tuple(dict.fromkeys(named + secret_values(self.env) + self.known_secrets))

    def with_secrets(self, values: tuple[str, ...]) -> Context:
        """This context, masking ``values`` too."""
        return replace(self, known_secrets=tuple(dict.fromkeys(self.known_secrets + values)))

    def mask(self, text: str) -> str:
        return mask(text, self.secrets())

    def with_options(self, **changes: Any) -> Context:
        return replace(self, **changes)

    def execute(
        self,
        command: Command,
        *,
        mutates: bool = True,
        timeout: float | None = None,
        on_stdout: LineSink | None = None,
        on_stderr: LineSink | None = None,
    ) -> Result:
        """Run ``command``; with ``--dry-run`` a command that ``mutates`` is printed instead of run."""
        command = replace(command, secrets=tuple(dict.fromkeys(command.secrets + self.secrets())))
        if self.dry_run and mutates:
            output.result(command.display())
            return Result(command, 0, "", "", 0.0)
        if self.verbose:
            output.progress(f"+ {command.display()}")
        return self.runner(
            command, timeout=timeout, on_stdout=_masked(on_stdout, command), on_stderr=_masked(on_stderr, command)
        )

    def check(self, result: Result, what: str, fix: str | None = None) -> Result:
        """``result`` if it succeeded, else a CommandFailed naming the command, its exit code and output."""
        if result.ok:
            return result
        raise CommandFailed(
            f"{what} failed (exit {result.exit_code}): {result.command.display()}",
            fix,
            detail=result.tail() or None,
        )


@overload
def gather(a: Callable[[], A], b: Callable[[], B], /) -> tuple[A, B]: ...
@overload
def gather(a: Callable[[], A], b: Callable[[], B], c: Callable[[], C], /) -> tuple[A, B, C]: ...
@overload
def gather(
    a: Callable[[], A], b: Callable[[], B], c: Callable[[], C], d: Callable[[], D], /
) -> tuple[A, B, C, D]: ...
@overload
def gather(*calls: Callable[[], Any]) -> tuple[Any, ...]: ...
def gather(*calls: Callable[[], Any]) -> tuple[Any, ...]:
    """Run independent ``calls`` at once (threads; each starts its processes through ``Context.execute``,
    so ``--dry-run``, ``--verbose`` and masking hold) and return their results in the order given.

    Every call runs to its end; then the first failure, in the order given, is raised. One call (or none)
    runs in this thread. Ctrl-C while waiting raises Interrupted; calls not yet started are dropped.
    """
    if len(calls) <= 1:
        return tuple(call() for call in calls)
    from concurrent.futures import ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(max_workers=min(len(calls), MAX_AT_ONCE), thread_name_prefix="passecs")
    futures = [pool.submit(call) for call in calls]
    try:
        wait(futures)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        raise Interrupted("interrupted") from None
    pool.shutdown()
    return tuple(future.result() for future in futures)


def in_background(call: Callable[[], A]) -> Callable[[], A]:
    """Start ``call`` on a thread now (its processes through ``Context.execute``, as :func:`gather`); the
    function returned waits for it and returns its result or raises its error. The thread is a daemon: a
    passecs that ends (Ctrl-C) does not wait for it."""
    import threading

    box: list[Any] = []

    def target() -> None:
        try:
            box.append((True, call()))
        except BaseException as exc:  # handed to whoever waits for the result
            box.append((False, exc))

    thread = threading.Thread(target=target, name="passecs-background", daemon=True)
    thread.start()

    def result() -> A:
        thread.join()
        ok, value = box[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    return result
