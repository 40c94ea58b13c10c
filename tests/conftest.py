"""Shared fixtures: an isolated HOME, passecs run in-process, fake executables, a moto_server on loopback.

Tests never touch the real home, never reach anything but 127.0.0.1, and restore the environment
(passecs loads .env into os.environ) after each test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = DATA / "ecs-cli"
RECORDINGS = SHARED / "recordings"
FAKES = Path(__file__).resolve().parent / "fakes"

# A known secret: tests assert it never appears in anything passecs prints or in any argv it builds.
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKENabc123"

# Variables that would let a test reach the operator's real AWS setup or change passecs's behaviour.
_SCRUB = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "ECS_CLUSTER",
    "ECS_PROFILE",
    "COMPOSE_FILE",
    "COMPOSE_PROJECT_NAME",
    "PASSECS_ECS_CLI",
    "PASSECS_AWS",
    "PASSECS_PROJECT_NAME",
    "PASSECS_PROTECTED_CLUSTERS",
    "PASSECS_BACKEND",
)


def recording(name: str) -> dict[str, str]:
    """A recording of the real ecs-cli/aws: {'cmd', 'out', 'err', 'rc'} (rc as text)."""
    parts = {}
    for ext in ("cmd", "out", "err", "rc"):
        parts[ext] = (RECORDINGS / f"{name}.{ext}").read_text(encoding="utf-8")
    return parts


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME (so ~/.ecs and ~/.aws are the test's own) with AWS variables scrubbed."""
    h = tmp_path / "home"
    h.mkdir()
    h.chmod(0o700)
    monkeypatch.setenv("HOME", str(h))
    for name in _SCRUB:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return h


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's own sidecar files (compose files, ecs-params.yml, .env, trust policy) and the
    shipped passecs.env.example as the operator's passecs.env, in a folder named ``pass``: the project name
    (the folder of the first compose file, as for ecs-cli)."""
    p = tmp_path / "pass"
    p.mkdir()
    for name in (
        "docker-compose.yml",
        "docker-compose-ecs.yml",
        "ecs-params.yml",
        ".env",
        "execution-assume-role.json",
    ):
        shutil.copy(ROOT / name, p / name)
    shutil.copy(ROOT / "passecs.env.example", p / "passecs.env")
    return p


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run passecs in-process: ``cli("ps", "--json")`` -> Outcome(code, stdout, stderr)."""
    from passecs.cli import main

    def _run(*args: str) -> Outcome:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return _run


def write_executable(path: Path, body: str) -> Path:
    """A script run by this test's Python (so a fake needs no interpreter on PATH)."""
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


def write_runbook_ecs_home(home: Path) -> Path:
    """~/.ecs as the runbook leaves it (recorded): profile `pass`, configurations `pass` and `passdev`
    (default), both files mode 0600."""
    ecs = home / ".ecs"
    ecs.mkdir()
    shutil.copy(RECORDINGS / "13-cat-config.out", ecs / "config")
    shutil.copy(RECORDINGS / "03-cat-credentials.out", ecs / "credentials")
    for f in ecs.iterdir():
        f.chmod(0o600)
    return ecs


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory put first on PATH, for fake executables."""
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", f"{d}{os.pathsep}{os.environ.get('PATH', '')}")
    return d


@pytest.fixture
def fake_ecs_cli(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake ecs-cli (tests/fakes/ecs_cli) as ``ecs-cli`` on PATH; its state lives in the test's tmp."""
    state = tmp_path / "fake-ecs-state"
    state.mkdir()
    monkeypatch.setenv("FAKE_ECS_CLI_STATE", str(state))
    write_executable(
        bin_dir / "ecs-cli",
        f"import sys\nsys.path.insert(0, {str(FAKES)!r})\nfrom ecs_cli import main\nsys.exit(main(sys.argv[1:]))\n",
    )
    return bin_dir / "ecs-cli"


@pytest.fixture
def rehearsal(home: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local rehearsal's state directory (PASSECS_STATE_DIR), run from the project; the emulator that a
    test (even a failing one) left running is stopped afterwards."""
    state = tmp_path / "state"
    monkeypatch.setenv("PASSECS_STATE_DIR", str(state))
    monkeypatch.chdir(project)
    yield state
    from passecs.local import emulator

    emulator.stop(state)


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen[bytes]

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=10):
            pass


def _start_moto(extra_env: dict[str, str]) -> MotoServer:
    exe = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    port = free_port()
    env = dict(os.environ, **extra_env)
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("moto_server exited at start")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return MotoServer(url, proc)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto_server did not start within 30 s")


def _stop_moto(server: MotoServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def moto_server_session() -> Iterator[MotoServer]:
    """One moto_server on 127.0.0.1 for the session, with AWS-managed IAM policies loaded."""
    server = _start_moto({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    yield server
    _stop_moto(server)


@pytest.fixture(scope="session")
def bare_moto_server_session() -> Iterator[MotoServer]:
    """A moto_server without AWS-managed policies (attaching one fails with NoSuchEntity)."""
    server = _start_moto({"MOTO_IAM_LOAD_MANAGED_POLICIES": "false"})
    yield server
    _stop_moto(server)


def _point_at(server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return server


@pytest.fixture
def moto(moto_server_session: MotoServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A reset moto_server, with the real aws CLI pointed at it (AWS_ENDPOINT_URL, fake keys)."""
    return _point_at(moto_server_session, monkeypatch)


@pytest.fixture
def bare_moto(bare_moto_server_session: MotoServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    return _point_at(bare_moto_server_session, monkeypatch)
