"""ecs-cli's text output, as pure functions: logfmt log lines, the ``compose ps`` table, ``logs`` output.

Formats: tests/data/ecs-cli/SPEC.md §0.2 (logfmt through a pipe), §4.6 (the ps table), §6.3 (logs). Every
shape error is a :class:`~passecs.core.errors.ParseError` naming the line, never an IndexError or KeyError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from passecs.core.errors import ParseError
from passecs.core.records import Container, Port

UNSUPPORTED_OPTION_MSG = "Skipping unsupported YAML option for service..."
_UNSUPPORTED_PROJECT_MSG = "Skipping unsupported YAML option..."

# Go's strconv.Quote single-character escapes (and \' which Go accepts when unquoting).
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


@dataclass(frozen=True)
class Event:
    """One ecs-cli log line: ``time=… level=… msg=…`` then its fields (keys may contain spaces)."""

    time: str
    level: str  # debug, info, warning, error, fatal
    msg: str
    fields: tuple[tuple[str, str], ...] = ()

    def get(self, key: str, default: str = "") -> str:
        for name, value in self.fields:
            if name == key:
                return value
        return default

    @property
    def failed(self) -> bool:
        return self.level in ("error", "fatal")

    def reason(self) -> str:
        """The message with its ``error`` field, as one readable line (for error messages)."""
        error = self.get("error")
        text = f"{self.msg}: {error}" if error and error != self.msg else self.msg
        return " ".join(text.split())


def is_log_line(line: str) -> bool:
    """Whether ``line`` is one of ecs-cli's logfmt lines (as opposed to a table row or plain output)."""
    return line.startswith('time="') or line.startswith("time=")


