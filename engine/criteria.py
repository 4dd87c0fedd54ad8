"""Product-specific rule (PSR) criteria: a typed tree plus the compact rule syntax.

The syntax is the contract in ``seeds/README.md`` ("Rule syntax")::

    rule    := or_expr
    or_expr := and_expr ('|' and_expr)*
    and_expr:= primary ('&' primary)*          # '&' binds tighter than '|'
    primary := '(' or_expr ')'
             | 'WO'
             | ('CC' | 'CTH' | 'CTSH') ['except' code (',' code)*]
             | 'RVC' '(' number [',' method] ')'
             | 'MaxNOM' '(' number ')'
             | 'SP' '(' identifier ')'
    code    := hs ['-' hs]                     # hs: 2, 4 or 6 digits, dots allowed

This module is pure (no I/O, no globals that change) so the loader, the graph layer and the
verdict engine can all share one definition of what a rule *is*.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

__all__ = [
    "AllOf",
    "AnyOf",
    "Criterion",
    "MaxNom",
    "Rvc",
    "RuleSyntaxError",
    "SpecificProcess",
    "TariffShift",
    "WhollyObtained",
    "criterion_from_json",
    "criterion_to_json",
    "exception_matches",
    "parse_rule",
    "render_rule",
    "uses_rvc",
]

# --------------------------------------------------------------------------- helpers

_HS_PART = re.compile(r"\d+(?:\.\d+)*")
_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z]+")

_LEVELS = {"CC": "chapter", "CTH": "heading", "CTSH": "subheading"}
_LEVEL_KEYWORD = {v: k for k, v in _LEVELS.items()}
_METHODS = ("build-down", "build-up")


def _hs_digits(code: str) -> str:
    """Strip dots from an HS code and check it is a chapter, heading or subheading."""
    digits = code.strip().replace(".", "")
    if not digits.isdigit() or len(digits) not in (2, 4, 6):
        raise ValueError(f"{code!r} is not an HS code of 2, 4 or 6 digits")
    return digits


def _normalise_exception(entry: str) -> str:
    """Canonical form of one except-list entry: ``"7207"`` or ``"7208-7212"``.

    Range bounds must have the same length (a range is compared on that many leading digits)
    and be in order, otherwise the range could never match what the author meant.
    """
    if "-" in entry:
        lo_s, _, hi_s = entry.partition("-")
        lo, hi = _hs_digits(lo_s), _hs_digits(hi_s)
        if len(lo) != len(hi):
            raise ValueError(f"range {entry.strip()!r} has bounds of different lengths")
        if int(lo) > int(hi):
            raise ValueError(f"range {entry.strip()!r} is reversed")
        return f"{lo}-{hi}"
    return _hs_digits(entry)


def _check_percent(value: Decimal) -> Decimal:
    """Thresholds are percentages; normalise so ``40``, ``40.0`` and ``40.00`` are one value."""
    if not value.is_finite() or not (0 <= value <= 100):
        raise ValueError(f"threshold {value} is outside 0-100")
    return Decimal(format(value.normalize(), "f"))


def _format_percent(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --------------------------------------------------------------------------- models


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WhollyObtained(_Node):
    """``WO``: wholly obtained or produced in the territory."""

    kind: Literal["WO"] = "WO"


class TariffShift(_Node):
    """``CC`` / ``CTH`` / ``CTSH`` with an optional except list of codes or ranges."""

    kind: Literal["CTC"] = "CTC"
    level: Literal["chapter", "heading", "subheading"]
    exceptions: tuple[str, ...] = ()

    @field_validator("exceptions")
    @classmethod
    def _norm_exceptions(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_normalise_exception(e) for e in v)


class Rvc(_Node):
    """``RVC(t[, method])``: regional value content of at least ``t`` percent."""

    kind: Literal["RVC"] = "RVC"
    threshold: Decimal
    method: Literal["build-down", "build-up"] | None = None

    @field_validator("threshold")
    @classmethod
    def _norm_threshold(cls, v: Decimal) -> Decimal:
        return _check_percent(v)


class MaxNom(_Node):
    """``MaxNOM(p)``: non-originating materials at most ``p`` percent of ex-works price."""

    kind: Literal["MaxNOM"] = "MaxNOM"
    percent: Decimal

    @field_validator("percent")
    @classmethod
    def _norm_percent(cls, v: Decimal) -> Decimal:
        return _check_percent(v)


class SpecificProcess(_Node):
    """``SP(name)``: a named specific process. Names are lower-cased so lookups are exact."""

    kind: Literal["SP"] = "SP"
    process: str

    @field_validator("process")
    @classmethod
    def _norm_process(cls, v: str) -> str:
        if not _IDENT.fullmatch(v):
            raise ValueError(f"{v!r} is not a process name (letters, digits, hyphens)")
        return v.lower()


def _flatten(parts: tuple, cls: type) -> tuple:
    """Merge same-kind children so ``A | (B | C)`` and ``(A | B) | C`` are one tree.

    Done in the model, not only the parser, so every constructible tree round-trips through
    ``render_rule``/``parse_rule``.
    """
    out: list = []
    for p in parts:
        out.extend(p.options if cls is AnyOf and isinstance(p, AnyOf) else
                   p.parts if cls is AllOf and isinstance(p, AllOf) else (p,))
    return tuple(out)


class AllOf(_Node):
    """``A & B & ...``: every part must hold (at least two parts)."""

    kind: Literal["AND"] = "AND"
    parts: tuple[Criterion, ...] = Field(min_length=2)

    @field_validator("parts")
    @classmethod
    def _flat(cls, v: tuple) -> tuple:
        return _flatten(v, AllOf)


class AnyOf(_Node):
    """``A | B | ...``: at least one option must hold (at least two options)."""

    kind: Literal["OR"] = "OR"
    options: tuple[Criterion, ...] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _flat(cls, v: tuple) -> tuple:
        return _flatten(v, AnyOf)


Criterion = Annotated[
    Union[WhollyObtained, TariffShift, Rvc, MaxNom, SpecificProcess, AllOf, AnyOf],
    Field(discriminator="kind"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
_ADAPTER: TypeAdapter = TypeAdapter(Criterion)


# --------------------------------------------------------------------------- parser


class RuleSyntaxError(ValueError):
    """A rule that does not parse; ``position`` is the 0-based offset of the problem."""

    def __init__(self, expected: str, text: str, position: int):
        self.text = text
        self.position = position
        super().__init__(f"{expected} at position {position} in {text!r}")


class _Parser:
    """Recursive descent over the raw string; positions are kept for error messages."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    # -- scanning
    def ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def error(self, expected: str, pos: int | None = None) -> RuleSyntaxError:
        return RuleSyntaxError(expected, self.text, self.pos if pos is None else pos)

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self.error(f"expected {ch!r}")
        self.pos += 1

    def match(self, pattern: re.Pattern) -> re.Match | None:
        self.ws()
        m = pattern.match(self.text, self.pos)
        if m:
            self.pos = m.end()
        return m

    # -- grammar
    def rule(self) -> Criterion:
        node = self.or_expr()
        if self.peek():
            raise self.error("expected '&', '|' or end of rule")
        return node

    def or_expr(self) -> Criterion:
        items = [self.and_expr()]
        while self.peek() == "|":
            self.pos += 1
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else AnyOf(options=tuple(items))

    def and_expr(self) -> Criterion:
        items = [self.primary()]
        while self.peek() == "&":
            self.pos += 1
            items.append(self.primary())
        return items[0] if len(items) == 1 else AllOf(parts=tuple(items))

    def primary(self) -> Criterion:
        if self.peek() == "(":
            self.pos += 1
            node = self.or_expr()
            self.expect(")")
            return node
        start = self.pos
        m = self.match(_WORD)
        if not m:
            raise self.error("expected a criterion")
        word = m.group().upper()
        if word == "WO":
            return WhollyObtained()
        if word in _LEVELS:
            return TariffShift(level=_LEVELS[word], exceptions=self.except_list())
        if word == "RVC":
            self.expect("(")
            threshold = self.percent()
            method = None
            if self.peek() == ",":
                self.pos += 1
                self.ws()
                at = self.pos
                ident = self.match(_IDENT)
                method = ident.group().lower() if ident else None
                if method not in _METHODS:
                    raise self.error("expected a method (build-down or build-up)", at)
            self.expect(")")
            return Rvc(threshold=threshold, method=method)
        if word == "MAXNOM":
            self.expect("(")
            percent = self.percent()
            self.expect(")")
            return MaxNom(percent=percent)
        if word == "SP":
            self.expect("(")
            ident = self.match(_IDENT)
            if not ident:
                raise self.error("expected a process name (letters, digits, hyphens)")
            self.expect(")")
            return SpecificProcess(process=ident.group())
        if word == "EXCEPT":
            raise self.error("expected a criterion ('except' must follow CC, CTH or CTSH)",
                             start)
        raise self.error(
            f"unknown keyword {m.group()!r}: expected WO, CC, CTH, CTSH, RVC, MaxNOM or SP",
            start)

    def percent(self) -> Decimal:
        self.ws()
        at = self.pos
        m = self.match(_NUMBER)
        if not m:
            raise self.error("expected a threshold (a number 0-100)")
        value = Decimal(m.group())
        if value > 100:
            raise self.error("expected a threshold within 0-100", at)
        return value

    def except_list(self) -> tuple[str, ...]:
        """Codes after ``except``; the list ends at ``&``, ``|``, ``)`` or end of text."""
        save = self.pos
        m = self.match(_WORD)
        if not m or m.group().upper() != "EXCEPT":
            self.pos = save
            return ()
        codes = [self.code()]
        while self.peek() == ",":
            self.pos += 1
            codes.append(self.code())
        return tuple(codes)

    def code(self) -> str:
        self.ws()
        at = self.pos
        lo = self.match(_HS_PART)
        if not lo:
            raise self.error("expected an HS code (2, 4 or 6 digits) or range")
        raw = lo.group()
        if self.peek() == "-":
            self.pos += 1
            hi = self.match(_HS_PART)
            if not hi:
                raise self.error("expected the end of an HS code range")
            raw = f"{raw}-{hi.group()}"
        try:
            return _normalise_exception(raw)
        except ValueError:
            raise self.error("expected an HS code of 2, 4 or 6 digits, or a range of two such"
                             f" codes of equal length in order (got {raw!r})", at) from None


