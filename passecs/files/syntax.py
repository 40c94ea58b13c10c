"""The small syntaxes inside the project's files, each parsed once, the way ecs-cli 1.21 parses it.

Pure functions, no I/O:

- :func:`interpolate_v2` (libcompose, compose v1/v2) and :func:`interpolate_v3` (docker/cli's template,
  compose v3): ``${VAR}``, ``$VAR``, ``$$``, defaults; :func:`expand_env` (Go's ``os.ExpandEnv``, for
  ecs-params.yml) lives in :mod:`passecs.files.project`;
- :func:`parse_env_file_lines` (docker's ParseEnvFile, for ``.env`` and v3 ``env_file``) and
  :func:`merge_env_file_v2` (libcompose's readEnvFile: the env_file lines merged into a v1/v2 service's
  environment list);
- :func:`ram_in_bytes` (docker/go-units RAMInBytes: ``512m``, ``1.5g``, ``192MiB``) and
  :func:`parse_duration` (Go's time.ParseDuration), :func:`duration_seconds`;
- :func:`parse_port_v2` (ecs-cli's ConvertToPortMappings) and :func:`parse_ports_v3` (docker's nat
  ParsePortSpec, ranges expanded).

Errors are :class:`~passecs.core.errors.InvalidInput` with ecs-cli's reason.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from passecs.core.errors import InvalidInput

MIB = 1024 * 1024

Lookup = Callable[[str], "str | None"]


# --------------------------------------------------------------------------------------------------
# Interpolation


@dataclass
class Interpolation:
    """One interpolation pass: the lookup, and what it met (for warnings and findings)."""

    lookup: Lookup
    seen: dict[str, None]
    unset: dict[str, None]  # referenced without a default and not set: substituted by ""
    # the lookup's answers in this pass (a name is looked up once however often it is referenced)
    values: dict[str, str | None] = field(default_factory=dict)
    # each text's result in this pass, with the names it met (aliases repeat a value thousands of times)
    results: dict[str, tuple[str | None, dict[str, None], dict[str, None]]] = field(default_factory=dict)

    @classmethod
    def over(cls, lookup: Lookup) -> Interpolation:
        return cls(lookup, {}, {})

    def value_of(self, name: str) -> str | None:
        if name in self.values:
            return self.values[name]
        value = self.values[name] = self.lookup(name)
        return value


def _name_char(c: str) -> bool:
    return c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9")


def interpolate_v2(text: str, state: Interpolation) -> str | None:
    """libcompose's parseLine: ``$$``, ``$NAME``, ``${NAME}``, ``${NAME:-d}``, ``${NAME-d}``; None if invalid.

    An unset variable without a default becomes "" (ecs-cli warns ``The X variable is not set``).
    """
    if "$" not in text:  # most values: nothing to substitute
        return text
    known = state.results.get(text)
    if known is None:
        alone = Interpolation(state.lookup, {}, {}, state.values)
        known = state.results[text] = (_interpolate_v2(text, alone), alone.seen, alone.unset)
    result, seen, unset = known
    state.seen.update(seen)
    if unset:
        state.unset.update(unset)
    return result


def _interpolate_v2(text: str, state: Interpolation) -> str | None:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != "$":  # the literal run up to the next `$`, in one piece
            dollar = text.find("$", i)
            if dollar < 0:
                out.append(text[i:])
                break
            out.append(text[i:dollar])
            i = dollar
            continue
        if i + 1 >= n:
            return None
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            j = i + 2
            while j < n and _name_char(text[j]):
                j += 1
            name = text[i + 2 : j]
            if not name or j >= n:
                return None
            if text[j] == "}":
                out.append(_resolve(name, None, None, state))
                i = j + 1
                continue
            sep = ":-" if text.startswith(":-", j) else "-" if text[j] == "-" else None
            if sep is None:
                return None
            end = text.find("}", j + len(sep))
            if end < 0:
                return None
            out.append(_resolve(name, sep, text[j + len(sep) : end], state))
            i = end + 1
            continue
        if nxt.isdigit() or not _name_char(nxt):
            return None
        j = i + 1
        while j < n and _name_char(text[j]):
            j += 1
        out.append(_resolve(text[i + 1 : j], None, None, state))
        i = j
    return "".join(out)


def _resolve(name: str, sep: str | None, default: str | None, state: Interpolation) -> str:
    state.seen[name] = None
    value = state.value_of(name)
    if sep == ":-" and not value:
        return default or ""
    if sep == "-" and value is None:
        return default or ""
    if value is None:
        if sep is None:
            state.unset[name] = None
        return ""
    return value


_V3_PATTERN = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|\{(?P<braced>[_a-z][_a-z0-9]*(?::?[-?][^}]*)?)\}|(?P<invalid>))",
    re.IGNORECASE,
)


def interpolate_v3(text: str, state: Interpolation) -> str:
    """docker/cli's template.Substitute: adds ``${VAR:?err}``/``${VAR?err}``; unset => "" silently."""
    if "$" not in text:  # most values: nothing to substitute
        return text
    problems: list[InvalidInput] = []

    def replace(m: re.Match[str]) -> str:
        if m.group("escaped"):
            return "$"
        sub = m.group("named") or m.group("braced")
        if not sub:
            problems.append(InvalidInput(f"Invalid template: {text!r}", "write $$ for a literal $"))
            return ""
        for sep in (":?", "?"):
            if sep in sub:
                name, _, message = sub.partition(sep)
                state.seen[name] = None
                value = state.value_of(name)
                if value is None or (sep == ":?" and value == ""):
                    problems.append(
                        InvalidInput(
                            f"required variable {name} is missing a value: {message}",
                            f"set {name} in the environment or in .env",
                        )
                    )
                    return ""
                return value
        for sep in (":-", "-"):
            if sep in sub:
                name, _, default = sub.partition(sep)
                return _resolve(name, sep, default, state)
        return _resolve(sub, None, None, state)

    result = _V3_PATTERN.sub(replace, text)
    if problems:
        raise problems[0]
    return result


