"""Line-aware reading of YAML (and JSON, which is YAML) documents people write by hand.

Errors must name the line a person has to fix, so every mapping knows its own line and the line
of each key. Every scalar is kept as text and left to the typed models to convert: YAML's own
guesses are wrong for this domain (HS code ``010121`` is not octal, Norway's ``NO`` is not false,
``2025-02-30`` is not a date to fail on inside the parser). Only ``null`` is resolved. Duplicate
keys are errors rather than silently overwritten.

Reading is fast because most documents are fine: JSON goes through the ``json`` module and its
lines are recovered only when something asks for one (an error to report), by reading the same
text again with the line-tracking YAML loader; YAML goes through libyaml's C parser (the pure
Python one when libyaml is absent), whose events carry their lines at no extra cost. Documents may
come from strangers, so anchors and aliases are refused (an alias bomb expands a few lines into
billions of nodes) and nesting is bounded (``MAX_DEPTH``); both errors name the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent)

Loc = tuple[str | int, ...]

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists a document may have (a BOM nests one level per component)."""


class Located(dict):
    """A mapping with its line, each key's line, and the name to report for each key (a CSV
    column can be reported under its own name rather than the model field's).

    A mapping read from JSON learns its lines on first use of ``line``, ``lines`` or ``at()``; to
    keep that lazy, build a mapping from another with ``like=`` (its line and key lines) and
    ``borrow()`` (one key's line from elsewhere) rather than reading them."""

    def __init__(self, *args: Any, line: int = 1, like: Located | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._line = line
        self._lines: dict[str, int] = {}
        self._origin: tuple[_Source, int] | None = None
        self._borrowed: dict[str, Located] = {}
        self._depth = 1
        self.names: dict[str, str] = {}
        if like is not None:
            if like._origin is not None:
                self._origin = like._origin
            else:
                self._line, self._lines = like._line, {**like._lines, **{k: o.at(k) for k, o in like._borrowed.items()}}

    def borrow(self, key: str, other: Located) -> None:
        """Report ``key`` at the line it has in ``other`` (a key moved from there), read when needed."""
        self._borrowed[key] = other

    def _recover(self) -> None:
        if self._origin is not None:
            source, ident = self._origin
            self._origin = None
            self._line, self._lines = source.lines_of(ident)
        if self._borrowed:
            borrowed, self._borrowed = self._borrowed, {}
            self._lines.update({key: other.at(key) for key, other in borrowed.items()})

    @property
    def line(self) -> int:
        self._recover()
        return self._line

    @line.setter
    def line(self, value: int) -> None:
        self._recover()
        self._line = value

    @property
    def lines(self) -> dict[str, int]:
        self._recover()
        return self._lines

    @lines.setter
    def lines(self, value: dict[str, int]) -> None:
        self._recover()
        self._lines = value

    def at(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _Source:
    """The text a JSON document was read from, read again with lines the first time one is needed;
    each mapping read from JSON is matched (by identity) with its counterpart in that reading."""

    def __init__(self, text: str):
        self.text = text
        self.root: Any = None
        self._lines: dict[int, tuple[int, dict[str, int]]] | None = None

    def lines_of(self, ident: int) -> tuple[int, dict[str, int]]:
        if self._lines is None:
            self._lines = {}
            try:
                self._match(self.root, _load_yaml(self.text))
            except yaml.YAMLError:
                pass
        return self._lines.get(ident, (1, {}))

    def _match(self, read: Any, with_lines: Any) -> None:
        assert self._lines is not None
        if isinstance(read, Located):
            if isinstance(with_lines, Located):
                self._lines[id(read)] = (with_lines.line, dict(with_lines.lines))
            for key, value in read.items():
                self._match(value, with_lines.get(key) if isinstance(with_lines, dict) else None)
        elif isinstance(read, list):
            for i, value in enumerate(read):
                self._match(value, with_lines[i] if isinstance(with_lines, list) and i < len(with_lines) else None)


class DocumentGuardError(ComposerError):
    """A document refused before it is built: an anchor or alias, or nesting deeper than MAX_DEPTH."""


class _Guarded:
    """Composition that refuses anchors and aliases and bounds nesting, event by event (so a hostile
    document is stopped at the offending line, before any of it is expanded)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise DocumentGuardError(None, None, "anchors and aliases (&name, *name) are not allowed",
                                     event.start_mark)
        if not isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            return super().compose_node(parent, index)  # type: ignore[misc]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise DocumentGuardError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


_TEXT_RESOLVERS = {
    first: [(tag, rx) for tag, rx in resolvers if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_EVENTS = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _PureTextLoader(_Guarded, yaml.SafeLoader):
    """The pure-Python loader, for what the fast path leaves to it: explicit tags, merge keys,
    duplicate keys, anchors, too deep a nesting, malformed text (its messages are the ones people
    have always seen)."""

    yaml_implicit_resolvers = _TEXT_RESOLVERS


def _construct_mapping(loader: yaml.constructor.SafeConstructor, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located(line=node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_PureTextLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class _Unusual(Exception):
    """Something the event reader leaves to the pure loader."""


_NO_KEY = object()


def _read_events(text: str) -> Any:
    """Build the document straight from libyaml's events (no node graph, no resolver): plain
    mappings, lists and text scalars with their lines. Raises ``_Unusual`` for anything else."""
    root: Any = None
    stack: list[list[Any]] = []  # [container, pending key, line of that key]
    documents = 0
    for event in yaml.parse(text, Loader=_EVENTS):
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            plain = event.implicit[0]
            value: Any = None if plain and event.value in _NULLS else event.value
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or (event.tag is not None and not event.implicit) or len(stack) >= MAX_DEPTH:
                raise _Unusual
            value = Located(line=event.start_mark.line + 1) if kind is MappingStartEvent else []
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
            continue
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unusual
            continue
        elif kind is AliasEvent:
            raise _Unusual
        else:
            continue
        if not stack:
            root = value
        else:
            top = stack[-1]
            container = top[0]
            if type(container) is list:
                container.append(value)
            elif top[1] is _NO_KEY:
                if kind is not ScalarEvent or value is None or value in container or (plain and value == "<<"):
                    raise _Unusual
                top[1], top[2] = value, event.start_mark.line + 1
            else:
                container[top[1]] = value
                container._lines[top[1]] = top[2]
                top[1] = _NO_KEY
        if kind is not ScalarEvent:
            stack.append([value, _NO_KEY, 0])
    return root


def _load_yaml(text: str) -> Any:
    try:
        return _read_events(text)
    except (_Unusual, yaml.YAMLError):
        return yaml.load(text, Loader=_PureTextLoader)  # noqa: S506 - a SafeLoader with text-only resolution


class _NotPlainJson(ValueError):
    """Valid JSON the fast path does not take (a duplicate key, too deep): the YAML path reports it."""


def _list_depth(items: list[Any]) -> int:
    """Nesting depth of a JSON list, its ``true``/``false`` turned into text on the way."""
    depth = 0
    for i, value in enumerate(items):
        if value is True or value is False:
            items[i] = "true" if value else "false"
        elif type(value) is Located:
            depth = max(depth, value._depth)
        elif type(value) is list:
            depth = max(depth, _list_depth(value))
    if depth >= MAX_DEPTH:
        raise _NotPlainJson("too deep")
    return depth + 1


def _json_mappings(source: _Source) -> Callable[[list[tuple[str, Any]]], Located]:
    """``json``'s hook for each object, innermost first: a Located with lazy lines, values as the
    YAML path gives them (``true``/``false`` as text), its depth checked."""

    def mapping(pairs: list[tuple[str, Any]]) -> Located:
        node = Located(pairs)
        if len(node) != len(pairs):
            raise _NotPlainJson("duplicate key")
        depth = 0
        for key, value in pairs:
            if value is True or value is False:
                node[key] = "true" if value else "false"
            elif type(value) is Located:
                depth = max(depth, value._depth)
            elif type(value) is list:
                depth = max(depth, _list_depth(value))
        if depth >= MAX_DEPTH:
            raise _NotPlainJson("too deep")
        node._depth = depth + 1
        node._origin = (source, id(node))
        return node

    return mapping


def _load_json(text: str) -> tuple[bool, Any]:
    """(True, document) when ``text`` is plain JSON, else (False, None) for the YAML path to read."""
    if not text.lstrip().startswith(("{", "[")):
        return False, None
    source = _Source(text)
    try:
        root = json.loads(text, object_pairs_hook=_json_mappings(source), parse_int=str, parse_float=str,
                          parse_constant=str)
        if type(root) is list:
            _list_depth(root)
    except (ValueError, RecursionError):
        return False, None
    source.root = root
    return True, root


def load_document(text: str) -> Any:
    """Parse YAML or JSON text; raises ``yaml.MarkedYAMLError`` (with ``problem_mark``) when malformed."""
    is_json, document = _load_json(text)
    return document if is_json else _load_yaml(text)


def locate(root: Any, loc: Loc) -> tuple[int | None, str | None]:
    """The line and the reported field name of the deepest key along ``loc`` the document has."""
    node, line, field = root, getattr(root, "line", None), None
    for step in loc:
        if isinstance(node, Located) and isinstance(step, str):
            field = node.names.get(step, step)
            line = node.at(step)
            if step not in node:
                break
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
            line = node.line if isinstance(node, Located) else line
        else:
            break
    return line, field


def numbered(reader: Iterator[Any]) -> Iterator[tuple[int, Any]]:
    """Each record of a ``csv`` reader with the line it starts on (a quoted field may span lines,
    so the reader's ``line_num`` after reading points at the record's last line)."""
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        yield line, record