def parse_rule(text: str) -> Criterion:
    """Parse the compact rule syntax into a tree; raises :class:`RuleSyntaxError`."""
    return _Parser(text).rule()


# --------------------------------------------------------------------------- rendering


def render_rule(c: Criterion) -> str:
    """Canonical text for a tree; ``parse_rule(render_rule(c)) == c`` for every tree."""
    if isinstance(c, WhollyObtained):
        return "WO"
    if isinstance(c, TariffShift):
        kw = _LEVEL_KEYWORD[c.level]
        return f"{kw} except {', '.join(c.exceptions)}" if c.exceptions else kw
    if isinstance(c, Rvc):
        t = _format_percent(c.threshold)
        return f"RVC({t}, {c.method})" if c.method else f"RVC({t})"
    if isinstance(c, MaxNom):
        return f"MaxNOM({_format_percent(c.percent)})"
    if isinstance(c, SpecificProcess):
        return f"SP({c.process})"
    if isinstance(c, AllOf):
        # an OR inside an AND needs parentheses; AND inside AND cannot occur (flattened)
        return " & ".join(f"({render_rule(p)})" if isinstance(p, AnyOf) else render_rule(p)
                          for p in c.parts)
    if isinstance(c, AnyOf):
        return " | ".join(render_rule(o) for o in c.options)
    raise TypeError(f"not a criterion: {c!r}")


