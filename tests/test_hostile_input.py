"""Hostile and broken files: every reader gives a clean result or exit 3 (InvalidInput), quickly.

Fault injection (huge files, binary, directories, /dev/zero, FIFOs, a YAML alias bomb) through the CLI,
and a fuzz test (hypothesis) that feeds random bytes and random YAML to every file reader, with a
deadline per case.
"""

from __future__ import annotations

import os
import string
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passecs.core.context import Context, load_env_file
from passecs.core.errors import InvalidInput
from passecs.core.fsutil import MAX_BYTES, read_bytes, read_text
from passecs.files import ecs
from passecs.files import project as projectfiles
from passecs.files.reading import expanded_size, safe_load_yaml

# a few hundred bytes that expand to 9^10 nodes ("billion laughs")
ALIAS_BOMB = "\n".join(
    ["version: '2'", "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    + ["services:", "  ember:", "    image: x", "    environment:", "      BOMB: *a9", ""]
)


def test_the_bomb_is_small() -> None:
    assert len(ALIAS_BOMB) < 700


# ---------------------------------------------------------------------------------------------- the reader


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def test_read_refuses_what_is_not_a_small_regular_file(tmp_path: Path, fifo: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"a" * (MAX_BYTES + 1))
    cases = {big: "too large", tmp_path: "is a directory", fifo: "a FIFO", Path("/dev/zero"): "is a device"}
    for path, reason in cases.items():
        with pytest.raises(InvalidInput, match=reason) as info:
            read_bytes(path, "compose file")
        assert info.value.code == 3
    binary = tmp_path / "binary"
    binary.write_bytes(b"\x00\xff\xfe binary")
    with pytest.raises(InvalidInput, match="not UTF-8 text"):
        read_text(binary, "compose file")
    with pytest.raises(InvalidInput, match="not a valid file name"):  # a NUL byte from a file's own value
        read_bytes(Path("web\0.env"), "env_file")
    with pytest.raises(FileNotFoundError):  # the caller words "missing" for its own file
        read_text(tmp_path / "missing")
    small = tmp_path / "ok"
    small.write_text("a: 1\n")
    assert read_text(small) == "a: 1\n"


def test_alias_bomb_is_measured_never_expanded() -> None:
    node = yaml.compose("a: &a [1, 2]\nb: [*a, *a]\n")
    # the mapping, key a, [1, 2] (3 nodes), key b, and [*a, *a]: 1 + the aliased list twice
    assert expanded_size(node) == 1 + 1 + 3 + 1 + (1 + 3 + 3)
    with pytest.raises(InvalidInput, match="alias bomb"):
        safe_load_yaml(ALIAS_BOMB, "bomb.yml")
    with pytest.raises(InvalidInput, match="refers to the node that contains it"):
        safe_load_yaml("a: &a [*a]\n", "self.yml")


# ---------------------------------------------------------------------------------------------- the CLI


@pytest.fixture
def files(home: Path, project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PASSECS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PASSECS_BACKEND", "aws")
    return project


def _hostile(kind: str, path: Path) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "huge":
        path.write_text("services: {}\n" + "#" * (2 * MAX_BYTES))
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "directory":
        path.mkdir()
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "bomb":
        path.write_text(ALIAS_BOMB)


KINDS = ("huge", "binary", "directory", "dev-zero", "fifo", "bomb")


PROJECT_FILES = ("docker-compose.yml", "ecs-params.yml", ".env", "execution-assume-role.json")


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, k) for n in PROJECT_FILES for k in KINDS if not (k == "bomb" and n == ".env")],  # .env is not YAML
)
def test_doctor_on_a_hostile_project_file_ends_quickly_with_exit_3(cli, files: Path, name: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    _hostile(kind, files / name)
    started = time.monotonic()
    out = cli("-C", str(files), "doctor")
    assert time.monotonic() - started < 20  # was minutes for the bomb; a generous bound, not a speed goal
    assert out.code == 3, out.output
    assert "Traceback" not in out.output and "internal error" not in out.output


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["config", "credentials"])
def test_hostile_ecs_files_are_refused_by_config_validate(cli, files: Path, home: Path, name: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    ecs_dir = home / ".ecs"
    ecs_dir.mkdir(exist_ok=True)
    _hostile(kind, ecs_dir / name)
    out = cli("config", "validate")
    assert out.code == 3, out.output
    assert "Traceback" not in out.output and "internal error" not in out.output
    out = cli("-C", str(files), "plan")
    assert out.code in (0, 3), out.output  # plan reads ~/.ecs/config: refused, or unaffected by credentials
    assert "Traceback" not in out.output


def test_a_15_mb_ecs_config_is_refused_before_it_is_parsed(cli, files: Path, home: Path) -> None:  # type: ignore[no-untyped-def]
    ecs_dir = home / ".ecs"
    ecs_dir.mkdir()
    entry = "  c{}:\n    cluster: c{}\n    region: us-east-1\n"
    (ecs_dir / "config").write_text("version: v1\nclusters:\n" + "".join(entry.format(i, i) for i in range(300_000)))
    assert (ecs_dir / "config").stat().st_size > 15_000_000
    started = time.monotonic()
    out = cli("config", "validate")
    assert time.monotonic() - started < 10  # was over 30 s
    assert out.code == 3 and "too large" in out.output


def test_hostile_env_file_option_is_refused(cli, files: Path, fifo: Path) -> None:  # type: ignore[no-untyped-def]
    huge = files / "huge.env"
    _hostile("huge", huge)
    for path in (huge, fifo):
        out = cli("-C", str(files), "--env-file", str(path), "plan")
        assert out.code == 3, out.output


# ---------------------------------------------------------------------------------------------- fuzz

YAML_PIECES = st.sampled_from(
    ["a", "b", ":", ": ", "- ", "\n", "  ", "&x ", "*x", "<<: *x", "{", "}", "[", "]", ",", "'", '"', "#",
     "${A}", "$B", "${C:-d}", "$$", "!!str ", "!!binary ", "? ", "|", ">", "---", "...", "%YAML 1.1", "\t",
     "version: '2'", "services:", "image: x", "ports:", "8080:80", "clusters:", "ecs_profiles:", "1e9999"]
)  # fmt: skip
RANDOM_YAML = st.lists(YAML_PIECES, max_size=60).map("".join)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(string.printable, max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(string.ascii_letters, max_size=8), inner, max_size=4),
    max_leaves=20,
)
DUMPED_YAML = JSONISH.map(lambda v: yaml.safe_dump(v, default_flow_style=None))
CONTENT = st.one_of(st.binary(max_size=400), RANDOM_YAML.map(str.encode), DUMPED_YAML.map(str.encode),
                    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))  # fmt: skip

