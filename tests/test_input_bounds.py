"""Bounded work on the largest accepted inputs (issue 13): each file parsed once per command, each text
interpolated once per pass, alias graphs measured without expanding them, env files read once, findings
of bounded length; and the faster readers give what the plain ones gave. Speed itself is measured by
benchmarks/input_bounds.py, not here."""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from passecs.checks import doctor
from passecs.core.context import Context
from passecs.core.findings import listed
from passecs.files import compose as composefiles
from passecs.files import ecs as ecsfiles
from passecs.files import project as projectfiles
from passecs.files import reading, syntax

ECS_PARAMS = """version: 1
task_definition:
  task_execution_role: ecsExecutionRole
  ecs_network_mode: awsvpc
  task_size:
    mem_limit: 0.5GB
    cpu_limit: 256
run_params:
  network_configuration:
    awsvpc_configuration:
      subnets: [subnet-0123456789abcdef0]
      security_groups: [sg-0123456789abcdef0]
"""
ECS_CONFIG = "version: v1\ndefault: pass\nclusters:\n  pass:\n    cluster: pass\n    region: us-east-1\n"


def _project(folder: Path, services: int, *, env_file: bool = False) -> Path:
    """``services`` services sharing one anchored environment (and, with ``env_file``, two env files)."""
    text = "version: '2'\nx-env: &env\n  - A=${V}-a\n  - B=$${LITERAL}\n  - C=${W:-default}\nservices:\n"
    for i in range(services):
        text += f"  s{i}:\n    image: nginx:1.{i}\n    mem_limit: 64m\n    environment: *env\n"
        if env_file:
            text += "    env_file: [one.env, two.env]\n"
    (folder / "docker-compose.yml").write_text(text)
    (folder / "docker-compose-ecs.yml").write_text("version: '2'\nservices:\n  s0:\n    cpu_shares: 10\n")
    (folder / "ecs-params.yml").write_text(ECS_PARAMS)
    (folder / ".env").write_text("V=v\n")
    (folder / "one.env").write_text("ONE=1\n")
    (folder / "two.env").write_text("TWO=2\nBARE\n")
    return folder


def _doctor(folder: Path, monkeypatch: pytest.MonkeyPatch) -> doctor.Report:
    home = folder / "home"
    (home / ".ecs").mkdir(parents=True, exist_ok=True)
    (home / ".ecs" / "config").write_text(ECS_CONFIG)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(folder)
    return doctor.offline(Context(project_dir=folder), doctor.Options(versions=False))


def test_doctor_parses_each_compose_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    projectfiles._PARSED.clear()
    parsed: Counter[str] = Counter()
    real = projectfiles.load_yaml_text

    def counting(text: str, path: Path) -> Any:
        parsed[Path(path).name] += 1
        return real(text, path)

    monkeypatch.setattr(projectfiles, "load_yaml_text", counting)
    report = _doctor(_project(tmp_path, 30), monkeypatch)
    assert report.project is not None and len(report.project.services) == 30
    assert parsed["docker-compose.yml"] == 1 and parsed["docker-compose-ecs.yml"] == 1


def test_each_text_is_interpolated_once_per_pass_however_many_services_share_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = syntax._interpolate_v2

    def counting(text: str, state: syntax.Interpolation) -> str | None:
        calls.append(text)
        return real(text, state)

    monkeypatch.setattr(syntax, "_interpolate_v2", counting)
    (tmp_path / "few").mkdir()
    (tmp_path / "many").mkdir()
    few = projectfiles.load_project(_project(tmp_path / "few", 2), env={})
    for_few = len(calls)
    calls.clear()
    many = projectfiles.load_project(_project(tmp_path / "many", 200), env={})
    assert len(calls) == for_few  # the three texts, once in each pass: not once per service
    passes = len(calls) // 3
    assert Counter(calls) == {"A=${V}-a": passes, "B=$${LITERAL}": passes, "C=${W:-default}": passes}
    for loaded in (few, many):  # and every service still gets the substituted values
        assert all(
            dict(s.container.environment) == {"A": "v-a", "B": "${LITERAL}", "C": "default"}
            for s in loaded.services.values()
            if s.container is not None
        )
    assert many.variables == ("V", "W") and many.unset_variables == ()


