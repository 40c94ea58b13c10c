"""The one way passecs reads a file: bounded in size, regular files only, YAML with bounded aliases.

Every reader of the project's files, ``~/.ecs`` and passecs's own state goes through :func:`read_bytes` /
:func:`read_text` (they live in :mod:`passecs.core.fsutil`, so that core can use them too, and are
re-exported here), and every YAML document through :func:`check_yaml_node` (or :func:`safe_load_yaml`,
which does both), so that a hostile or broken file ends in one clear error (exit 3), quickly:

- a file larger than :data:`MAX_BYTES` (1 MiB: the PASS files are a few KiB) is refused before it is read;
- a directory, a device (``/dev/zero``), a FIFO or a socket is refused without blocking (opened with
  ``O_NONBLOCK``, checked with ``fstat``);
- a file that is not UTF-8 text is refused;
- a YAML document whose aliases would expand to more than :data:`MAX_YAML_NODES` nodes (a "billion
  laughs" bomb of a few hundred bytes), or that refers to itself, or nests deeper than
  :data:`MAX_YAML_DEPTH`, is refused before anything walks it.

A missing file raises FileNotFoundError unchanged: each caller says what that means for its file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from passecs.core.errors import InvalidInput
from passecs.core.fsutil import MAX_BYTES as MAX_BYTES  # noqa: PLC0414 - re-exported
from passecs.core.fsutil import read_bytes as read_bytes  # noqa: PLC0414 - re-exported
from passecs.core.fsutil import read_text as read_text  # noqa: PLC0414 - re-exported

MAX_YAML_NODES = 100_000  # nodes after alias expansion; the PASS compose files have a few hundred
MAX_YAML_DEPTH = 100


# --------------------------------------------------------------------------------------------------
# YAML


class YamlTooComplex(ValueError):
    """A YAML document beyond the bounds (aliases expanding too far, recursion, depth)."""


def expanded_size(node: Any, *, limit: int = MAX_YAML_NODES, max_depth: int = MAX_YAML_DEPTH) -> int:
    """How many nodes ``node`` (a composed PyYAML node graph) has once every alias is expanded.

    Linear in the number of distinct nodes (sizes are memoised per node), so a bomb is measured, never
    expanded. Raises :class:`YamlTooComplex` above ``limit``, for a node that contains itself, or beyond
    ``max_depth`` levels.
    """
    import yaml

    simple = _size_without_aliases(node, limit, max_depth, yaml)
    if simple is not None:
        return simple
    sizes: dict[int, int] = {}
    active: set[int] = set()
    # iterative post-order walk: (node, depth, children done?)
    stack: list[tuple[Any, int, bool]] = [(node, 0, False)]
    while stack:
        current, depth, done = stack.pop()
        key = id(current)
        if done:
            active.discard(key)
            total = 1
            for child in _children(current, yaml):
                total += sizes[id(child)]
                if total > limit:
                    raise YamlTooComplex(
                        f"it has more than {limit} YAML nodes once its aliases are expanded (an alias bomb?)"
                    )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in active:
            raise YamlTooComplex("an alias refers to the node that contains it (a recursive YAML document)")
        if depth > max_depth:
            raise YamlTooComplex(f"it nests deeper than {max_depth} levels")
        active.add(key)
        stack.append((current, depth, True))
        for child in _children(current, yaml):
            if id(child) in active:
                raise YamlTooComplex("an alias refers to the node that contains it (a recursive YAML document)")
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))
    return sizes[id(node)]


def _size_without_aliases(node: Any, limit: int, max_depth: int, yaml: Any) -> int | None:
    """The node count of a document in which no node is reached twice (no aliases: most files), in one
    cheap pre-order walk; None as soon as a node is reached again (or a bound is passed): the caller then
    measures it the careful way, which also words the error."""
    mapping, sequence = yaml.MappingNode, yaml.SequenceNode
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        key = id(current)
        if key in seen or depth > max_depth:
            return None
        seen.add(key)
        if len(seen) > limit:
            return None
        if isinstance(current, mapping):
            deeper = depth + 1
            for pair in current.value:
                stack.append((pair[0], deeper))
                stack.append((pair[1], deeper))
        elif isinstance(current, sequence):
            deeper = depth + 1
            stack.extend([(child, deeper) for child in current.value])
    return len(seen)


def _children(node: Any, yaml: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_yaml_node(node: Any, path: Path | str, what: str = "file") -> None:
    """InvalidInput (exit 3) when the composed document ``node`` is beyond the bounds."""
    if node is None:
        return
    try:
        expanded_size(node)
    except YamlTooComplex as exc:
        shown = f"{path}" if what == "file" else f"{what} {path}"
        raise InvalidInput(f"{shown}: refused: {exc}", "write the values out instead of nesting aliases") from None


FAST_YAML_FROM = 64 * 1024  # characters: from here on, libyaml's parser (when PyYAML has it)


def yaml_loader_base(size: int) -> Any:
    """The safe loader class for a text of ``size`` characters: PyYAML's own below
    :data:`FAST_YAML_FROM` (its messages are the ones passecs's findings quote), libyaml's above it (ten
    times faster: a 1 MiB file is read in well under a second)."""
    import yaml

    if size >= FAST_YAML_FROM:
        return getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.SafeLoader


def safe_load_yaml(text: str, path: Path | str, what: str = "file") -> Any:
    """``yaml.safe_load`` with the alias, recursion and depth bounds checked before construction.

    YAML errors are raised as PyYAML raises them (the caller words them, with line and column).
    """
    loader = yaml_loader_base(len(text))(text)
    try:
        with gc_paused():
            return _load_single(loader, path, what)
    finally:
        loader.dispose()


def _load_single(loader: Any, path: Path | str, what: str) -> Any:
    node = loader.get_single_node()
    check_yaml_node(node, path, what)
    if node is None:
        return None
    try:
        return construct_plain(node, loader)
    except _Unusual:
        return loader.construct_document(node)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block: building a large document makes hundreds of
    thousands of containers, each few thousand of which set off a collection that walks all of them again
    (a 1 MiB file of nested lists: seconds instead of a fraction of one). Nothing built here is cyclic."""
    import gc

    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Unusual(Exception):
    """A node :func:`construct_plain` leaves to PyYAML's own constructor."""


_YAML = "tag:yaml.org,2002:"
_PLAIN_SCALARS = frozenset(_YAML + t for t in ("null", "bool", "int", "float", "timestamp", "binary"))


def construct_plain(node: Any, loader: Any) -> Any:
    """What ``loader.construct_document(node)`` makes of a document of plain mappings, sequences and
    scalars, in a third of its time (no generators, no per-node bookkeeping): strings as they are, other
    scalars by the loader's own constructors, a node reached twice (an alias) constructed once. Raises
    :class:`_Unusual` at anything else (merge keys ``<<``, sets, ordered maps, unhashable keys, custom
    tags): the caller then lets PyYAML construct the document, and word any error."""
    import yaml

    mapping, sequence = yaml.MappingNode, yaml.SequenceNode
    constructors = loader.yaml_constructors
    made: dict[int, Any] = {}

    def construct(current: Any) -> Any:
        key = id(current)
        if key in made:
            return made[key]
        tag = current.tag
        if tag == _YAML + "str":
            value: Any = current.value
        elif tag in _PLAIN_SCALARS and not isinstance(current, (mapping, sequence)):
            value = constructors[tag](loader, current)
        elif tag == _YAML + "seq" and isinstance(current, sequence):
            value = made[key] = []
            value.extend([construct(child) for child in current.value])
        elif tag == _YAML + "map" and isinstance(current, mapping):
            value = made[key] = {}
            for key_node, value_node in current.value:
                if key_node.tag not in (_YAML + "str", *_PLAIN_SCALARS) or isinstance(key_node, (mapping, sequence)):
                    raise _Unusual  # a merge key, a `=` key, a mapping or list as key
                value[construct(key_node)] = construct(value_node)
        else:
            raise _Unusual
        made[key] = value
        return value

    return construct(node)
