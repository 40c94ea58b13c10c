"""`passecs logs`: --since values, and the container-name prefix (aligned; coloured on a terminal only)."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from passecs.backends.ecscli.backend import stamped_lines
from passecs.core import output
from passecs.core.errors import UsageError
from passecs.runbook.compose import parse_since

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("value", "seconds_ago"),
    [("10m", 600), ("2h", 7200), ("30s", 30), ("1d", 86400), ("15", 900), ("2026-12-01T08:30:00Z", 1800),
     ("2026-12-01T08:30", 1800), ("2026-12-01 09:30:00+01:00", 1800)],
)  # fmt: skip
def test_since_accepts_durations_minutes_and_iso_times(value: str, seconds_ago: int) -> None:
    assert parse_since(value, NOW) == NOW - seconds_ago


@pytest.mark.parametrize("value", ["ten minutes", "10 parsecs", "2027-01-01T00:00:00Z", "-5m"])
def test_since_rejects_what_it_cannot_read_as_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_since(value, NOW)
    assert caught.value.message.startswith(f"--since {value}: ")


def test_bad_since_on_the_command_line_is_exit_2(cli, home, project) -> None:  # type: ignore[no-untyped-def]
    out = cli("-C", str(project), "logs", "--since", "soon")
    assert out.code == 2 and "passecs: error: --since soon: not a duration or a time" in out.stderr


def test_labels_are_aligned_and_coloured_only_when_asked() -> None:
    lines: list[str] = []
    plain = output.LabelledLines(["fcrepo", "submission"], colour=False, sink=lines.append)
    plain("fcrepo", "up")
    plain("submission", "ready")
    assert lines == ["fcrepo     | up", "submission | ready"]
    coloured = output.LabelledLines(["fcrepo", "ember"], colour=True, sink=lines.append)
    coloured("fcrepo", "a")
    coloured("ember", "b")
    assert lines[2:] == ["\033[36mfcrepo\033[0m | a", "\033[33member \033[0m | b"]


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert output.colour_wanted(Tty()) and not output.colour_wanted(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not output.colour_wanted(Tty())


def test_ecs_cli_timestamped_lines_keep_continuation_lines_with_their_message() -> None:
    text = "2026-12-01T08:00:01Z\tfirst\n\n2026-12-01T08:00:02Z\tTraceback:\n  line 2\n\n"
    found = stamped_lines(text)
    t1 = datetime(2026, 12, 1, 8, 0, 1, tzinfo=timezone.utc).timestamp()
    assert found == [
        (t1, "2026-12-01T08:00:01Z", "first"),
        (t1 + 1, "2026-12-01T08:00:02Z", "Traceback:"),
        (t1 + 1, "", "  line 2"),
    ]


def test_follow_of_every_container_with_ecs_cli_repeats_no_line(  # type: ignore[no-untyped-def]
    cli, home, project, fake_ecs_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import recording

    from passecs.backends.ecscli import backend as ecscli_backend

    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(recording("13-cat-config")["out"], encoding="utf-8")
    monkeypatch.setenv("FAKE_ECS_CLI_POLL", "0")
    assert cli("-C", str(project), "up").code == 0
    passes = []

    def sleep(seconds: float) -> None:
        passes.append(seconds)
        if len(passes) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(ecscli_backend.time, "sleep", sleep)
    out = cli("-C", str(project), "logs", "--follow")
    assert out.code == 130 and "passecs: error: interrupted" in out.stderr
    assert passes == [10.0, 10.0]  # ecs-cli's own --follow interval, between three passes
    lines = out.stdout.splitlines()
    assert len(lines) == 8 and len(set(lines)) == 8  # the second and third passes found nothing new
    assert {line.split(" | ")[0].strip() for line in lines} == {"fcrepo", "ember", "ftpserver", "submission"}