def test_unset_variables_keep_their_first_seen_order(tmp_path: Path) -> None:
    names = [f"U{i}" for i in range(40)]
    environment = "".join(f"      - E{i}=${{{name}}}\n" for i, name in enumerate(names))
    head = "version: '2'\nservices:\n  web:\n    image: n:1\n    environment:\n"
    (tmp_path / "docker-compose.yml").write_text(head + environment)
    loaded = projectfiles.load_project(tmp_path, ["docker-compose.yml"], env={})
    assert loaded.unset_variables == tuple(names)


def test_an_env_file_named_by_many_services_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: Counter[str] = Counter()
    real = projectfiles.read_text_file

    def counting(path: Path, missing: str | None = None, fix: str = "") -> str:
        read[path.name] += 1
        return real(path, missing, fix)

    monkeypatch.setattr(projectfiles, "read_text_file", counting)
    loaded = projectfiles.load_project(_project(tmp_path, 50, env_file=True), env={})
    assert read["one.env"] == 1 and read["two.env"] == 1
    assert dict(loaded.services["s7"].container.environment)["TWO"] == "2"  # type: ignore[union-attr]


def _chain(levels: int) -> str:
    lines = ["a0: &a0 [v]"] + [f"a{k}: &a{k} [*a{k - 1}, *a{k - 1}]" for k in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_expanded_size_visits_each_node_of_an_alias_chain_once(monkeypatch: pytest.MonkeyPatch) -> None:
    visits: list[Any] = []
    real = reading._children
    monkeypatch.setattr(reading, "_children", lambda node, y: (visits.append(node), real(node, y))[1])
    # 12 levels: sizes 2, 5, 11, ... (2**(k+1) + 2**k - 1 each), every one a top-level value too
    size = reading.expanded_size(yaml.compose(_chain(12)))
    per_level = [3 * 2**k - 1 for k in range(13)]
    assert size == 1 + sum(per_level) + 13  # the document, the values, the keys
    assert len(visits) <= 2 * (2 * 13 + 13 + 1)  # each distinct node's children listed at most twice
    visits.clear()
    # 60 levels expand to 2**61 nodes: refused after a walk of the ~120 distinct nodes, never expanded
    with pytest.raises(reading.YamlTooComplex, match="more than 100000 YAML nodes"):
        reading.expanded_size(yaml.compose(_chain(60)))
    assert len(visits) < 1000


def test_expanded_size_of_a_document_without_aliases_takes_the_single_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    visits: list[Any] = []
    real = reading._children
    monkeypatch.setattr(reading, "_children", lambda node, y: (visits.append(node), real(node, y))[1])
    node = yaml.compose("a: [1, 2, {b: c}]\nd: e\n")
    assert reading.expanded_size(node) == 10 and visits == []  # the careful walk was not needed
    assert reading.expanded_size(yaml.compose("x: &a [1, 2, {b: c}]\ny: *a\n")) == 15 and visits  # the careful one
    with pytest.raises(reading.YamlTooComplex, match="deeper than 3"):
        reading.expanded_size(yaml.compose("a: [[[[x]]]]\n"), max_depth=3)


YAML_SAMPLES = [
    "a: 1\nb: [1, 2.5, true, null, ~, 0x1f, 1_000, 2001-12-14, '3', .inf]\nc: &x {d: e}\nf: *x\n",
    "<<: {a: 1}\nb: 2\n",
    "base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n",
    "!!set {a, b}\n",
    "!!omap [a: 1, b: 2]\n",
    "a: !!binary aGVsbG8=\n",
    "1: x\ntrue: y\nnull: z\n",
    "a: !!str 12\nb: !!int '7'\n",
    "= : v\n",
    "- [a, [b, [c]]]\n- {k: [1, {m: n}]}\n",
    "t: 2001-12-14t21:59:43.10-05:00\n",
]


@pytest.mark.parametrize("text", YAML_SAMPLES)
def test_construct_plain_gives_what_pyyaml_gives(text: str) -> None:
    assert repr(reading.safe_load_yaml(text, "x.yml")) == repr(yaml.safe_load(text))


def test_aliases_still_share_one_object_and_errors_are_pyyaml_s() -> None:
    data = reading.safe_load_yaml("c: &x {d: [e]}\nf: *x\n", "x.yml")
    assert data["c"] is data["f"]
    with pytest.raises(yaml.constructor.ConstructorError, match="unhashable"):
        reading.safe_load_yaml("? [a]\n: b\n", "x.yml")


def test_the_parse_memo_hands_out_copies_that_share_aliases(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    services = "services:\n  a: {image: n, environment: *e}\n  b: {image: n, environment: *e}\n"
    path.write_text("version: '2'\nx-e: &e [A=1]\n" + services)
    first = projectfiles.load_yaml_file(path)
    first["x-e"].append("changed")
    second = projectfiles.load_yaml_file(path)
    services_read = second["services"]
    assert second["x-e"] == ["A=1"] and services_read["a"]["environment"] is services_read["b"]["environment"]


def test_ecs_config_is_parsed_once_per_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ecsfiles._LOADED.clear()
    parsed: list[str] = []
    real = ecsfiles._parse
    monkeypatch.setattr(ecsfiles, "_parse", lambda text: (parsed.append(text), real(text))[1])
    (tmp_path / "config").write_text(ECS_CONFIG)
    _, configs = doctor.check_ecs_files(tmp_path, tmp_path)
    assert configs is not None and configs.default == "pass"
    assert parsed == [ECS_CONFIG]


def _merge_reference(environment: list[str], contents: list[str]) -> list[str]:
    """libcompose's readEnvFile as written before: a scan of every variable per line."""
    merged = list(environment)
    for text in reversed(contents):
        for raw in syntax.go_lines(text):
            line = raw.strip(syntax.GO_SPACE)
            if not line or line.startswith("#"):
                continue
            key = line[: line.index("=") + 1] if "=" in line else line
            if not any(v.startswith(key) for v in merged):
                merged.append(line)
    return merged


_ENV_TEXT = st.text(alphabet="AB=# \n\t_x", max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet="AB=_x", max_size=6), max_size=5), st.lists(_ENV_TEXT, max_size=3))
def test_merge_env_file_v2_keeps_libcompose_s_prefix_rule(environment: list[str], contents: list[str]) -> None:
    assert syntax.merge_env_file_v2(environment, contents) == _merge_reference(environment, contents)