def expand_env(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Go's ``os.ExpandEnv``: ``$NAME``/``${NAME}`` from ``env``, unset => empty; and the unset names.

    No defaults: ``${A:-b}`` looks up a variable literally named ``A:-b`` (so it is empty). Linear in the
    text: literal runs are copied whole, and the next ``}`` is searched for once, not once per ``${``.
    """
    out: list[str] = []
    unset: dict[str, None] = {}
    i = 0
    n = len(text)
    close = -2  # where the next `}` at or after the current place is (-1: none; -2: not looked for yet)
    while i < n:
        dollar = text.find("$", i)
        if dollar < 0 or dollar + 1 >= n:
            out.append(text[i:])
            break
        out.append(text[i:dollar])
        start = dollar + 1
        if close != -1 and close < start:
            close = text.find("}", start)
        name, width = _shell_name_at(text, start, close)
        if name == "" and width > 0:
            pass  # invalid syntax: Go eats the characters
        elif name == "":
            out.append("$")
        elif name in env:
            out.append(env[name])
        else:
            unset[name] = None
        i = start + width
    return "".join(out), list(unset)


_SHELL_SPECIAL = "*#$@!?-0123456789"


def _shell_name(s: str) -> tuple[str, int]:
    return _shell_name_at(s, 0, s.find("}"))


def _shell_name_at(s: str, j: int, close: int) -> tuple[str, int]:
    """Go's getShellName for ``s[j:]`` (``close``: where the first ``}`` at or after ``j`` is, -1 for none)."""
    first = s[j]
    if first == "{":
        if len(s) - j > 2 and s[j + 1] in _SHELL_SPECIAL and s[j + 2] == "}":
            return s[j + 1], 3
        end = close  # s[j] is `{`: the first `}` from j is the first after it
        if end == j + 1:
            return "", 2
        if end < 0:
            return "", 1
        return s[j + 1 : end], end - j + 1
    if first in _SHELL_SPECIAL:
        return first, 1
    k = j
    while k < len(s) and (s[k] == "_" or (s[k].isascii() and s[k].isalnum())):
        k += 1
    return s[j:k], k - j


# What ${VAR} substitution may produce while one project is loaded, in characters: the files are at most
# 1 MiB each, but one short reference to a long variable can be written many times over.
MAX_INTERPOLATED = 8 * 1024 * 1024
_interpolated: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("interpolated", default=None)


@contextlib.contextmanager
def interpolation_budget(limit: int = MAX_INTERPOLATED) -> Iterator[None]:
    """Bound what :func:`interpolate_value` produces inside the block (one project load); inside another
    such block, the outer budget goes on counting."""
    if _interpolated.get() is not None:
        yield
        return
    token = _interpolated.set([limit])
    try:
        yield
    finally:
        _interpolated.reset(token)


def interpolate_value(value: Any, text: Callable[[str], str]) -> Any:
    """``text`` applied to every string in a YAML value (not to mapping keys); inside
    :func:`interpolation_budget`, InvalidInput (exit 3) once the results outgrow it."""
    if isinstance(value, str):
        out = text(value)
        budget = _interpolated.get()
        if budget is not None:
            budget[0] -= len(out)
            if budget[0] < 0:
                raise InvalidInput(
                    f"the compose files grow past {MAX_INTERPOLATED // (1024 * 1024)} MiB once ${{VAR}} references "
                    "are substituted (a long variable referred to many times?)",
                    "shorten the variable or refer to it less often",
                )
        return out
    if isinstance(value, list):
        return [interpolate_value(v, text) for v in value]
    if isinstance(value, Mapping):
        return {k: interpolate_value(v, text) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------------------
# env files


@dataclass(frozen=True)
class EnvLine:
    """One meaningful line of an env file: ``key`` and ``value`` (None: no ``=``) and the trimmed text."""

    key: str
    value: str | None
    text: str
    number: int


# Go's unicode.IsSpace (strings.TrimSpace, unicode.IsSpace): not Python's str.isspace
GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))


