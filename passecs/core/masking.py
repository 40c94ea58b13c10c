"""Masking: what every display (plan, --dry-run, --verbose, --json, errors, logs) does to secrets.

Two rules, one place:

- the value of an environment entry whose *name* looks secret (contains PASSWORD, PASSWD, SECRET, TOKEN,
  KEY, CREDENTIAL or PRIVATE, any case) is shown as ``****``, wherever the entry is shown as an entry
  (``{"name": N, "value": V}``, a mapping ``{N: V}``, or a ``N=V`` assignment in text);
- any *known secret* value (the AWS keys of the environment, the values of those entries) is replaced by
  ``****`` wherever it appears in text, longest first so that no part of it survives.

Pure functions only; :class:`passecs.core.runner.Command` and :class:`passecs.core.context.Context` apply
them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MASK = "****"

SECRET_NAME_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE")
_SECRET_NAME = re.compile("|".join(SECRET_NAME_WORDS), re.IGNORECASE)

# Free text is masked by substring: a value this short ("1", "80") would blank out unrelated text, so it is
# masked only where it is shown as an entry's value (see the module docstring), never in free text.
MIN_TEXT_SECRET = 4

# NAME=value in text (an env file line, a `docker run -e` argument, a shell assignment); the value ends at
# whitespace, a quote, a backslash or punctuation, so that masking never breaks the JSON or shell text around it
_ASSIGNMENT = re.compile(r"(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)=(?P<value>[^\s'\"\\,;&|<>(){}\[\]]*)")
# an environment entry as JSON text ({"name": "N", "value": "V"}, as json.dumps writes it)
_JSON_ENTRY = re.compile(r'"name":\s*"(?P<name>(?:[^"\\]|\\.)*)",\s*"value":\s*"(?P<value>(?:[^"\\]|\\.)*)"')


def is_secret_name(name: str) -> bool:
    """Whether an environment variable called ``name`` holds a secret (by its name)."""
    return bool(_SECRET_NAME.search(name))


def secret_values(env: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The values of the secret-named entries of ``env`` that are long enough to mask in free text."""
    items = env.items() if isinstance(env, Mapping) else env
    return tuple(
        dict.fromkeys(value for name, value in items if is_secret_name(name) and len(value) >= MIN_TEXT_SECRET)
    )


def mask(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every known secret replaced by ``****`` and every secret-named ``NAME=value`` masked."""
    for secret in _longest_first(tuple(secrets)):
        if secret in text:
            text = text.replace(secret, MASK)
    if "=" in text:
        text = _ASSIGNMENT.sub(_mask_assignment, text)
    if '"value"' in text:
        text = _JSON_ENTRY.sub(_mask_json_entry, text)
    return text


@functools.lru_cache(maxsize=16)
def _longest_first(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """The non-empty secrets, longest first (so a secret containing another is masked whole); sorted once
    per set, not once per string of a task definition's thousands."""
    return tuple(sorted({s for s in secrets if s}, key=len, reverse=True))


def _mask_json_entry(m: re.Match[str]) -> str:
    if not is_secret_name(m["name"]):
        return m[0]
    return m[0][: m.start("value") - m.start()] + MASK + '"'


def _mask_assignment(m: re.Match[str]) -> str:
    if not is_secret_name(m["name"]) or not m["value"]:
        return m[0]
    return f"{m['name']}={MASK}"


def mask_document(value: Any, secrets: Sequence[str] = ()) -> Any:
    """A copy of a JSON-like ``value`` fit for display: the value of every secret-named entry (an
    ``{"name": N, "value": V}`` item or a ``{N: V}`` string member) is ``****``; other strings through
    :func:`mask`."""
    if isinstance(value, Mapping):
        name = value.get("name")
        if isinstance(name, str) and "value" in value and (is_secret_name(name) or value.get("value") in secrets):
            return {k: (MASK if k == "value" else mask_document(v, secrets)) for k, v in value.items()}
        return {
            k: (MASK if isinstance(v, str) and v and is_secret_name(str(k)) else mask_document(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [mask_document(v, secrets) for v in value]
    if isinstance(value, str):
        return mask(value, secrets)
    return value
