"""JSON objects from files lutlearn does not control (model specs and metadata, look sidecars).

``json.loads`` raises ``RecursionError`` (not ``ValueError``) on ``[[[[...]]]]``
nested deeper than the interpreter's recursion limit, and returns a list, a
number or ``null`` where an object was meant. :func:`load_object` checks all
three, so a caller gets a dict or one :class:`~lutlearn.errors.LutlearnError` line.
"""

from __future__ import annotations

import json

from lutlearn.errors import LutlearnError

__all__ = ["load_object", "kind_of", "MAX_CHARS", "MAX_DEPTH"]

MAX_CHARS = 1 << 20  # a spec or a sidecar is a few hundred bytes
MAX_DEPTH = 32


def _depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings: a linear scan, no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def kind_of(value) -> str:
    """How a message names a JSON value's type: "a list", "a string", "null", "a number"...

    >>> kind_of([1]), kind_of(None), kind_of(2.5)
    ('a list', 'null', 'a number')
    """
    names = {list: "a list", dict: "an object", str: "a string", bool: "a boolean", type(None): "null",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def load_object(text: str, what: str, *, error: type[LutlearnError] = LutlearnError, max_chars: int = MAX_CHARS,
                max_depth: int = MAX_DEPTH) -> dict:
    """Parse ``text`` as a JSON object, or raise ``error("WHAT: ...")`` (one line).

    Args:
        text: the JSON text.
        what: how the message names the source, e.g. ``"look.npz: spec"``.
        error: the exception class to raise (a LutlearnError).
        max_chars, max_depth: larger or deeper text is refused before it is parsed.

    >>> load_object('{"a": 1}', "x")
    {'a': 1}
    >>> load_object('[32]', "m.npz: spec")
    Traceback (most recent call last):
    ...
    lutlearn.errors.LutlearnError: m.npz: spec: expected a JSON object, got a list
    """
    if not isinstance(text, str):
        raise error(f"{what}: expected JSON text, got {type(text).__name__}")
    if len(text) > max_chars:
        raise error(f"{what}: {len(text)} characters of JSON (at most {max_chars})")
    if _depth(text) > max_depth:
        raise error(f"{what}: JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as e:
        detail = str(e).splitlines()[0][:80] if str(e) else type(e).__name__
        raise error(f"{what}: not valid JSON ({detail})") from None
    if not isinstance(value, dict):
        raise error(f"{what}: expected a JSON object, got {kind_of(value)}")
    return value