def go_lines(text: str) -> list[str]:
    """Lines as Go's bufio.Scanner reads them: split at \n only, a trailing \r dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def env_file_lines(text: str) -> list[EnvLine]:
    """Non-blank, non-comment lines (leading blanks trimmed), split at the first ``=``; nothing dropped.

    Each text is split once per process (several services and checks read the same env file)."""
    return list(_env_file_lines(text))


@functools.lru_cache(maxsize=16)
def _env_file_lines(text: str) -> tuple[EnvLine, ...]:
    lines: list[EnvLine] = []
    for number, raw in enumerate(go_lines(text), start=1):
        line = raw.lstrip(GO_SPACE)
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        lines.append(EnvLine(key.lstrip(" \t"), value if sep else None, line, number))
    return tuple(lines)


def bad_env_key(line: EnvLine) -> str | None:
    """docker's ParseEnvFile refusal for a line, or None."""
    if not line.key:
        return f"no variable name on line '{line.text}'"
    if any(ch in line.key for ch in " \t"):
        return f"variable '{line.key}' has white spaces"
    return None


def merge_env_file_v2(environment: list[str], contents: list[str]) -> list[str]:
    """libcompose's readEnvFile: env files from last to first, each trimmed line appended unless a
    variable already starts with its key (``KEY=`` or, without ``=``, ``KEY``: a prefix match).

    Linear in the lines (a 1 MiB env_file has tens of thousands): a ``KEY=`` key (no ``=`` before its
    end) starts a variable exactly when it is that variable's text up to its first ``=``, a set lookup;
    the rare key without ``=`` is looked up in :class:`PrefixIndex`.
    """
    merged = list(environment)
    heads = {v[: v.index("=") + 1] for v in merged if "=" in v}
    prefixes: PrefixIndex | None = None  # built at the first key without `=`
    for text in reversed(contents):
        for raw in go_lines(text):
            line = raw.strip(GO_SPACE)
            if not line or line.startswith("#"):
                continue
            if "=" in line:
                head: str | None = line[: line.index("=") + 1]
                found = head in heads
            else:
                head = None
                if prefixes is None:
                    prefixes = PrefixIndex(merged)
                found = prefixes.starts_any(line)
            if not found:
                merged.append(line)
                if head is not None:
                    heads.add(head)
                if prefixes is not None:
                    prefixes.add(line)
    return merged


class PrefixIndex:
    """Strings, asked whether any of them starts with a given prefix: sorted runs whose sizes are distinct
    powers of two (adding is O(log n) amortised, asking O(log² n)), instead of a scan of every string."""

    def __init__(self, items: list[str] | None = None) -> None:
        self._runs: list[list[str]] = []
        for item in items or ():
            self.add(item)

    def add(self, item: str) -> None:
        run = [item]
        while self._runs and len(self._runs[-1]) <= len(run):
            run = sorted(self._runs.pop() + run)  # two sorted runs: timsort merges them in linear time
        self._runs.append(run)

    def starts_any(self, prefix: str) -> bool:
        import bisect

        for run in self._runs:
            i = bisect.bisect_left(run, prefix)
            if i < len(run) and run[i].startswith(prefix):
                return True
        return False