def _unquote(line: str, start: int) -> tuple[str, int]:
    """The Go-%q-quoted string starting at ``line[start]`` (a '"'), and the index after its closing quote."""
    out = bytearray()
    i = start + 1
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == '"':
            return out.decode("utf-8", errors="replace"), i + 1
        if ch != "\\":
            out += ch.encode("utf-8", errors="surrogatepass")
            i += 1
            continue
        if i + 1 >= n:
            break
        esc = line[i + 1]
        if esc in _ESCAPES:
            out += _ESCAPES[esc].encode()
            i += 2
        elif esc in _HEX_ESCAPES:
            width = _HEX_ESCAPES[esc]
            digits = line[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise ParseError(f"bad escape \\{esc}{digits} in ecs-cli log line: {line}")
            value = int(digits, 16)
            if esc == "x":
                out.append(value)
            else:
                if value > 0x10FFFF:
                    raise ParseError(f"bad escape \\{esc}{digits} in ecs-cli log line: {line}")
                out += chr(value).encode("utf-8", errors="surrogatepass")
            i += 2 + width
        elif esc in "01234567":
            digits = line[i + 1 : i + 4]
            if len(digits) != 3 or not all(c in "01234567" for c in digits) or int(digits, 8) > 255:
                raise ParseError(f"bad escape \\{digits} in ecs-cli log line: {line}")
            out.append(int(digits, 8))
            i += 4
        else:
            raise ParseError(f"bad escape \\{esc} in ecs-cli log line: {line}")
    raise ParseError(f"unterminated quoted value in ecs-cli log line: {line}")


def parse_log_line(line: str) -> Event:
    """Parse one logfmt line as logrus's text formatter writes it (keys unquoted, values bare or %q).

    Raises ParseError (naming the line) for anything else.
    """
    line = line.rstrip("\r\n")
    fields: list[tuple[str, str]] = []
    i, n = 0, len(line)
    while i < n:
        eq = line.find("=", i)
        if eq <= i:
            raise ParseError(f"not an ecs-cli log line (expected key=value at column {i + 1}): {line}")
        key = line[i:eq]
        if '"' in key:
            raise ParseError(f"not an ecs-cli log line (bad key {key!r}): {line}")
        i = eq + 1
        if i < n and line[i] == '"':
            value, i = _unquote(line, i)
        else:
            end = line.find(" ", i)
            end = n if end < 0 else end
            value = line[i:end]
            if '"' in value:
                raise ParseError(f"not an ecs-cli log line (stray quote in {value!r}): {line}")
            i = end
        fields.append((key, value))
        if i < n:
            if line[i] != " ":
                raise ParseError(f"not an ecs-cli log line (expected a space at column {i + 1}): {line}")
            i += 1
            if i == n:
                raise ParseError(f"not an ecs-cli log line (trailing space): {line}")
    if len(fields) < 2 or fields[0][0] != "time" or fields[1][0] != "level":
        raise ParseError(f"not an ecs-cli log line (expected time=… level=…): {line}")
    time, level = fields[0][1], fields[1][1]
    rest = fields[2:]
    msg = ""
    if rest and rest[0][0] == "msg":
        msg = rest[0][1]
        rest = rest[1:]
    return Event(time=time, level=level, msg=msg, fields=tuple(rest))


def parse_log_lines(text: str) -> tuple[list[Event], list[str]]:
    """The log events in ``text`` and its other (non-blank) lines, each in order."""
    events: list[Event] = []
    other: list[str] = []
    for line in text.splitlines():
        if is_log_line(line):
            events.append(parse_log_line(line))
        elif line.strip():
            other.append(line)
    return events, other


# ---------------------------------------------------------------------------------------------- ps table

_HEADER_RE = re.compile(r"^Name +State +Ports +TaskDefinition +Health *$")
_STATE_RE = re.compile(r"^(?P<state>[A-Z][A-Z_]*)(?: ExitCode: (?P<code>-?\d+))?(?: Reason: (?P<reason>.*))?$")
_PORT_RE = re.compile(r"^(?:(?P<ip>.+):)?(?P<host>\d+)->(?P<container>\d+)(?:/(?P<proto>[a-z]+))?$")
_COLUMNS = ("Name", "State", "Ports", "TaskDefinition", "Health")


def is_ps_header(line: str) -> bool:
    return bool(_HEADER_RE.match(line.rstrip("\r")))


def parse_ports(cell: str, line: str = "") -> tuple[Port, ...]:
    """``ip:host->container/proto, …`` (ip absent or ``(PENDING)`` while no address is known)."""
    cell = cell.strip()
    if not cell:
        return ()
    ports: list[Port] = []
    for item in cell.split(", "):
        m = _PORT_RE.match(item.strip())
        if m is None:
            raise ParseError(f"ecs-cli ps: cannot read the port {item!r} in: {line or cell}")
        ip = m.group("ip")
        ports.append(
            Port(
                container_port=int(m.group("container")),
                host_port=int(m.group("host")),
                protocol=m.group("proto") or "tcp",
                ip=None if ip in (None, "(PENDING)") else ip,
            )
        )
    return tuple(ports)


def _row(line: str, starts: list[int], default_cluster: str) -> Container:
    for start in starts[1:]:
        # every cell before Health is padded: the character before a column start is always a space
        if len(line) > start and line[start - 1] != " ":
            raise ParseError(f"ecs-cli ps: a row does not line up with the table header: {line}")
    name, state_cell, ports_cell, task_definition, health = (
        line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)
    )
    parts = name.split("/")
    if len(parts) < 2 or not all(parts) or " " in name:
        raise ParseError(f"ecs-cli ps: cannot read the container name {name!r} in: {line}")
    cluster = parts[-3] if len(parts) >= 3 else default_cluster
    m = _STATE_RE.match(state_cell)
    if m is None:
        raise ParseError(f"ecs-cli ps: cannot read the state {state_cell!r} in: {line}")
    if not task_definition or " " in task_definition:
        raise ParseError(f"ecs-cli ps: cannot read the task definition {task_definition!r} in: {line}")
    if " " in health:
        raise ParseError(f"ecs-cli ps: cannot read the health {health!r} in: {line}")
    code = m.group("code")
    return Container(
        cluster=cluster,
        task_id=parts[-2],
        container=parts[-1],
        state=m.group("state"),
        task_definition=task_definition,
        ports=parse_ports(ports_cell, line),
        health=health,
        exit_code=int(code) if code is not None else None,
        reason=m.group("reason"),
    )