FUZZ = settings(
    max_examples=40, deadline=1000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _clean(read: Callable[[], Any]) -> None:
    """A clean result, or InvalidInput (exit 3); any other exception fails the test."""
    try:
        read()
    except InvalidInput as exc:
        assert exc.code == 3
        assert exc.message


def _readers(tmp: Path) -> dict[str, tuple[Path, Callable[[], Any]]]:
    project = tmp / "pass"  # the conftest project fixture's folder
    ecs_dir = tmp / "home" / ".ecs"
    return {
        "compose file": (
            project / "docker-compose.yml", lambda: projectfiles.read_compose_file(project / "docker-compose.yml")
        ),
        "project": (project / "docker-compose-ecs.yml", lambda: projectfiles.load_project(project, env={})),
        "service names": (project / "docker-compose.yml", lambda: projectfiles.service_names(project)),
        "ecs-params": (
            project / "ecs-params.yml",
            lambda: projectfiles.read_ecs_params(project / "ecs-params.yml", {"A": "x" * 50}),
        ),
        "env_file": (project / "web.env", lambda: projectfiles.read_env_file(project / "web.env")),
        ".env": (project / ".env", lambda: projectfiles.read_dotenv(project)),
        "--env-file": (project / "extra.env", lambda: load_env_file(project / "extra.env")),
        "~/.ecs/config": (ecs_dir / "config", lambda: ecs.read_cluster_configurations(ecs_dir)),
        "~/.ecs/credentials": (ecs_dir / "credentials", lambda: ecs.read_profiles(ecs_dir)),
        "~/.ecs validators": (ecs_dir / "config", lambda: ecs.validate_ecs_dir(ecs_dir)),
        "trust policy": (project / "execution-assume-role.json", lambda: _trust_policy(project)),
    }  # fmt: skip


def _trust_policy(project: Path) -> Any:
    from passecs.runbook.iam import load_trust_policy

    return load_trust_policy(project)


READERS = sorted(_readers(Path("/")).keys())


@pytest.fixture
def fuzz_dir(tmp_path: Path, project: Path, home: Path) -> Path:
    (tmp_path / "home" / ".ecs").mkdir(parents=True, exist_ok=True)
    return tmp_path


@pytest.mark.parametrize("reader", READERS)
@FUZZ
@given(content=CONTENT)
def test_every_reader_gives_a_clean_result_or_exit_3(fuzz_dir: Path, reader: str, content: bytes) -> None:
    path, read = _readers(fuzz_dir)[reader]
    path.write_bytes(content)
    _clean(read)


@FUZZ
@given(text=st.one_of(RANDOM_YAML, DUMPED_YAML, st.text(max_size=300)))
def test_ecs_text_validators_never_raise(text: str) -> None:
    for findings in (ecs.validate_config_text(text), ecs.validate_credentials_text(text, mode=0o100600)):
        assert all(f.severity in ("error", "warning") for f in findings)


@settings(
    max_examples=15, deadline=3000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(compose=st.one_of(RANDOM_YAML, DUMPED_YAML), params=st.one_of(RANDOM_YAML, DUMPED_YAML))
def test_doctor_offline_never_raises_on_random_project_files(fuzz_dir: Path, compose: str, params: str) -> None:
    from passecs.checks import doctor

    project = fuzz_dir / "pass"  # the conftest project fixture's folder
    (project / "docker-compose.yml").write_text(compose)
    (project / "ecs-params.yml").write_text(params)
    ctx = Context(project_dir=project)
    _clean(lambda: doctor.offline(ctx, doctor.Options(versions=False)))


def test_an_env_file_with_too_many_variables_is_refused_before_interpolation(cli, files: Path) -> None:  # type: ignore[no-untyped-def]
    """python-dotenv's ${VAR} interpolation is quadratic in the number of variables (60 000: over a
    minute): a .env of thousands of variables is refused, exit 3."""
    dotenv = files / ".env"
    original = dotenv.read_text()  # the ports and ids the compose files use
    dotenv.write_text(original + "".join(f"V{i}=${{V{i - 1}}}x\n" for i in range(5000)))
    out = cli("-C", str(files), "plan")
    assert out.code == 3, out.output
    assert "variables; passecs reads at most 1000" in out.stderr
    dotenv.write_text(original + "".join(f"V{i}=value{i}\n" for i in range(900)))  # many, but fine
    assert cli("-C", str(files), "plan").code == 0