# --------------------------------------------------------------------------------------------------
# Sizes and durations


_RAM_RE = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")
_RAM_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def ram_in_bytes(text: str) -> int:
    """docker/go-units RAMInBytes (binary units; ``1.5g`` => 1610612736)."""
    m = _RAM_RE.match(text)
    if m is None:
        raise InvalidInput(f"invalid size: {text!r}", "write a size such as 512m or 1g")
    number = m.group(1)
    if number.count(".") > 1:
        raise InvalidInput(f"invalid size: {text!r}", "write a size such as 512m or 1g")
    return int(float(number) * _RAM_UNITS[(m.group(2) or "").lower()])


def mem_bytes(value: Any) -> int:
    """libcompose's MemStringorInt: an integer is bytes, a string a docker size."""
    if isinstance(value, bool):
        raise InvalidInput(f"memory value {value!r}: expected bytes or a size such as 512m")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return ram_in_bytes(str(value).strip())


def to_mib(value: Any) -> int:
    """ecs-cli's ConvertToMemoryInMB: bytes // MiB; 0 when not given (``mem_limit: 512`` is 0 MiB)."""
    if value is None or value == "":
        return 0
    return mem_bytes(value) // MIB


_NUMBER = r"(\d+(?:\.\d+)?)"


def _task_size(value: str | None, unit: str) -> int | None:
    """A task size: ``N UNIT`` (N may have a fraction) is N * 1024, a whole number is itself; else None."""
    if value is None:
        return None
    text = value.strip().lower()
    if m := re.fullmatch(_NUMBER + r"\s*" + unit, text):
        return int(float(m.group(1)) * 1024)
    return int(text) if text.isdigit() else None


def task_cpu_units(value: str | None) -> int | None:
    """Task CPU units from ``1024``, ``"1024"`` or ``"1 vCPU"`` (the forms ECS accepts), else None."""
    return _task_size(value, "vcpu")


def task_memory_mib(value: str | None) -> int | None:
    """Task memory in MiB from ``"8GB"``, ``"8 GB"`` or ``"8192"`` (MiB), the forms ECS accepts, else None.

    ECS reads no other unit for the task size (``512MB``, ``1GiB`` are refused by RegisterTaskDefinition).
    """
    return _task_size(value, "gb")


_DURATION_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Go's time.ParseDuration, in seconds (``1m30s`` => 90.0)."""
    s = text.strip()
    sign = -1.0 if s.startswith("-") else 1.0
    body = s.lstrip("+-")
    if body == "0":
        return 0.0
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(body):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if not body or pos != len(body):
        raise InvalidInput(f"time: invalid duration {text!r}", "write a duration such as 30s or 1m30s")
    return sign * total


def duration_seconds(value: Any) -> int:
    """A compose duration in whole seconds (Go: Nanoseconds()/1e9)."""
    return int(parse_duration(str(value)))


def param_seconds(value: Any) -> int:
    """An ecs-params healthcheck time: an integer (seconds) or a duration."""
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return duration_seconds(text)
    except InvalidInput:
        raise InvalidInput(
            f"Could not parse {text} either as an integer or a duration (ex: 1m30s)",
            "write the healthcheck time as seconds (10) or a duration (1m30s)",
        ) from None


_SHELL_QUOTING = re.compile(r"[\"'\\#]")
_SHLEX_BLANKS = re.compile(r"[ \t\r\n]+")  # shlex's whitespace


def command_words(value: Any) -> list[str]:
    """libcompose's yaml.Command / docker's ShellCommand: a string is split as a shell would."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_scalar_text(v) for v in value]
    text = _scalar_text(value)
    if not _SHELL_QUOTING.search(text):  # no quotes, escapes or comments: words between shlex's blanks
        return [word for word in _SHLEX_BLANKS.split(text) if word]
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise InvalidInput(f"command {value!r}: {exc}", "balance the quotes") from None


def string_list(value: Any) -> list[str]:
    """libcompose's Stringorslice: a string is one element."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_scalar_text(v) for v in value]
    return [_scalar_text(value)]


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "g") if value != int(value) else str(int(value))
    return "" if value is None else str(value)


