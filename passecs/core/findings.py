"""One kind of finding for every check passecs makes: doctor's checks and the validation of ``~/.ecs`` files.

A finding says what was checked, how it stands (ok, warn, fail), what is wrong and how to fix it; a finding
about a place in a file also says where (file, line, key path, column).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["ok", "warn", "fail"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    check: str  # what was checked: a doctor check's name, or the file for a file finding
    status: Status
    message: str
    fix: str | None = None
    file: str | None = None  # set for a finding about a place in a file
    line: int | None = None
    key: str = ""  # dotted key path inside the file
    column: int | None = None

    @property
    def is_error(self) -> bool:
        return self.status == "fail"

    @property
    def severity(self) -> Severity:
        return "error" if self.status == "fail" else "warning"

    @property
    def where(self) -> str:
        """``file:line: key:`` for a file finding, else empty."""
        if self.file is None:
            return ""
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}:{f' {self.key}:' if self.key else ''}"

    def format(self) -> str:
        """A file finding as ``config validate`` prints it: ``file:line: key: [warning:] message (fix: ...)``."""
        severity = " warning:" if self.status == "warn" else ""
        return f"{self.where}{severity} {self.message} (fix: {self.fix})"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"check": self.check, "status": self.status, "message": self.message, "fix": self.fix}
        if self.file is not None:
            data.update(file=self.file, line=self.line, key=self.key, severity=self.severity, column=self.column)
        return data


def ok(check: str, message: str) -> Finding:
    return Finding(check, "ok", message)


def warn(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "warn", message, fix)


def fail(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "fail", message, fix)


def failed(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.status == "fail"]


MAX_LISTED = 10  # names a finding lists before "and N more"


def listed(items: Iterable[str], separator: str = ", ", limit: int = MAX_LISTED) -> str:
    """``items`` joined, the first ``limit`` of them and ``and N more``: a finding stays one readable line
    (and cheap to build) when a compose file has thousands of services."""
    names = list(items)
    if len(names) <= limit:
        return separator.join(names)
    return f"{separator.join(names[:limit])} and {len(names) - limit} more"
