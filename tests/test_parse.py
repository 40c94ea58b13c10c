"""The parsers of ecs-cli's output, on every recorded compose up/ps/down/logs output of the real ecs-cli."""

from __future__ import annotations

import sys

import pytest
from conftest import FAKES, recording
from hypothesis import given, settings
from hypothesis import strategies as st

from passecs.backends.ecscli.parse import (
    BlankLineFilter,
    Event,
    container_ref,
    fold_unsupported,
    is_log_line,
    log_messages,
    parse_log_line,
    parse_log_lines,
    parse_ports,
    parse_ps,
    unsupported_option,
)
from passecs.core.errors import ParseError
from passecs.core.records import Container, Port

sys.path.insert(0, str(FAKES))
from ecs_cli.compose import _go_quote

# every recorded compose up / down / ps / logs / error output (ids from tests/data/ecs-cli/README.md)
COMPOSE_LOG_RECORDINGS = [
    "42-compose-up-default-passdev",
    "43-compose-up-create-log-groups-pass",
    "44-compose-up-again-pass",
    "57-compose-up-force-update-pass",
    "58-compose-down-pass",
    "59-compose-down-default",
    "61-compose-service-up",
    "63-compose-service-scale-2",
    "66-compose-service-down",
    "68-compose-service-down-again",
    "71-compose-up-missing-subnet",
    "72-compose-up-unknown-cluster",
    "73-compose-up-unknown-cluster-config",
    "74-compose-up-no-credentials",
    "76-compose-up-no-region",
    "77-compose-up-malformed-compose",
    "78-compose-up-missing-compose-file",
    "79-logs-bad-task-id",
    "80-logs-no-task-id",
    "87-compose-up-version-3.7",
    "88-compose-up-bad-flag",
]

# recording -> (rows, clusters, task ids, states)
PS_RECORDINGS = {
    "45-compose-ps-pass": (4, {"pass"}, {"2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3"}, {"RUNNING"}),
    "46-compose-ps-default": (4, {"passdev"}, {"57e35341-9b8f-4ab9-a91a-39cb7f7b3d4b"}, {"RUNNING"}),
    "47-ecs-cli-ps-default": (4, {"passdev"}, {"57e35341-9b8f-4ab9-a91a-39cb7f7b3d4b"}, {"RUNNING"}),
    "48-ecs-cli-ps-pass": (4, {"pass"}, {"2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3"}, {"RUNNING"}),
    "49-compose-ps-c-pass": (4, {"pass"}, {"2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3"}, {"RUNNING"}),
    "60-compose-ps-after-down": (
        8,
        {"pass"},
        {"2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3", "55d6376d-4712-484a-ae04-c29c78ab9057"},
        {"STOPPED"},
    ),
    "62-compose-service-ps": (4, {"pass"}, {"5d4007d3-8bb8-42ba-ae8f-593c1c256e8f"}, {"RUNNING"}),
    "64-compose-service-ps-2": (
        8,
        {"pass"},
        {"5d4007d3-8bb8-42ba-ae8f-593c1c256e8f", "ffc85b7d-8ef1-4d91-b47a-0d8338a89cfe"},
        {"RUNNING"},
    ),
    "67-compose-service-ps-after-down": (
        8,
        {"pass"},
        {"5d4007d3-8bb8-42ba-ae8f-593c1c256e8f", "ffc85b7d-8ef1-4d91-b47a-0d8338a89cfe"},
        {"STOPPED"},
    ),
}

LOGS_RECORDINGS = {
    "53-logs-task-id": 8,
    "54-logs-task-id-default-config": 8,
    "55-logs-timestamps-container": 2,
    "56-logs-follow-timeout25": 9,
}

PASS_PORTS = {
    "fcrepo": {8080, 61616, 61613},
    "ember": {80},
    "ftpserver": {21},
    "submission": {8081, 5005},
}


# ---------------------------------------------------------------------------------------------- logfmt


@pytest.mark.parametrize("name", COMPOSE_LOG_RECORDINGS)
def test_every_recorded_log_line_parses(name: str) -> None:
    out = recording(name)["out"]
    events, other = parse_log_lines(out)
    log_lines = [line for line in out.splitlines() if line.startswith("time=")]
    assert len(events) == len(log_lines) > 0
    for event in events:
        assert event.time.endswith("Z") and event.time.startswith("2026-11-26T")
        assert event.level in ("info", "warning", "error", "fatal")
        assert event.msg
    # what is not a log line is a table, help text or the `cat` of a compose file, never a lost event
    assert all(not is_log_line(line) for line in other)


