"""``passecs diff``: what the files would change in a registered task definition, field by field (pure).

:func:`compare` takes two task definitions (a registered revision, as describe-task-definition returns it,
and the RegisterTaskDefinition input the files give) and returns one :class:`Change` per field that
differs, once both are normalised the way ``up`` compares them
(:func:`passecs.backends.aws.taskdef.normalize`): no change means ``up`` would register nothing.

Paths read as an operator names things: containers by name (``ember.image``), environment entries by
name (``ember.environment.FCREPO_HOST``), port mappings by port (``ember.portMappings.80/tcp``), task
fields by their own name (``memory``). Values of environment entries whose names look secret are never
shown (:func:`mask_environment_value`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from passecs.backends.aws.taskdef import normalize

Kind = Literal["changed", "added", "removed"]

HIDDEN = "(hidden)"
# Names of environment entries whose values are secret (another helper makes a general masking function
# in passecs/core/runner.py: mask_environment_value is the one place to swap for it).
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE", re.IGNORECASE)


def mask_environment_value(name: str, value: Any) -> Any:
    """``value``, or :data:`HIDDEN` when ``name`` looks like a secret's (PASSWORD, SECRET, TOKEN, KEY...)."""
    return HIDDEN if value is not None and _SECRET_NAME.search(name) else value


@dataclass(frozen=True)
class Change:
    path: str  # e.g. "ember.image", "ember.environment.FOO", "memory"
    kind: Kind
    old: Any = None  # in the registered revision (None when added)
    new: Any = None  # in the files (None when removed)
    container: bool = False  # a whole container added or removed (old/new: its image)

    def to_json(self) -> dict[str, Any]:
        data = {"path": self.path, "change": self.kind, "old": self.old, "new": self.new}
        return {**data, "container": True} if self.container else data


# Lists of objects compared entry by entry, by the key that names an entry (in a container definition).
_KEYED_LISTS: dict[str, Sequence[str]] = {
    "environment": ("name",),
    "secrets": ("name",),
    "environmentFiles": ("value",),
    "portMappings": ("containerPort", "protocol"),
    "mountPoints": ("containerPath",),
    "volumesFrom": ("sourceContainer",),
    "ulimits": ("name",),
    "extraHosts": ("hostname",),
    "dependsOn": ("containerName",),
    "systemControls": ("namespace",),
    "resourceRequirements": ("type",),
}
_TASK_KEYED_LISTS: dict[str, Sequence[str]] = {"volumes": ("name",), "placementConstraints": ("expression",)}


def _entry_key(entry: Mapping[str, Any], keys: Sequence[str]) -> str:
    return "/".join(str(entry.get(k)) for k in keys if entry.get(k) is not None)


def _keyed(items: Any, keys: Sequence[str]) -> dict[str, Any] | None:
    """``items`` by their key, or None when they cannot be (not all objects, a key missing or repeated)."""
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        return None
    keyed = {_entry_key(i, keys): i for i in items}
    if "" in keyed or len(keyed) != len(items):
        return None
    return keyed


def _walk(path: str, old: Any, new: Any, changes: list[Change], lists: Mapping[str, Sequence[str]]) -> None:
    if old == new:
        return
    if old is None:
        changes.append(Change(path, "added", new=new))
        return
    if new is None:
        changes.append(Change(path, "removed", old=old))
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in dict.fromkeys([*old, *new]):
            _walk(f"{path}.{key}" if path else str(key), old.get(key), new.get(key), changes, {})
        return
    field = path.rsplit(".", 1)[-1]
    keys = lists.get(field)
    if keys is not None:
        old_keyed, new_keyed = _keyed(old, keys), _keyed(new, keys)
        if old_keyed is not None and new_keyed is not None:
            before = len(changes)
            for key in dict.fromkeys([*old_keyed, *new_keyed]):
                a, b = old_keyed.get(key), new_keyed.get(key)
                if field in ("environment", "secrets"):
                    _entry(f"{path}.{key}", key, a, b, changes)
                else:
                    _walk(f"{path}.{key}", a, b, changes, {})
            if len(changes) == before:  # the same entries in another order
                changes.append(Change(f"{path} (order)", "changed", old=list(old_keyed), new=list(new_keyed)))
            return
    changes.append(Change(path, "changed", old=old, new=new))