def parse_ps(text: str, default_cluster: str = "") -> list[Container]:
    """The rows of ``ecs-cli compose ps`` (or ``ecs-cli ps``, ``compose service ps``) as records.

    Columns are cut at the header words' character offsets (State and Ports contain spaces). Log lines
    may come before the table; no tasks means no table at all, hence an empty list. Any other line that
    is not a row raises ParseError naming it. ``default_cluster`` is used for legacy short task ARNs,
    whose Name has no cluster part.
    """
    containers: list[Container] = []
    starts: list[int] | None = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip() or is_log_line(line):
            continue
        if starts is None:
            if not is_ps_header(line):
                raise ParseError(f"ecs-cli ps: unexpected line before the table: {line}")
            starts = [line.index(col) for col in _COLUMNS]
            continue
        if is_ps_header(line):  # a second table (ecs-cli prints one per call; be lenient if it repeats)
            starts = [line.index(col) for col in _COLUMNS]
            continue
        containers.append(_row(line, starts, default_cluster))
    return containers


# ---------------------------------------------------------------------------------------------- logs


class BlankLineFilter:
    """Drops the blank line ``ecs-cli logs`` prints after every event, one line at a time (for streaming).

    ecs-cli writes ``<message>\\n\\n``; a message may itself span lines, so the blank line that follows
    any non-separator line is the separator.
    """

    def __init__(self) -> None:
        self._expect_separator = False

    def feed(self, line: str) -> str | None:
        """The line to show, or None for a separator."""
        line = line.rstrip("\r\n")
        if self._expect_separator and line == "":
            self._expect_separator = False
            return None
        self._expect_separator = True
        return line


def log_messages(text: str) -> list[str]:
    """The lines of ``ecs-cli logs`` output without the blank line after each event."""
    stream = BlankLineFilter()
    return [shown for line in text.splitlines() if (shown := stream.feed(line)) is not None]


# ---------------------------------------------------------------------------------------------- warnings


def unsupported_option(event: Event) -> tuple[str, str] | None:
    """``(option, service)`` for a "Skipping unsupported YAML option" warning (service "" at project level)."""
    if event.msg == UNSUPPORTED_OPTION_MSG:
        return event.get("option name"), event.get("service name")
    if event.msg == _UNSUPPORTED_PROJECT_MSG:
        return event.get("option name"), ""
    return None


def fold_unsupported(pairs: Iterable[tuple[str, str]]) -> str:
    """``ignored by ecs-cli: build (4 services), depends_on (2 services)`` (options in first-seen order)."""
    services: dict[str, set[str]] = {}
    for option, service in pairs:
        services.setdefault(option, set())
        if service:
            services[option].add(service)
    parts = []
    for option, names in services.items():
        count = len(names)
        if count:
            parts.append(f"{option} ({count} service{'s' if count != 1 else ''})")
        else:
            parts.append(f"{option} (project)")
    return "ignored by ecs-cli: " + ", ".join(parts)


@dataclass(frozen=True)
class ContainerRef:
    """``container=<cluster>/<task id>/<name>`` of a progress line (``<task id>/<name>`` for short ARNs)."""

    task_id: str
    name: str
    cluster: str = ""


def container_ref(value: str) -> ContainerRef | None:
    parts = value.split("/")
    if len(parts) < 2 or not all(parts):
        return None
    return ContainerRef(task_id=parts[-2], name=parts[-1], cluster=parts[-3] if len(parts) >= 3 else "")


def iter_events(lines: Iterable[str]) -> Iterator[Event]:
    """The events among ``lines`` (other lines skipped); a malformed logfmt line raises ParseError."""
    for line in lines:
        if is_log_line(line):
            yield parse_log_line(line)