def test_unsupported_option_warnings_fold_into_one_line() -> None:
    events, _ = parse_log_lines(recording("42-compose-up-default-passdev")["out"])
    first = events[0]
    assert first == Event(
        time="2026-11-26T04:42:48Z",
        level="warning",
        msg="Skipping unsupported YAML option for service...",
        fields=(("option name", "build"), ("service name", "fcrepo")),
    )
    pairs = [p for e in events if (p := unsupported_option(e)) is not None]
    assert len(pairs) == 6
    assert fold_unsupported(pairs) == "ignored by ecs-cli: build (4 services), depends_on (2 services)"
    assert fold_unsupported([("networks", "")]) == "ignored by ecs-cli: networks (project)"
    assert fold_unsupported([("build", "web"), ("build", "web")]) == "ignored by ecs-cli: build (1 service)"


def test_task_definition_and_container_fields() -> None:
    events, _ = parse_log_lines(recording("57-compose-up-force-update-pass")["out"])
    by_msg = {e.msg: e for e in events}
    assert by_msg["Using ECS task definition"].get("TaskDefinition") == "pass:1"
    found = by_msg["Found existing ECS tasks for project"]
    assert (found.get("CountOfTasks"), found.get("ProjectName")) == ("1", "pass")
    assert by_msg["Updating to new task definition"].get("taskDefinition") == (
        "arn:aws:ecs:us-east-1:123456789012:task-definition/pass:1"
    )
    stopped = by_msg["Stopped container..."]
    assert stopped.get("desiredStatus") == stopped.get("lastStatus") == "STOPPED"
    ref = container_ref(stopped.get("container"))
    assert ref is not None
    assert (ref.cluster, ref.task_id, ref.name) == ("pass", "2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3", "ember")


def test_quoted_values_are_unescaped_like_go() -> None:
    events, _ = parse_log_lines(recording("72-compose-up-unknown-cluster")["out"])
    error = next(e for e in events if e.level == "error")
    assert error.msg == "Error listing tasks"
    assert error.get("error") == "ClusterNotFoundException: Cluster not found."
    assert error.get("request") == '{\n  Cluster: "nosuchcluster",\n  DesiredStatus: "RUNNING",\n  Family: "pass"\n}'
    fatal = events[-1]
    assert fatal.level == "fatal" and fatal.failed
    assert fatal.reason() == "ClusterNotFoundException: Cluster not found."


def test_reason_joins_message_and_error_on_one_line() -> None:
    events, _ = parse_log_lines(recording("87-compose-up-version-3.7")["out"])
    assert events[-1].reason() == (
        "Unable to create and read ECS Compose Project: Unsupported Docker Compose version found: 3.7"
    )
    events, _ = parse_log_lines(recording("74-compose-up-no-credentials")["out"])
    assert "\n" not in events[-1].reason()
    assert events[-1].msg.startswith("NoCredentialProviders: no valid providers in chain\ncaused by:")


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ('time="t" level=info msg="a b" k="\\t\\"\\\\"', (("k", '\t"\\'),)),
        ('time="t" level=info msg=x k="\\x41\\u00e9\\U0001F600\\101"', (("k", "A\u00e9\U0001f600A"),)),
        ('time="t" level=info msg=x k= z=1', (("k", ""), ("z", "1"))),
        ('time="t" level=info msg=x key name="a=b c"', (("key name", "a=b c"),)),
        ('time="t" level=info msg="Auto-enabling ECS Managed Tags"', ()),
        ('time="t" level=info msg="\\xff"', ()),
    ],
)
def test_logfmt_details(line: str, fields: tuple[tuple[str, str], ...]) -> None:
    assert parse_log_line(line).fields == fields


