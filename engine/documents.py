"""Line-aware reading of YAML (and JSON, which is YAML) documents people write by hand.

Errors must name the line a person has to fix, so every mapping remembers its own line and the
line of each key. Every scalar is kept as text and left to the typed models to convert: YAML's
own guesses are wrong for this domain (HS code ``010121`` is not octal, Norway's ``NO`` is not
false, ``2025-02-30`` is not a date to fail on inside the parser). Only ``null`` is resolved.
Duplicate keys are errors rather than silently overwritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

Loc = tuple[str | int, ...]


class Located(dict):
    """A mapping with its line, each key's line, and the name to report for each key (a CSV
    column can be reported under its own name rather than the model field's)."""

    def __init__(self, *args: Any, line: int = 1, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.line = line
        self.lines: dict[str, int] = {}
        self.names: dict[str, str] = {}

    def at(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _TextLoader(yaml.SafeLoader):
    pass


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _construct_mapping(loader: _TextLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located(line=node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_TextLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_document(text: str) -> Any:
    """Parse YAML or JSON text; raises ``yaml.MarkedYAMLError`` (with ``problem_mark``) when malformed."""
    return yaml.load(text, Loader=_TextLoader)  # noqa: S506 - _TextLoader is a SafeLoader


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
