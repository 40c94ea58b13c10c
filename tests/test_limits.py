"""Bounded work on any input: ${VAR} substitution cannot grow a project without limit, and a file is parsed
once per command however many checks read it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from passecs.core.errors import InvalidInput
from passecs.files import project as projectfiles
from passecs.files import syntax


def _compose(folder: Path, environment: str) -> None:
    head = "version: '2'\nservices:\n  web:\n    image: nginx\n    environment:\n"
    (folder / "docker-compose.yml").write_text(head + environment + "\n")


def test_a_long_variable_referred_to_many_times_is_refused_quickly(tmp_path: Path) -> None:
    refs = "\n".join(f"      - V{i}=${{LONG}}" for i in range(200))
    _compose(tmp_path, refs)
    (tmp_path / ".env").write_text("LONG=" + "x" * 100_000 + "\n")  # 200 x 100 kB = 20 MB once substituted
    began = time.monotonic()
    with pytest.raises(InvalidInput) as err:
        projectfiles.load_project(tmp_path, ["docker-compose.yml"], env={})
    assert "MiB once ${VAR} references are substituted" in err.value.message
    assert time.monotonic() - began < 5


def test_the_same_project_within_the_budget_loads(tmp_path: Path) -> None:
    refs = "\n".join(f"      - V{i}=${{LONG}}" for i in range(20))  # 2 MB: within the budget
    _compose(tmp_path, refs)
    (tmp_path / ".env").write_text("LONG=" + "x" * 100_000 + "\n")
    loaded = projectfiles.load_project(tmp_path, ["docker-compose.yml"], env={})
    assert len(loaded.services["web"].container.environment) == 20


def test_the_budget_counts_across_calls_in_one_block_and_a_nested_block_does_not_reset_it() -> None:
    def text(s: str) -> str:
        return s * 10

    with syntax.interpolation_budget(limit=100):
        syntax.interpolate_value(["abcd"], text)  # 40
        with syntax.interpolation_budget(limit=100), pytest.raises(InvalidInput):
            syntax.interpolate_value(["abcd", "abcd"], text)  # 80 more: 120 > 100
    assert syntax.interpolate_value(["abcd"] * 100, text)  # no block: no budget


def test_a_compose_file_is_parsed_once_and_each_caller_gets_its_own_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("version: '2'\nservices:\n  web:\n    image: nginx\n")
    parsed: list[str] = []
    real = projectfiles.load_yaml_text
    monkeypatch.setattr(projectfiles, "load_yaml_text", lambda text, p: (parsed.append(text), real(text, p))[1])
    first = projectfiles.load_yaml_file(path)
    first["services"]["web"]["image"] = "changed by a caller"
    second = projectfiles.load_yaml_file(path)
    assert second["services"]["web"]["image"] == "nginx" and len(parsed) == 1
    path.write_text("version: '2'\nservices:\n  web:\n    image: httpd\n")  # a new text is parsed anew
    assert projectfiles.load_yaml_file(path)["services"]["web"]["image"] == "httpd" and len(parsed) == 2