@pytest.mark.parametrize(
    "line",
    [
        "Name  State",
        'time="t" level=info msg="unterminated',
        'time="t" level=info msg="bad escape \\q"',
        'time="t" level=info msg="x"y',
        'time="t" level=info msg=x ',
        'time="t" msg=x',
        'level=info time="t" msg=x',
        'time="t" level=info msg=x "k"=1',
        'time="t" level=info msg=x =1',
        'time="t" level=info msg="\\x4"',
        "",
    ],
)
def test_malformed_log_lines_raise_parse_error_naming_the_line(line: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_log_line(line)
    assert line in err.value.message


@given(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z ]{0,10}[a-z]", fullmatch=True), st.text(), max_size=4))
@settings(max_examples=200, deadline=None)
def test_go_quoted_values_round_trip(fields: dict[str, str]) -> None:
    line = 'time="2026-11-26T04:42:48Z" level=info msg=' + _go_quote("a message")
    line += "".join(f" {key}={_go_quote(value)}" for key, value in fields.items())
    event = parse_log_line(line)
    assert dict(event.fields) == fields


@given(st.text())
@settings(max_examples=500, deadline=None)
def test_log_line_parser_returns_an_event_or_raises_parse_error(text: str) -> None:
    for candidate in (text, 'time="t" level=info ' + text, 'time="t" level=info msg=' + text):
        try:
            event = parse_log_line(candidate)
        except ParseError:
            continue
        assert isinstance(event, Event)


# ---------------------------------------------------------------------------------------------- ps


@pytest.mark.parametrize("name", sorted(PS_RECORDINGS))
def test_every_recorded_ps_table_parses(name: str) -> None:
    rows, clusters, task_ids, states = PS_RECORDINGS[name]
    containers = parse_ps(recording(name)["out"])
    assert len(containers) == rows
    assert {c.cluster for c in containers} == clusters
    assert {c.task_id for c in containers} == task_ids
    assert {c.state for c in containers} == states
    assert {c.task_definition for c in containers} == {"pass:1"}
    assert {c.health for c in containers} == {"UNKNOWN"}
    for c in containers:
        assert {p.container_port for p in c.ports} == PASS_PORTS[c.container]
        assert all(p.host_port == p.container_port and p.protocol == "tcp" for p in c.ports)
        if c.state == "STOPPED":
            assert c.exit_code == 0 and c.reason is None
        else:
            assert c.exit_code is None
            assert all(p.ip and p.ip.startswith("54.214.") for p in c.ports)


def test_ps_row_values() -> None:
    fcrepo = parse_ps(recording("45-compose-ps-pass")["out"])[0]
    assert fcrepo == Container(
        cluster="pass",
        task_id="2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3",
        container="fcrepo",
        state="RUNNING",
        task_definition="pass:1",
        ports=(
            Port(8080, 8080, "tcp", "54.214.100.133"),
            Port(61616, 61616, "tcp", "54.214.100.133"),
            Port(61613, 61613, "tcp", "54.214.100.133"),
        ),
        health="UNKNOWN",
    )
    assert fcrepo.ports[0].endpoint() == "http://54.214.100.133:8080"
    stopped = parse_ps(recording("60-compose-ps-after-down")["out"])[0]
    assert stopped.ports[0].ip is None and stopped.ports[0].endpoint() is None
    private = parse_ps(recording("67-compose-service-ps-after-down")["out"])[0]
    assert private.ports[0].ip == "10.0.0.39"


# SPEC.md §4.6's exact rendering: State with spaces and a Reason, an empty Ports cell, empty Health (the row
# then ends in padding spaces), a PENDING address.
SPEC_TABLE = (
    "Name                                               State                                                    "
    "Ports                  TaskDefinition  Health\n"
    "my-cluster/0b5f6a1c2d3e4f5a6b7c8d9e0f1a2b3c/web    RUNNING                                                  "
    "3.91.10.20:80->80/tcp  myproj:3        UNKNOWN\n"
    "my-cluster/0b5f6a1c2d3e4f5a6b7c8d9e0f1a2b3c/redis  RUNNING                                                  "
    "                       myproj:3        HEALTHY\n"
    "my-cluster/9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d/web    STOPPED ExitCode: 1 Reason: CannotPullContainerError: x  "
    "80->80/tcp             myproj:2        " + " " * 8 + "\n"
    "my-cluster/1a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d/dns    PENDING                                                  "
    "(PENDING):53->53/udp   myproj:3        UNKNOWN\n"
)


def test_spec_table_with_spaces_in_state_and_trailing_spaces() -> None:
    web, redis, stopped, dns = parse_ps(SPEC_TABLE)
    assert web.ports == (Port(80, 80, "tcp", "3.91.10.20"),)
    assert redis.ports == () and redis.health == "HEALTHY"
    assert (stopped.state, stopped.exit_code, stopped.reason) == ("STOPPED", 1, "CannotPullContainerError: x")
    assert stopped.health == "" and stopped.task_definition == "myproj:2"
    assert dns.ports == (Port(53, 53, "udp", None),)
    assert Port(53, 53, "udp", "1.2.3.4").endpoint() == "1.2.3.4:53/udp"


@pytest.mark.parametrize(
    ("port", "endpoint"),
    [
        (Port(80, 80, "tcp", "1.2.3.4"), "http://1.2.3.4:80"),
        (Port(8080, 8080, "tcp", "1.2.3.4"), "http://1.2.3.4:8080"),
        (Port(8081, 18081, "tcp", "1.2.3.4"), "http://1.2.3.4:18081"),  # the host port, the container's kind
        (Port(443, 443, "tcp", "1.2.3.4"), "https://1.2.3.4:443"),
        (Port(21, 21, "tcp", "1.2.3.4"), "1.2.3.4:21"),  # FTP
        (Port(61616, 61616, "tcp", "1.2.3.4"), "1.2.3.4:61616"),  # JMS
        (Port(61613, 61613, "tcp", "1.2.3.4"), "1.2.3.4:61613"),  # STOMP
        (Port(5005, None, "tcp", "1.2.3.4"), "1.2.3.4:5005"),  # a debugger
        (Port(80, 80, "udp", "1.2.3.4"), "1.2.3.4:80/udp"),
        (Port(80, 80, "tcp", None), None),
    ],
)
def test_only_web_ports_are_urls(port: Port, endpoint: str | None) -> None:
    assert port.endpoint() == endpoint


def test_no_tasks_means_no_table() -> None:
    out = recording("45-compose-ps-pass")["out"]
    warnings_only = "".join(line + "\n" for line in out.splitlines() if line.startswith("time="))
    assert parse_ps(warnings_only) == []
    assert parse_ps("") == []


def test_legacy_short_names_take_the_default_cluster() -> None:
    table = "Name         State    Ports  TaskDefinition  Health\nabc123/web   RUNNING         web:1           \n"
    (web,) = parse_ps(table, default_cluster="pass")
    assert (web.cluster, web.task_id, web.container) == ("pass", "abc123", "web")


@pytest.mark.parametrize(
    "bad_row",
    [
        "pass/2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3/ember       running  80->80/tcp  pass:1          UNKNOWN",
        "not a row at all",
        "pass/2a07b3a7/ember       RUNNING  80->80/tcp, garbage                       pass:1          UNKNOWN",
        "pass/2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3/ember-with-a-much-longer-name-than-the-column RUNNING",
    ],
)
def test_a_row_that_does_not_parse_is_a_parse_error_naming_it(bad_row: str) -> None:
    header = recording("45-compose-ps-pass")["out"].splitlines()[6]
    with pytest.raises(ParseError) as err:
        parse_ps(header + "\n" + bad_row + "\n")
    assert bad_row.strip() in err.value.message or bad_row in err.value.message


def test_text_before_the_table_that_is_not_a_log_line_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unexpected line before the table: NAME:"):
        parse_ps(recording("88-compose-up-bad-flag")["out"])


def test_parse_ports() -> None:
    assert parse_ports("") == ()
    assert parse_ports("[2001:db8::1]:80->8080/tcp") == (Port(8080, 80, "tcp", "[2001:db8::1]"),)
    with pytest.raises(ParseError):
        parse_ports("80-/tcp")


ROW = st.builds(
    lambda name, state, ports, td, health: (name, state, ports, td, health),
    st.from_regex(r"[a-z]{1,6}/[0-9a-f-]{1,12}/[a-z]{1,6}", fullmatch=True) | st.text(max_size=12),
    st.sampled_from(["RUNNING", "PENDING", "STOPPED ExitCode: 0", "STOPPED ExitCode: 1 Reason: x y"])
    | st.text(max_size=12),
    st.sampled_from(["", "1.2.3.4:80->80/tcp", "80->80/tcp, 21->21/tcp"]) | st.text(max_size=12),
    st.sampled_from(["pass:1"]) | st.text(max_size=6),
    st.sampled_from(["", "UNKNOWN"]) | st.text(max_size=6),
)


@given(st.lists(ROW, max_size=4), st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_ps_parser_on_arbitrary_tables_returns_records_or_raises_parse_error(rows: list, noise: str) -> None:
    cells = [("Name", "State", "Ports", "TaskDefinition", "Health"), *rows]
    widths = [max(4, *(len(r[i]) for r in cells)) + 2 for i in range(4)]
    table = "".join("".join(r[i].ljust(widths[i]) for i in range(4)) + r[4] + "\n" for r in cells)
    for text in (table, noise, noise + "\n" + table, table + noise):
        try:
            containers = parse_ps(text)
        except ParseError:
            continue
        assert all(isinstance(c, Container) for c in containers)


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_ps_parser_on_arbitrary_text_returns_records_or_raises_parse_error(text: str) -> None:
    try:
        containers = parse_ps(text)
    except ParseError:
        return
    assert all(isinstance(c, Container) for c in containers)


# ---------------------------------------------------------------------------------------------- logs


@pytest.mark.parametrize("name", sorted(LOGS_RECORDINGS))
def test_logs_output_without_the_blank_line_after_each_event(name: str) -> None:
    messages = log_messages(recording(name)["out"])
    assert len(messages) == LOGS_RECORDINGS[name]
    assert all(m.strip() for m in messages)
    assert all("(lab-seeded line)" in m or "while --follow was running" in m for m in messages)


def test_logs_timestamps_keep_the_time_and_the_tab() -> None:
    assert log_messages(recording("55-logs-timestamps-container")["out"]) == [
        "2026-11-26T04:43:02Z\t[ember] starting (lab-seeded line)",
        "2026-11-26T04:43:03Z\t[ember] ready (lab-seeded line)",
    ]


def test_log_stream_keeps_multi_line_and_empty_messages() -> None:
    stream = BlankLineFilter()
    fed = ["line one", "line two", "", "", "", "after"]  # "line one\nline two", then an empty message
    assert [stream.feed(line) for line in fed] == ["line one", "line two", None, "", None, "after"]
