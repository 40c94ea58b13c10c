"""The exit-code contract and the exceptions that carry it.

Every failure passecs reports is one of these exceptions; ``cli.main`` is the one place that turns them
into a message on stderr and an exit code. Nothing else calls ``sys.exit``.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1  # a wrapped command or the deployment failed
    USAGE = 2  # the command line itself is wrong
    INVALID_INPUT = 3  # an input or configuration file (or value) is invalid
    TOOL_MISSING = 4  # ecs-cli or aws cannot be found
    REFUSED = 5  # confirmation was needed and not given
    TIMED_OUT = 6
    DIFFERS = 7  # a result, not an error: `passecs diff` found differences
    HANGUP = 129  # SIGHUP (the terminal went away)
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM (a cancelled CI job, a stopped service)


class PassecsError(Exception):
    """A failure with a one-line message, an optional one-line fix and an exit code.

    A subclass names its exit code in its header: ``class Refused(PassecsError, code=ExitCode.REFUSED)``.
    """

    code: ExitCode = ExitCode.FAILED

    def __init_subclass__(cls, *, code: ExitCode | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, fix: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        # extra lines (a failed command's output tail) shown after the message
        self.detail = detail


class CommandFailed(PassecsError, code=ExitCode.FAILED): ...
class UsageError(PassecsError, code=ExitCode.USAGE): ...
class InvalidInput(PassecsError, code=ExitCode.INVALID_INPUT): ...
class ToolNotFound(PassecsError, code=ExitCode.TOOL_MISSING): ...
class Refused(PassecsError, code=ExitCode.REFUSED): ...
class TimedOut(PassecsError, code=ExitCode.TIMED_OUT): ...
class Interrupted(PassecsError, code=ExitCode.INTERRUPTED): ...


class Terminated(Interrupted, code=ExitCode.TERMINATED):
    """SIGTERM reached passecs: its children were stopped too (exit 143)."""


class HungUp(Interrupted, code=ExitCode.HANGUP):
    """SIGHUP reached passecs: its children were stopped too (exit 129)."""


class Signalled(BaseException):
    """SIGTERM or SIGHUP arrived (raised by the handler :func:`passecs.app.run_app` installs).

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    def error(self, message: str, fix: str | None = None) -> Interrupted:
        """The exit-code-carrying error for this signal."""
        import signal

        if self.signum == signal.SIGHUP:
            return HungUp(message, fix)
        if self.signum == signal.SIGTERM:
            return Terminated(message, fix)
        return Interrupted(message, fix)


class ParseError(CommandFailed):
    """Output of a wrapped CLI that does not have the shape passecs expects."""