def test_prefix_index() -> None:
    index = syntax.PrefixIndex(["KEYBOARD=1", "B"])
    for word in ("A", "KEX", "C"):
        index.add(word)
    assert index.starts_any("KEY") and index.starts_any("KE") and index.starts_any("B") and index.starts_any("KEX")
    assert not index.starts_any("KEYS") and not index.starts_any("D") and not index.starts_any("AA")


def _expand_reference(text: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """Go's os.ExpandEnv as written before (character by character)."""
    out: list[str] = []
    unset: dict[str, None] = {}
    i = 0
    while i < len(text):
        if text[i] != "$" or i + 1 >= len(text):
            out.append(text[i])
            i += 1
            continue
        name, width = syntax._shell_name(text[i + 1 :])
        if name == "" and width > 0:
            pass
        elif name == "":
            out.append("$")
        elif name in env:
            out.append(env[name])
        else:
            unset[name] = None
        i += 1 + width
    return "".join(out), list(unset)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="${}AB_1-:?é x\n#", max_size=30))
def test_expand_env_is_go_s_expand_env(text: str) -> None:
    env = {"A": "va", "B": "", "AB": "x", "1": "one", "A:-b": "w", "#": "h"}
    assert syntax.expand_env(text, env) == _expand_reference(text, env)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\r\n\x0b\xa0ab'\"\\#", max_size=20))
def test_command_words_split_as_shlex_splits(text: str) -> None:
    try:
        expected: list[str] | None = shlex.split(text)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(Exception, match=r"quotes|command"):
            syntax.command_words(text)
    else:
        assert syntax.command_words(text) == expected


def test_findings_name_ten_services_and_count_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert listed(["a", "b"]) == "a, b"
    assert listed([str(i) for i in range(12)], " and ") == " and ".join(str(i) for i in range(10)) + " and 2 more"
    report = _doctor(_project(tmp_path, 40), monkeypatch)  # 40 x 64 MiB in a 512 MiB task
    memory = [f for f in report.findings if f.check == "task memory" and f.status == "fail"]
    assert len(memory) == 1
    message = memory[0].message
    assert message.startswith("containers reserve 2560 MiB (s0 64, s1 64,") and "s9 64 and 30 more)" in message
    assert "s10 " not in message


def test_env_file_notes_are_made_once_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Path] = []
    real = composefiles.env_file_notes
    monkeypatch.setattr(composefiles, "env_file_notes", lambda path, text: (made.append(path), real(path, text))[1])
    projectfiles.load_project(_project(tmp_path, 25, env_file=True), env={})
    assert sorted(p.name for p in made) == ["one.env", "two.env"]
