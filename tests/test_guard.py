"""The production guard (PASSECS_PROTECTED_CLUSTERS): typed name on a terminal, --yes elsewhere, else exit 5.

End-to-end runs of ``up``/``down`` against a protected configuration are in test_compose.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import recording

from passecs.core.context import Context
from passecs.core.errors import ExitCode, Refused
from passecs.runbook import guard


@pytest.fixture
def ctx(home: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(recording("13-cat-config")["out"], encoding="utf-8")  # default: passdev
    monkeypatch.setenv("PASSECS_PROTECTED_CLUSTERS", " pass , prod2 ,")
    return Context(project_dir=home)


def _never(*_: object) -> bool:
    raise AssertionError("must not ask")


def test_protected_configurations_come_from_the_environment(ctx: Context) -> None:
    assert ctx.protected_clusters == frozenset({"pass", "prod2"})
    assert guard.is_protected(ctx, "pass")
    assert not guard.is_protected(ctx, "passdev")
    assert not guard.is_protected(ctx, None)


def test_unprotected_configuration_goes_through_without_asking(ctx: Context) -> None:
    assert guard.confirm(ctx, action="up", cluster_config="passdev", yes=False, is_terminal=_never) == "passdev"
    # no -c: the default configuration of ~/.ecs/config (passdev) is the target
    assert guard.confirm(ctx, action="up", cluster_config=None, yes=False, is_terminal=_never) == "passdev"


def test_without_terminal_and_without_yes_it_refuses_with_why_and_how(ctx: Context) -> None:
    with pytest.raises(Refused) as err:
        guard.confirm(ctx, action="down", cluster_config="pass", yes=False, is_terminal=lambda: False)
    assert err.value.code == ExitCode.REFUSED == 5
    assert "'pass' is protected (PASSECS_PROTECTED_CLUSTERS)" in err.value.message
    assert "no terminal" in err.value.message
    assert err.value.fix is not None and "--yes" in err.value.fix


def test_yes_lets_it_through_without_asking(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    assert guard.confirm(ctx, action="up", cluster_config="pass", yes=True, is_terminal=_never) == "pass"
    assert "protected" in capsys.readouterr().err


def test_default_configuration_can_be_protected(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSECS_PROTECTED_CLUSTERS", "passdev")
    with pytest.raises(Refused):
        guard.confirm(ctx, action="up", cluster_config=None, yes=False, is_terminal=lambda: False)


def test_on_a_terminal_the_typed_name_confirms(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    name = guard.confirm(
        ctx, action="up", cluster_config="pass", yes=False, is_terminal=lambda: True, read_answer=lambda: "pass\n"
    )
    assert name == "pass"
    err = capsys.readouterr()
    assert "Type 'pass' to confirm passecs up" in err.err
    assert err.out == ""  # the question never lands in the command's results


@pytest.mark.parametrize(("answer", "why"), [("pas\n", "did not match"), ("yes\n", "did not match"), ("", "no answer")])
def test_on_a_terminal_anything_else_refuses(ctx: Context, answer: str, why: str) -> None:
    with pytest.raises(Refused) as err:
        guard.confirm(
            ctx, action="down", cluster_config="pass", yes=False, is_terminal=lambda: True, read_answer=lambda: answer
        )
    assert why in err.value.message


def test_dry_run_needs_no_confirmation(ctx: Context) -> None:
    dry = ctx.with_options(dry_run=True)
    assert guard.confirm(dry, action="up", cluster_config="pass", yes=False, is_terminal=_never) == "pass"


def test_no_configuration_file_means_nothing_is_protected(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSECS_PROTECTED_CLUSTERS", "pass")
    ctx = Context(project_dir=home)
    assert guard.confirm(ctx, action="up", cluster_config=None, yes=False, is_terminal=_never) is None