def _entry(path: str, name: str, old: Any, new: Any, changes: list[Change]) -> None:
    """An environment (or secrets) entry by name: its value, masked when the name looks secret."""
    if old == new:
        return
    a = None if old is None else old.get("value", old.get("valueFrom", ""))
    b = None if new is None else new.get("value", new.get("valueFrom", ""))
    a, b = mask_environment_value(name, a), mask_environment_value(name, b)
    if old is None:
        changes.append(Change(path, "added", new=b))
    elif new is None:
        changes.append(Change(path, "removed", old=a))
    else:
        changes.append(Change(path, "changed", old=a, new=b))


def compare(registered: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> list[Change]:
    """Each field in which ``wanted`` (the files' task definition) differs from ``registered``.

    ``registered`` None (no revision at all): every field is added. Secret-looking environment values are
    masked in the result.
    """
    old = normalize(registered) if registered is not None else {}
    new = normalize(wanted)
    changes: list[Change] = []
    old_containers = {str(c.get("name")): c for c in old.pop("containerDefinitions", [])}
    new_containers = {str(c.get("name")): c for c in new.pop("containerDefinitions", [])}
    for key in dict.fromkeys([*old, *new]):
        _walk(str(key), old.get(key), new.get(key), changes, _TASK_KEYED_LISTS)
    for name in dict.fromkeys([*old_containers, *new_containers]):
        a, b = old_containers.get(name), new_containers.get(name)
        if a is None or b is None:  # a whole container added or removed: say so once, by its image
            image = (b or a or {}).get("image")
            changes.append(
                Change(name, "added" if a is None else "removed", old=a and image, new=b and image, container=True)
            )
            continue
        for key in dict.fromkeys([*a, *b]):
            if key != "name":
                _walk(f"{name}.{key}", a.get(key), b.get(key), changes, _KEYED_LISTS)
    return [_masked(c) for c in changes]


def _masked(change: Change) -> Change:
    parts = change.path.split(".")
    if len(parts) == 2 and parts[1] == "environment":  # the whole list (added or removed with its container)
        return Change(change.path, change.kind, _mask_entries(change.old), _mask_entries(change.new))
    return change


def _mask_entries(entries: Any) -> Any:
    if not isinstance(entries, list):
        return entries
    return [
        {**e, "value": mask_environment_value(str(e.get("name", "")), e.get("value"))} if isinstance(e, Mapping) else e
        for e in entries
    ]


# ---------------------------------------------------------------------------------------------- rendering


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _image_tail(old: Any, new: Any) -> str:
    """The new image, shortened to its tag when only the tag changed (``pass/ember:1 → 2``)."""
    if isinstance(old, str) and isinstance(new, str) and ":" in old and ":" in new:
        old_repo, _, _ = old.rpartition(":")
        new_repo, _, new_tag = new.rpartition(":")
        if old_repo == new_repo and "/" not in new_tag:
            return new_tag
    return _text(new)


def render_change(change: Change) -> str:
    if change.container:
        image = change.new if change.kind == "added" else change.old
        return f"{change.path}: container {change.kind} (image {image})"
    if change.kind == "added":
        return f"{change.path}: added ({_text(change.new)})"
    if change.kind == "removed":
        return f"{change.path}: removed (was {_text(change.old)})"
    if change.old == HIDDEN and change.new == HIDDEN:
        return f"{change.path}: changed (values hidden)"
    new = _image_tail(change.old, change.new) if change.path.endswith(".image") else _text(change.new)
    return f"{change.path}: {_text(change.old)} → {new}"


def render(changes: Sequence[Change]) -> list[str]:
    return [render_change(c) for c in changes]
