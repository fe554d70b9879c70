"""The one YAML reader of ``layout``: standards overrides, ``county.yaml`` and proposal files go through it.

Plain ``yaml.safe_load`` is too forgiving for files a planner edits by hand or receives from others:

* a key written twice keeps only the second value, silently (a second ``actions:`` block drops the first;
  ``merge: {from: A, from: B}`` loses A) — here it is an error naming both lines;
* anchors and aliases (``&a`` / ``*a``) let a few hundred bytes expand to gigabytes ("billion laughs") — here
  they are refused; nothing in ``layout``'s files needs them;
* nesting and size are bounded (:data:`MAX_BYTES`, :data:`MAX_DEPTH`), so no file can exhaust memory or the stack;
* values YAML cannot build (a timestamp such as ``2024-13-45``, a 10,000-digit integer) become a problem with the
  line, not a traceback.

Every problem is a :class:`~layout.errors.Problem` with the file and line; all are raised together as one
:class:`~layout.errors.LayoutInputError`.

Example
-------
>>> doc = parse_yaml("name: A\\nactions:\\n  - close: S1\\n", "p.yaml")
>>> doc.data["actions"], doc.line("actions", 0)
([{'close': 'S1'}], 3)
>>> parse_yaml("a: 1\\na: 2\\n", "p.yaml")
Traceback (most recent call last):
...
layout.errors.LayoutInputError: p.yaml: 1 problem in the YAML:
  - p.yaml, row 2, column 'a': duplicate key 'a' (first at line 1, again at line 2): YAML would keep only the second — fix: write the key once (merge the two blocks)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from layout.errors import LayoutInputError, Problem

__all__ = ["YamlDocument", "read_yaml", "parse_yaml", "MAX_BYTES", "MAX_DEPTH"]

MAX_BYTES = 4 * 1024 * 1024   # a proposal of thousands of actions is well under 1 MiB
MAX_DEPTH = 40                # nesting of mappings and lists; layout's files need fewer than 8 levels


@dataclass(frozen=True)
class YamlDocument:
    """A YAML file's data and the line of every key and list item.

    Parameters
    ----------
    data : object
        The loaded value (``None`` for an empty file).
    source : str
        The file name used in problems.
    lines : dict
        ``path -> line`` (1-based), a path being a tuple of keys (as text) and list positions.
    """

    data: Any
    source: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, *path: Any) -> int | None:
        """Line of the key or item at ``path`` (keys as text, list positions as int), or ``None``."""
        return self.lines.get(tuple(str(p) if not isinstance(p, int) else p for p in path))

    def sub_lines(self, *prefix: Any) -> dict[tuple, int]:
        """The line map of the value at ``prefix``, with paths relative to it."""
        n = len(prefix)
        pre = tuple(prefix)
        return {p[n:]: ln for p, ln in self.lines.items() if p[:n] == pre and len(p) > n}


class _Refused(yaml.MarkedYAMLError):
    """Raised for anchors, aliases and nesting beyond :data:`MAX_DEPTH`."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases, bounds nesting and records duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.depth = 0
        self.duplicates: list[tuple[str, int, int]] = []

    def compose_node(self, parent, index):  # noqa: D102 (PyYAML hook)
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(None, None, "anchors and aliases (&name / *name) are not allowed", event.start_mark)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):  # noqa: D102 (PyYAML hook)
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue   # unhashable keys are reported by PyYAML itself
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in first:
                        self.duplicates.append((str(key), first[key], line))
                    else:
                        first[key] = line
                except TypeError:
                    continue
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_str(self, node):  # noqa: D102 (PyYAML hook): no escape sequences or bidi overrides
        from layout.io.safe_text import clean_text

        return clean_text(super().construct_yaml_str(node), keep_newlines=True)

    def construct_object(self, node, deep=False):  # noqa: D102 (PyYAML hook)
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:   # e.g. date 2024-13-45, a 10,000-digit integer
            detail = "a number with too many digits" if "digits" in str(exc) else str(exc)
            raise yaml.constructor.ConstructorError(None, None, f"a value cannot be read ({detail})",
                                                    node.start_mark) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:str", _StrictLoader.construct_yaml_str)