def scalar_text(value: Any) -> str:
    """A YAML scalar as yaml.v2 hands it to a Go string field."""
    return _scalar_text(value)


def role_name_of(reference: str) -> str:
    """A role's name from what ecs-params may hold: the name itself, or its ARN (the last path segment)."""
    reference = reference.strip()
    if reference.startswith("arn:"):
        return reference.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return reference


# --------------------------------------------------------------------------------------------------
# Ports


@dataclass(frozen=True)
class PortSpec:
    container_port: int
    host_port: int
    protocol: str
    host_ip: str = ""


def _atoi(text: str) -> int:
    """Go's strconv.Atoi; the error text is Go's."""
    if re.fullmatch(r"[+-]?\d+", text) is None:
        raise InvalidInput(
            f'Could not convert port into integer in portmappings: strconv.Atoi: parsing "{text}": invalid syntax',
            "ecs-cli converts single ports only (no ranges, no empty values in compose v1/v2)",
        )
    return int(text)


def parse_port_v2(spec: str) -> PortSpec:
    """ecs-cli's ConvertToPortMappings: ``c``, ``h:c``, ``ip:h:c`` (``ip::c``), ``/tcp``/``/udp`` suffix."""
    text = spec
    protocol = "tcp"
    if text.endswith("/tcp") or text.endswith("/udp"):
        protocol, text = text[-3:], text[:-4]
    parts = text.split(":")
    if len(parts) == 1:
        return PortSpec(_atoi(parts[0]), 0, protocol)
    if len(parts) == 2:
        host = _atoi(parts[0])
        return PortSpec(_atoi(parts[1]), host, protocol)
    if len(parts) == 3:
        host = 0 if parts[1] == "" else _atoi(parts[1])
        return PortSpec(_atoi(parts[2]), host, protocol, host_ip=parts[0])
    raise InvalidInput(
        f"expected format [hostPort]:containerPort. Could not parse portmappings: {text}",
        "write ports as CONTAINER, HOST:CONTAINER or IP:HOST:CONTAINER",
    )


def _port_range(text: str, what: str, spec: str) -> tuple[int, int]:
    start, sep, end = text.partition("-")
    if not start.isdigit() or (sep and not end.isdigit()):
        raise InvalidInput(f"Invalid {what}: {text} (in port {spec!r})", "write a port number or a range 8000-8009")
    first, last = int(start), int(end) if sep else int(start)
    if last < first or last > 65535:
        raise InvalidInput(f"Invalid range specified for {what}: {text}", "write a range low-high, up to 65535")
    return first, last


def parse_ports_v3(spec: str) -> list[PortSpec]:
    """docker's nat.ParsePortSpec for one short-syntax port: ranges expanded, sorted as docker sorts them."""
    raw, _, proto = spec.partition("/")
    protocol = (proto or "tcp").lower()
    if protocol not in ("tcp", "udp", "sctp"):
        raise InvalidInput(f"Invalid proto: {proto}", "use tcp or udp")
    ip, host, container = "", "", raw
    if raw.startswith("["):  # [ipv6]:host:container
        end = raw.find("]")
        ip, rest = raw[1:end], raw[end + 2 :]
        host, _, container = rest.rpartition(":")
    else:
        parts = raw.split(":")
        if len(parts) == 2:
            host, container = parts
        elif len(parts) == 3:
            ip, host, container = parts
        elif len(parts) > 3:
            raise InvalidInput(f"Invalid port specification: {spec!r}", "write [IP:][HOST:]CONTAINER[/PROTO]")
    first, last = _port_range(container, "containerPort", spec)
    if host:
        hfirst, hlast = _port_range(host, "hostPort", spec)
        if hlast - hfirst != last - first and hlast != hfirst:
            raise InvalidInput(
                f"Invalid ranges specified for container and host Ports: {container} and {host}",
                "give the host and the container ranges the same length",
            )
    else:
        hfirst = hlast = 0
    specs = []
    for offset, port in enumerate(range(first, last + 1)):
        host_port = 0 if not host else (hfirst + offset if hlast != hfirst or first == last else hfirst)
        specs.append(PortSpec(port, host_port, protocol, ip))
    # docker/cli sorts the expanded ports by their "port/proto" text
    return sorted(specs, key=lambda p: f"{p.container_port}/{p.protocol}")
