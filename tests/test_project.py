"""The project loader on the project's own files, the recorded inputs and small tables (SPEC.md §5)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passecs.core.errors import InvalidInput
from passecs.files.project import (
    LogConfig,
    PortMapping,
    Project,
    expand_env,
    load_project,
    memory_mib,
    merge_services,
    parse_env_lines,
    parse_port,
    service_names,
)
from tests.conftest import ROOT, SHARED

INPUTS = SHARED / "inputs"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the project's own files ------------------------------------------------------------------------


def test_own_files_merge_into_the_four_services() -> None:
    project = load_project(ROOT, env={})
    assert project.version == "2"
    assert project.compose_paths == (ROOT / "docker-compose.yml", ROOT / "docker-compose-ecs.yml")
    assert list(project.services) == ["fcrepo", "ember", "ftpserver", "submission"]
    assert project.unset_variables == ()
    assert "FCREPO_PORT" in project.variables

    fcrepo = project.services["fcrepo"]
    assert fcrepo.image == "pass/fcrepo:4.7.4-demo"
    assert fcrepo.ports == (
        PortMapping(8080, 8080, "tcp", "8080:8080"),
        PortMapping(61616, 61616, "tcp", "61616:61616"),
        PortMapping(61613, 61613, "tcp", "61613:61613"),
    )
    assert fcrepo.mem_limit == 1024  # 1073741824 bytes
    assert fcrepo.mem_reservation is None
    assert fcrepo.cpu_shares is None
    assert fcrepo.logging == LogConfig(
        "awslogs", {"awslogs-group": "pass", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "fcrepo"}
    )
    # keys of the first file, then those only the second file adds
    assert fcrepo.keys == ("build", "image", "env_file", "ports", "mem_limit", "logging")
    assert fcrepo.env_files == (ROOT / ".env",)
    # env_file .env merged into environment, exactly the .env's entries
    assert fcrepo.environment["PASS_FEDORA_PATH"] == "fcrepo/rest"
    assert fcrepo.environment["FTP_SERVER_PORT"] == "21"
    assert project.services["submission"].mem_limit is None
    assert [p.host_port for p in project.services["submission"].ports] == [8081, 5005]


def test_own_ecs_params_expand_from_the_environment_only() -> None:
    # the .env defines PASS_SUBNET_ID, but ecs-cli's os.ExpandEnv never reads .env
    bare = load_project(ROOT, env={})
    assert bare.ecs_params is not None
    assert bare.ecs_params.subnets == ()
    assert bare.ecs_params.unset_variables == ("PASS_SUBNET_ID", "PASS_SECURITY_GROUP_ID")

    env = {"PASS_SUBNET_ID": "subnet-1", "PASS_SECURITY_GROUP_ID": "sg-1"}
    params = load_project(ROOT, env=env).ecs_params
    assert params is not None
    assert params.subnets == ("subnet-1",)
    assert params.security_groups == ("sg-1",)
    assert params.unset_variables == ()
    assert params.network_mode == "awsvpc"
    assert params.task_execution_role == "ecsExecutionRole"
    assert (params.cpu_limit, params.mem_limit) == ("1024", "8GB")
    assert params.assign_public_ip == "ENABLED"


def test_os_environment_wins_over_dotenv() -> None:
    project = load_project(ROOT, env={"EMBER_PORT": "8000"})
    assert project.services["ember"].ports == (PortMapping(8000, 8000, "tcp", "8000:8000"),)


def test_service_names_unchanged() -> None:
    assert service_names(ROOT) == ["fcrepo", "ember", "ftpserver", "submission"]


# --- the recorded inputs ----------------------------------------------------------------------------


def test_recorded_inputs() -> None:
    project = load_project(INPUTS, env={})
    assert list(project.services) == ["fcrepo", "ember", "ftpserver", "submission"]
    assert project.services["ember"].ports == (PortMapping(80, 80, "tcp", "80:80"),)
    assert project.ecs_params is not None
    assert project.ecs_params.subnets == ("subnet-a72600f5170aba1c8",)
    assert project.ecs_params.security_groups == ("sg-237553b8e47bc5429",)

    nosubnet = load_project(INPUTS, env={}, ecs_params="ecs-params-nosubnet.yml").ecs_params
    assert nosubnet is not None
    assert nosubnet.subnets == ()
    assert nosubnet.security_groups == ("sg-237553b8e47bc5429",)


def test_recorded_v37_keeps_its_version() -> None:
    assert load_project(INPUTS, files=["docker-compose-v37.yml"], env={}).version == "3.7"


def test_recorded_malformed_names_file_and_line() -> None:
    with pytest.raises(InvalidInput) as err:
        load_project(INPUTS, files=["docker-compose-malformed.yml"], env={})
    assert err.value.message.startswith(f"{INPUTS / 'docker-compose-malformed.yml'}: line ")


def test_missing_compose_file() -> None:
    with pytest.raises(InvalidInput, match=r"no-such-file\.yml: no such file"):
        load_project(INPUTS, files=["no-such-file.yml"], env={})


# --- merging and interpolation ----------------------------------------------------------------------


def test_merge_lists_concatenate_maps_merge_scalars_replace_and_services_are_added(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yml",
        "version: '2'\nservices:\n  web:\n    image: a:1\n    ports: ['80:80']\n"
        "    environment: {A: '1', B: '2'}\n    dns: [1.1.1.1]\n",
    )
    write(
        tmp_path,
        "b.yml",
        "version: '2'\nservices:\n  web:\n    image: b:2\n    ports: ['81:81/udp']\n"
        "    environment: {B: '3', C: '4'}\n  db:\n    image: db:9\n",
    )
    project = load_project(tmp_path, files=["a.yml", "b.yml"], env={})
    web = project.services["web"]
    assert web.image == "b:2"
    assert web.ports == (PortMapping(80, 80, "tcp", "80:80"), PortMapping(81, 81, "udp", "81:81/udp"))
    # libcompose converts the first file's environment to a list before merging: a later map replaces it
    # (ecs-cli, taskdefs case 17)
    assert web.environment == {"B": "3", "C": "4"}
    assert web.raw["dns"] == ["1.1.1.1"]
    assert list(project.services) == ["web", "db"]


def test_merge_services_pure() -> None:
    merged = merge_services(
        [
            {"version": "2", "services": {"s": {"x": [1], "m": {"a": 1}, "v": 1}}},
            {"version": "2", "services": {"s": {"x": [2], "m": {"b": 2}, "v": 2}}},
        ]
    )
    assert merged == {"s": {"x": [1, 2], "m": {"a": 1, "b": 2}, "v": 2}}


def test_v1_files_have_services_at_top_level(tmp_path: Path) -> None:
    write(
        tmp_path,
        "docker-compose.yml",
        "web:\n  image: nginx:1.25\n  log_driver: awslogs\n  log_opt: {awslogs-region: us-east-1}\n",
    )
    project = load_project(tmp_path, files=["docker-compose.yml"], env={})
    assert project.version is None
    assert project.services["web"].logging == LogConfig("awslogs", {"awslogs-region": "us-east-1"})


@pytest.mark.parametrize(
    ("value", "env", "expected", "unset"),
    [
        ("${A}", {"A": "x"}, "x", ()),
        ("$A-$B", {"A": "x", "B": "y"}, "x-y", ()),
        ("${A:-d}", {"A": ""}, "d", ()),
        ("${A-d}", {"A": ""}, "", ()),
        ("${A-d}", {}, "d", ()),
        ("${A:-d}", {}, "d", ()),
        ("${NOPE}x", {}, "x", ("NOPE",)),
        ("$$A", {"A": "x"}, "$A", ()),
    ],
)
def test_compose_interpolation(
    tmp_path: Path, value: str, env: dict[str, str], expected: str, unset: tuple[str, ...]
) -> None:
    write(tmp_path, "c.yml", f"version: '2'\nservices:\n  web:\n    image: 'i:1'\n    working_dir: '{value}'\n")
    project = load_project(tmp_path, files=["c.yml"], env=env)
    assert project.services["web"].raw["working_dir"] == expected
    assert project.unset_variables == unset


def test_dotenv_is_read_next_to_the_first_compose_file(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub, ".env", "TAG=1.2\n")
    write(tmp_path, ".env", "TAG=wrong\n")
    write(sub, "c.yml", "version: '2'\nservices:\n  web:\n    image: 'nginx:${TAG}'\n")
    project = load_project(tmp_path, files=["sub/c.yml"], env={})
    assert project.services["web"].image == "nginx:1.2"
    assert project.dotenv == {"TAG": "1.2"}


def test_env_file_and_environment(tmp_path: Path) -> None:
    write(tmp_path, "app.env", "# comment\nA=1\nB\nC='q'\n  D=x=y\n")
    write(
        tmp_path,
        "c.yml",
        "version: '2'\nservices:\n  web:\n    image: 'i:1'\n    env_file: [app.env]\n"
        "    environment: [A=2, FROM_ENV, MISSING]\n",
    )
    web = load_project(tmp_path, files=["c.yml"], env={"FROM_ENV": "e"}).services["web"]
    # environment beats env_file; value-less env_file keys are ""; quotes stay (docker's parser)
    assert web.environment == {"A": "2", "B": "", "C": "'q'", "D": "x=y", "FROM_ENV": "e", "MISSING": ""}
    assert web.env_files == (tmp_path / "app.env",)


def test_missing_env_file(tmp_path: Path) -> None:
    write(tmp_path, "c.yml", "version: '2'\nservices:\n  web:\n    image: 'i:1'\n    env_file: nope.env\n")
    with pytest.raises(InvalidInput, match=r"nope\.env: env_file not found"):
        load_project(tmp_path, files=["c.yml"], env={})


def test_versions_must_match(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "version: '2'\nservices: {}\n")
    write(tmp_path, "b.yml", "version: '3'\nservices: {}\n")
    with pytest.raises(InvalidInput, match=r"Compose files must be of the same version. Found: 2 and 3"):
        load_project(tmp_path, files=["a.yml", "b.yml"], env={})


def test_explicit_ecs_params_and_none(tmp_path: Path) -> None:
    shutil.copy(INPUTS / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(INPUTS / ".env", tmp_path / ".env")
    assert load_project(tmp_path, files=["docker-compose.yml"], env={}).ecs_params is None
    with pytest.raises(InvalidInput, match="Error reading file"):
        load_project(tmp_path, files=["docker-compose.yml"], env={}, ecs_params="nope.yml")


# --- pure conversions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("80", (80, 0, "tcp")),
        (80, (80, 0, "tcp")),
        ("8080:80", (80, 8080, "tcp")),
        ("127.0.0.1:8080:80", (80, 8080, "tcp")),
        ("53:53/udp", (53, 53, "udp")),
        ("53/udp", (53, 0, "udp")),
    ],
)
def test_parse_port(spec: Any, expected: tuple[int, int, str]) -> None:
    port = parse_port(spec)
    assert (port.container_port, port.host_port, port.protocol) == expected


# ecs-cli's suffix check is case-sensitive (adapter/convert.go ConvertToPortMappings): 53/UDP is refused
@pytest.mark.parametrize("spec", ["8000-8001:80", ":80", "a:b", "80/sctp", "1:2:3:4", "53/UDP"])
def test_parse_port_rejects(spec: str) -> None:
    with pytest.raises(InvalidInput):
        parse_port(spec)


@pytest.mark.parametrize(
    ("value", "mib"),
    [
        (1073741824, 1024),
        (512, 0),  # bytes: integer division to 0 MiB, as ecs-cli
        ("512m", 512),
        ("512M", 512),
        ("1g", 1024),
        ("1GB", 1024),
        ("1.5g", 1536),
        ("2048k", 2),
        (None, None),
    ],
)
def test_memory_mib(value: Any, mib: int | None) -> None:
    assert memory_mib(value) == mib


@pytest.mark.parametrize("value", ["lots", "1 x", "-1g"])
def test_memory_rejects(value: str) -> None:
    with pytest.raises(InvalidInput):
        memory_mib(value)


@pytest.mark.parametrize(
    ("text", "env", "expected", "unset"),
    [
        ("a $X b", {"X": "1"}, "a 1 b", []),
        ("${X}y", {"X": "1"}, "1y", []),
        ("${X:-d}", {"X": "1"}, "", ["X:-d"]),  # Go has no defaults
        ("$NOPE.", {}, ".", ["NOPE"]),
        ("cost $", {}, "cost $", []),
        ("${}", {}, "", []),
        ("$1x", {}, "x", ["1"]),
        ("a $-b", {}, "a b", ["-"]),
    ],
)
def test_expand_env_is_gos(text: str, env: dict[str, str], expected: str, unset: list[str]) -> None:
    assert expand_env(text, env) == (expected, unset)


def test_parse_env_lines() -> None:
    # docker rejects keys with blanks; they are skipped here
    assert parse_env_lines("A=1\n#x=2\n\n B= 3\nC\nbad key=1\nD =1\n") == {"A": "1", "B": " 3", "C": None}


# --- never a traceback ------------------------------------------------------------------------------


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
# the compose keys both property tests draw from, first in each list
_COMMON_KEYS = ["image", "ports", "environment", "env_file", "mem_limit", "mem_reservation", "cpu_shares", "logging"]
_keys = st.sampled_from(
    [
        *_COMMON_KEYS,
        "log_driver",
        "log_opt",
        "build",
    ]
)
_service = st.dictionaries(_keys, _values, max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    version=st.sampled_from(["2", "3", None]),
    services=st.dictionaries(st.text(min_size=1, max_size=6), _service, max_size=3),
)
def test_load_project_raises_only_invalid_input(tmp_path: Path, version: str | None, services: dict[str, Any]) -> None:
    import yaml

    data: dict[str, Any] = {"services": services}
    if version is not None:
        data["version"] = version
    (tmp_path / "c.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        project = load_project(tmp_path, files=["c.yml"], env={})
    except InvalidInput as exc:
        assert str(tmp_path) in exc.message or "service" in exc.message or "port" in exc.message
        return
    if version is not None:
        assert set(project.services) == {str(k) for k in services}
    for service in project.services.values():
        assert all(isinstance(v, str) for v in service.environment.values())


# --- ecs-cli's reading rules (taskdefs corpus, SPEC.md §5, libcompose / docker/cli source) -----------


def _project(
    tmp_path: Path, compose: str, ecs: str | None = None, env: dict[str, str] | None = None, **files: str
) -> Project:
    write(tmp_path, "docker-compose.yml", compose)
    names = ["docker-compose.yml"]
    if ecs is not None:
        write(tmp_path, "docker-compose-ecs.yml", ecs)
        names.append("docker-compose-ecs.yml")
    for name, text in files.items():
        write(tmp_path, name.replace("_", "."), text)
    return load_project(tmp_path, files=names, env=env or {})


def test_a_file_without_version_but_with_services_is_one_v1_service_named_services(tmp_path: Path) -> None:
    project = _project(tmp_path, "services:\n  web:\n    image: nginx:1.25\n")
    refusal = project.refusal()
    assert refusal is not None
    assert refusal.message == (
        "docker-compose.yml has no `version:`: ecs-cli reads it as compose v1, with one service named `services`"
    )
    assert refusal.fix == "add version: '2' (or '3') at the top of the file"


def test_a_broken_value_from_an_unset_variable_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        _project(tmp_path, "version: '2'\nservices:\n  ftp:\n    image: x:1\n    ports: ['${UNSET}:21']\n")
    assert "${UNSET} is not set" in err.value.message and "Could not convert port" in err.value.message
    assert err.value.fix == "set UNSET in .env or in the environment"


def test_env_file_key_with_blanks_keeps_them_and_doctor_is_told(tmp_path: Path) -> None:
    project = _project(
        tmp_path, "version: '2'\nservices:\n  web:\n    image: x:1\n    env_file: a.env\n", a_env="A = b\n"
    )
    assert project.containers[0].environment == (("A ", " b"),)
    notes = [n.message for n in project.notices if n.level == "note"]
    assert notes == ["a.env line 1: `A = b` sets a variable named 'A ' (blanks included) to ' b'"]


def test_a_later_map_environment_replaces_an_earlier_list(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "version: '2'\nservices:\n  web:\n    image: x:1\n    environment: [A=1, B=2]\n",
        "version: '2'\nservices:\n  web:\n    environment: {C: '3'}\n",
    )
    assert project.containers[0].environment == (("C", "3"),)
    assert any(n.check == "compose merge" and "replaces the earlier" in n.message for n in project.notices)


def test_a_later_list_environment_is_appended_duplicates_kept(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "version: '2'\nservices:\n  web:\n    image: x:1\n    environment: {A: '1'}\n    command: run it\n",
        "version: '2'\nservices:\n  web:\n    environment: [A=2]\n    command: [--more]\n",
    )
    assert project.containers[0].environment == (("A", "1"), ("A", "2"))
    assert project.containers[0].command == ("run", "it", "--more")


def test_env_file_last_file_first_and_prefix_match(tmp_path: Path) -> None:
    # libcompose readEnvFile: the last env_file is read first; a key already present (by prefix) is skipped
    project = _project(
        tmp_path,
        "version: '2'\nservices:\n  web:\n    image: x:1\n    env_file: [a.env, b.env]\n    environment: [X=0]\n",
        a_env="A=from-a\nBA\nC=from-a\n",
        b_env="A=from-b\nBARE\n",
    )
    # BA is skipped: "BARE" starts with it
    assert project.containers[0].environment == (("X", "0"), ("A", "from-b"), ("BARE", ""), ("C", "from-a"))


def test_dotenv_a_bad_line_makes_ecs_cli_ignore_the_whole_file(tmp_path: Path) -> None:
    project = _project(
        tmp_path, "version: '2'\nservices:\n  web:\n    image: 'x:${TAG}'\n", _env="TAG=1\nexport OTHER=2\n"
    )
    assert project.containers[0].image == "x:"
    assert project.unset_variables == ("TAG",)
    assert any("ignores all of it" in n.message for n in project.notices)


def test_v2_interpolation_refuses_what_libcompose_cannot_parse(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match='Invalid interpolation format for "image" option in service "web"'):
        _project(tmp_path, "version: '2'\nservices:\n  web:\n    image: 'x:${TAG:?need it}'\n")


def test_v3_required_variable(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="required variable TAG is missing a value: need it"):
        _project(tmp_path, "version: '3'\nservices:\n  web:\n    image: 'x:${TAG:?need it}'\n")
    project = _project(tmp_path, "version: '3'\nservices:\n  web:\n    image: 'x:${TAG:?need it}'\n", env={"TAG": "1"})
    assert project.containers[0].image == "x:1"


def test_v3_env_file_refuses_blanks_in_keys_and_reads_bare_keys_from_the_process(tmp_path: Path) -> None:
    compose = "version: '3'\nservices:\n  web:\n    image: x:1\n    env_file: a.env\n"
    with pytest.raises(InvalidInput, match="variable 'A ' has white spaces"):
        _project(tmp_path, compose, a_env="A = b\n")
    project = _project(tmp_path, compose, env={"SET": "s"}, a_env="SET\nNOT_SET\nC=1\n")
    assert dict(project.containers[0].environment) == {"SET": "s", "C": "1"}


@pytest.mark.parametrize(
    ("compose", "reason"),
    [
        ("version: '2'\nservices:\n  w:\n    image: x\n    healthcheck: {test: [CMD, 'true']}\n", "'healthcheck'"),
        ("version: '2'\nservices:\n  w:\n    image: x\n    init: true\n", "'init'"),
        ("version: '3'\nservices:\n  w:\n    image: x\n    init: true\n", "Additional property init"),
        ("version: '3'\nservices:\n  w:\n    image: x\n    mem_limit: 1g\n", "forbidden properties"),
        ("version: '3.7'\nservices:\n  w:\n    image: x\n", "Unsupported Docker Compose version found: 3.7"),
        ("version: '2.1'\nservices:\n  w:\n    image: x\n", "Unsupported Docker Compose version found: 2.1"),
        (
            "version: '3'\nservices:\n  w:\n    image: x\n    healthcheck: {test: [CMD, 'true'], start_period: 5s}\n",
            "healthcheck Additional property start_period",
        ),
        (
            "version: '3'\nservices:\n  w:\n    image: x\n    volumes: [{type: bind, source: /a, target: /b}]\n",
            "long volume syntax",
        ),
        ("version: '3'\nservices:\n  w:\n    image: x\n    user: 1000\n", "services.w.user must be a string"),
        ("version: '3'\nservices:\n  w:\n    image: x\nsecrets: {s: {file: ./s}}\n", "Additional property secrets"),
        (
            "version: '2'\nservices:\n  w:\n    image: x\n    command: [sleep, 10]\n",
            "configuration key 'command' must be a string or a list of strings",
        ),
    ],
)
def test_refusals_are_ecs_clis(tmp_path: Path, compose: str, reason: str) -> None:
    try:
        refusal = _project(tmp_path, compose).refusal()
    except InvalidInput as exc:  # the refusal, raised where the rest of the file cannot be converted
        refusal = exc
    assert refusal is not None and reason in refusal.message


def test_skipped_keys_warn_as_ecs_cli_does(tmp_path: Path) -> None:
    project = _project(
        tmp_path, "version: '2'\nservices:\n  w:\n    image: x\n    restart: always\n    container_name: c\n"
    )
    assert sorted(n.ecs_cli for n in project.warnings) == [
        'msg="Skipping unsupported YAML option for service..." option name=container_name service name=w',
        'msg="Skipping unsupported YAML option for service..." option name=restart service name=w',
    ]
    assert project.refusal() is None


# --- properties of the general rules ----------------------------------------------------------------

from passecs.files import syntax  # noqa: E402


@given(
    number=st.integers(min_value=0, max_value=10**6),
    unit=st.sampled_from(["", "k", "m", "g", "K", "M", "G"]),
    suffix=st.sampled_from(["", "b", "B", "ib", "iB"]),
)
def test_memory_units_are_binary_and_mib_rounds_down(number: int, unit: str, suffix: str) -> None:
    if unit == "" and suffix.startswith("i"):
        suffix = suffix[1:]
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
    assert syntax.ram_in_bytes(f"{number}{unit}{suffix}") == number * factor
    assert syntax.to_mib(f"{number}{unit}{suffix}") == number * factor // (1024 * 1024)
    assert syntax.to_mib(number * factor) == syntax.to_mib(f"{number}{unit}{suffix}")  # an int is bytes


_port = st.integers(min_value=1, max_value=65535)


@given(
    host=st.one_of(st.none(), _port),
    container=_port,
    proto=st.sampled_from(["", "/tcp", "/udp"]),
    ip=st.sampled_from(["", "127.0.0.1:", "0.0.0.0:"]),
)
def test_port_specs_v2_and_v3_agree_on_single_ports(host: int | None, container: int, proto: str, ip: str) -> None:
    if ip and host is None:
        spec = f"{ip}:{container}{proto}"
    else:
        spec = f"{ip}{'' if host is None else f'{host}:'}{container}{proto}"
    v2 = syntax.parse_port_v2(spec)
    (v3,) = syntax.parse_ports_v3(spec)
    assert (v2.container_port, v2.host_port, v2.protocol) == (v3.container_port, v3.host_port, v3.protocol)
    assert v2.container_port == container and v2.host_port == (host or 0) and v2.protocol == (proto[1:] or "tcp")


@given(first=st.integers(min_value=1, max_value=60000), length=st.integers(min_value=1, max_value=20))
def test_port_ranges_expand_in_v3_and_are_refused_in_v2(first: int, length: int) -> None:
    spec = f"{first}-{first + length}:{first}-{first + length}"
    ports = syntax.parse_ports_v3(spec)
    assert sorted(p.container_port for p in ports) == list(range(first, first + length + 1))
    assert all(p.host_port == p.container_port for p in ports)
    with pytest.raises(InvalidInput, match="Could not convert port into integer"):
        syntax.parse_port_v2(spec)


_key = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=8)
_value = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)


@given(key=_key, value=_value, indent=st.sampled_from(["", "  ", "\t"]), blank=st.sampled_from(["", " "]))
def test_env_file_lines_split_at_the_first_equals_and_keep_the_value_verbatim(
    key: str, value: str, indent: str, blank: str
) -> None:
    (line,) = syntax.env_file_lines(f"{indent}{key}{blank}={value}\n# comment\n\n")
    assert line.key == key + blank and line.value == value
    # libcompose (v2) sends the key with its blank; docker (v3) refuses it
    merged = syntax.merge_env_file_v2([], [f"{indent}{key}{blank}={value}\n"])
    assert merged == [f"{key}{blank}={value}".strip(syntax.GO_SPACE)]
    assert (syntax.bad_env_key(line) is None) == (blank == "")


def test_extends_merges_the_base_service_first(tmp_path: Path) -> None:
    # libcompose parseV2: the extended service (same file or `file:`) is parsed, then this one merged into it
    project = _project(
        tmp_path,
        "version: '2'\nservices:\n  base:\n    image: app:1\n    environment: [A=1]\n"
        "  web:\n    extends: {service: base}\n    environment: [B=2]\n"
        "  job:\n    extends: {file: common.yml, service: worker}\n",
        common_yml="version: '2'\nservices:\n  worker:\n    image: worker:2\n",
    )
    containers = {c.name: c for c in project.containers}
    assert containers["web"].image == "app:1" and containers["web"].environment == (("A", "1"), ("B", "2"))
    assert containers["job"].image == "worker:2"


def test_extends_refuses_what_libcompose_refuses(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"Cannot extend service 'worker' in common\.yml: services with 'links'"):
        _project(
            tmp_path,
            "version: '2'\nservices:\n  job:\n    extends: {file: common.yml, service: worker}\n",
            common_yml="version: '2'\nservices:\n  worker:\n    image: w:1\n    links: [db]\n",
        )


_more_keys = st.sampled_from(
    [
        *_COMMON_KEYS,
        "command",
        "entrypoint",
        "labels",
        "dns",
        "extra_hosts",
        "volumes",
        "volumes_from",
        "tmpfs",
        "ulimits",
        "devices",
        "cap_add",
        "healthcheck",
        "stop_grace_period",
        "shm_size",
        "links",
        "deploy",
        "restart",
    ]
)
_more_values = st.recursive(
    st.one_of(_scalars, st.sampled_from(["/a:/b", "x:/y:ro", "80:80", "1g", "10s", "a=b", "/tmp:size=1m"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["soft", "hard", "test", "interval", "driver", "options", "a"]), inner, max_size=3
        ),
    ),
    max_leaves=8,
)
_more_services = st.dictionaries(
    st.text("abc", min_size=1, max_size=2), st.dictionaries(_more_keys, _more_values, max_size=5), max_size=2
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.sampled_from(["2", "3", None]), first=_more_services, second=_more_services)
def test_two_files_convert_or_are_refused_never_a_traceback(
    tmp_path: Path, version: str | None, first: dict[str, Any], second: dict[str, Any]
) -> None:
    import yaml

    from passecs.backends.aws.taskdef import build_task_definition

    for name, services in (("a.yml", first), ("b.yml", second)):
        data: dict[str, Any] = dict(services) if version is None else {"version": version, "services": services}
        (tmp_path / name).write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        build_task_definition(load_project(tmp_path, files=["a.yml", "b.yml"], env={}), "p")
    except InvalidInput as exc:
        assert exc.message and exc.code == 3