# YAML 1.2 reads 6e7 and 1e-3 as numbers; PyYAML (YAML 1.1) would read them as text, so a budget of 6e7 would be
# "not a number". Add the resolver for exponents without a sign or a dot.
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789"))


def _walk_lines(node: yaml.Node) -> dict[tuple, int]:
    """Line of every mapping key and sequence item under ``node`` (iterative: no recursion limit)."""
    out: dict[tuple, int] = {}
    stack: list[tuple[tuple, yaml.Node]] = [((), node)]
    while stack:
        path, n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    p = (*path, str(k.value))
                    out.setdefault(p, k.start_mark.line + 1)
                    stack.append((p, v))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                p = (*path, i)
                out[p] = v.start_mark.line + 1
                stack.append((p, v))
    return out


def _problem(source: str, exc: BaseException) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, _Refused):
        fix = ("write the values out in full (no & / * references)" if "alias" in what
               else "flatten the structure (see the documented format)")
    elif "cannot be read" in what:
        fix = "quote the value if it is text, or correct it"
    else:
        fix = "check indentation, colons, quotes and brackets on that line"
    return Problem(source, f"not valid YAML: {what}", row=(mark.line + 1) if mark else None, fix=fix)


def parse_yaml(text: str, source: str, *, max_bytes: int = MAX_BYTES) -> YamlDocument:
    """Parse YAML text strictly (see the module docstring).

    Parameters
    ----------
    text : str
    source : str
        File name used in problems.
    max_bytes : int
        Larger texts are refused.

    Returns
    -------
    YamlDocument

    Raises
    ------
    LayoutInputError
        Listing every duplicate key, or the first syntax error, refused alias or value that cannot be read.
    """
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise LayoutInputError([Problem(source, f"the file is larger than {max_bytes // 1024} KiB",
                                        fix="this file should be small: check it is the right file")],
                               f"{source}: cannot read the YAML")
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise LayoutInputError([_problem(source, exc)], f"{source}: cannot read the YAML") from None
    finally:
        loader.dispose()
    if loader.duplicates:
        problems = [Problem(source, f"duplicate key {k!r} (first at line {a}, again at line {b}): YAML would keep only "
                            "the second", row=b, column=k, fix="write the key once (merge the two blocks)")
                    for k, a, b in loader.duplicates]
        n = len(problems)
        raise LayoutInputError(problems, f"{source}: {n} problem{'s' if n != 1 else ''} in the YAML")
    return YamlDocument(data, source, _walk_lines(node) if node is not None else {})


def read_yaml(path: str | Path, *, source: str | None = None, max_bytes: int = MAX_BYTES) -> YamlDocument:
    """Read a YAML file strictly: UTF-8 (a byte-order mark is allowed), at most ``max_bytes``.

    Parameters
    ----------
    path : str or Path
    source : str, optional
        Name used in problems (default: the path as given).
    max_bytes : int

    Returns
    -------
    YamlDocument

    Raises
    ------
    LayoutInputError
        The file cannot be read, is too large, not UTF-8, or not valid strict YAML.
    """
    path = Path(path)
    source = source or str(path)
    try:
        if path.stat().st_size > max_bytes:
            raise LayoutInputError([Problem(source, f"the file is larger than {max_bytes // 1024} KiB",
                                            fix="this file should be small: check it is the right file")])
        raw = path.read_bytes()
    except IsADirectoryError:
        raise LayoutInputError([Problem(source, "is a folder, not a YAML file", fix="give the path of the file")]) from None
    except OSError as exc:
        raise LayoutInputError([Problem(source, f"cannot read the file ({exc.strerror or exc})",
                                        fix="check the path and that you may read it")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise LayoutInputError([Problem(source, "not UTF-8 text", row=line,
                                        fix="save it as UTF-8 (in WPS/Notepad: Save as, encoding UTF-8)")]) from None
    return parse_yaml(text, source, max_bytes=max_bytes)