# --------------------------------------------------------------------------- storage


def criterion_to_json(c: Criterion) -> str:
    """Stable JSON (sorted keys, no spaces, Decimals as strings) for a graph property."""
    return json.dumps(_ADAPTER.dump_python(c, mode="json"), sort_keys=True,
                      separators=(",", ":"))


def criterion_from_json(s: str) -> Criterion:
    """Inverse of :func:`criterion_to_json`."""
    return _ADAPTER.validate_json(s)


# --------------------------------------------------------------------------- queries


def exception_matches(exceptions: tuple[str, ...], code: str) -> bool:
    """Does material HS ``code`` fall under any except-list entry?

    A code entry matches by prefix (``72`` covers ``720712``); a range ``lo-hi`` matches when
    the code's first ``len(lo)`` digits, read as a number, lie in ``[lo, hi]`` inclusive.
    """
    digits = code.strip().replace(".", "")
    if not digits.isdigit():
        raise ValueError(f"{code!r} is not an HS code")
    for entry in exceptions:
        entry = _normalise_exception(entry)
        if "-" in entry:
            lo, hi = entry.split("-")
            if len(digits) >= len(lo) and int(lo) <= int(digits[: len(lo)]) <= int(hi):
                return True
        elif digits.startswith(entry):
            return True
    return False


def uses_rvc(c: Criterion) -> bool:
    """True when any node of the tree is an :class:`Rvc` (verdicts then need a valuation)."""
    if isinstance(c, Rvc):
        return True
    if isinstance(c, AllOf):
        return any(uses_rvc(p) for p in c.parts)
    if isinstance(c, AnyOf):
        return any(uses_rvc(o) for o in c.options)
    return False
