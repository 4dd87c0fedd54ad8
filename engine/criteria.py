"""Product-specific rule (PSR) criteria: a typed tree plus the compact rule syntax.

The syntax is the contract in ``seeds/README.md`` ("Rule syntax")::

    rule     := or_expr
    or_expr  := and_expr ('|' and_expr)*
    and_expr := primary ('&' primary)*          # '&' binds tighter than '|'
    primary  := '(' or_expr ')'
              | 'WO' | 'WO' '(' items ')'
              | 'ORIG' '(' items [',' n ',' 'weight'] ')'
              | ('CC' | 'CTH' | 'CTSH' | 'ANY') ['except' items] ['allow' items]
              | 'FROM' '(' items ')'
              | 'NOM' '(' items ',' n [',' basis] ')'
              | 'MaxNOM' '(' n [',' basis] ')'
              | 'NOM<=OM'
              | 'RVC' '(' n [',' method] ')'
              | 'SP' '(' process ')'
    items    := item (',' item)*
    item     := hs | hs '-' hs | '@chapter' | '@heading' | '@subheading' | '"' term '"' | '*'

An item is kept as its canonical text (``"7207"``, ``"7208-7212"``, ``"@heading"``,
``'"assemblies of uppers"'``, ``"*"``), so the stored JSON of a tree is the text a person reads.
Inside ``NOM(...)`` the last argument is the percentage (or the basis, then the one before it is),
so ``NOM(17, 30)`` is chapter 17 at 30 %.

This module is pure (no I/O, no globals that change) so the loader, the graph layer and the
verdict engine can all share one definition of what a rule *is*.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, ConfigDict, Field, TypeAdapter, field_validator,
                      model_serializer)

from engine.processes import PROCESSES

__all__ = [
    "AllOf",
    "AnyOf",
    "Criterion",
    "MadeFrom",
    "MaxNom",
    "NomLimit",
    "NomWithinOm",
    "OriginatingMaterials",
    "Rvc",
    "RuleSyntaxError",
    "SpecificProcess",
    "TariffShift",
    "WhollyObtained",
    "WhollyObtainedMaterials",
    "criterion_from_json",
    "criterion_to_json",
    "exception_matches",
    "item_matches_code",
    "item_term",
    "normalise_item",
    "normalise_term",
    "parse_rule",
    "render_rule",
    "uses_rvc",
]

# --------------------------------------------------------------------------- items

_HS_PART = re.compile(r"\d+(?:\.\d+)*")
_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[A-Za-z]+")
_TERM = re.compile(r'"([^"]*)"')

_LEVELS = {"CC": "chapter", "CTH": "heading", "CTSH": "subheading", "ANY": "any"}
_LEVEL_KEYWORD = {v: k for k, v in _LEVELS.items()}
_METHODS = ("build-down", "build-up")
_OWN_LEVELS = {"@chapter": 2, "@heading": 4, "@subheading": 6}


def _hs_digits(code: str) -> str:
    """Strip dots from an HS code and check it is a chapter, heading or subheading."""
    digits = code.strip().replace(".", "")
    if not digits.isdigit() or len(digits) not in (2, 4, 6):
        raise ValueError(f"{code!r} is not an HS code of 2, 4 or 6 digits")
    return digits


def normalise_term(term: str) -> str:
    """A prose term with its whitespace collapsed; case is kept for display."""
    if '"' in term:
        raise ValueError(f"term {term!r} contains a double quote")
    text = " ".join(term.split())
    if not text:
        raise ValueError("empty term")
    return text


def normalise_item(entry: str) -> str:
    """Canonical text of one item: ``"7207"``, ``"7208-7212"``, ``"@heading"``, ``'"term"'``, ``"*"``.

    Range bounds must have the same length (a range is compared on that many leading digits)
    and be in order, otherwise the range could never match what the author meant.
    """
    entry = entry.strip()
    if entry.startswith('"'):
        if len(entry) < 2 or not entry.endswith('"'):
            raise ValueError(f"term {entry!r} is not closed by a double quote")
        return f'"{normalise_term(entry[1:-1])}"'
    if entry.startswith("@"):
        if entry.lower() not in _OWN_LEVELS:
            raise ValueError(f"{entry!r} is not @chapter, @heading or @subheading")
        return entry.lower()
    if entry == "*":
        return entry
    if "-" in entry:
        lo_s, _, hi_s = entry.partition("-")
        lo, hi = _hs_digits(lo_s), _hs_digits(hi_s)
        if len(lo) != len(hi):
            raise ValueError(f"range {entry!r} has bounds of different lengths")
        if int(lo) > int(hi):
            raise ValueError(f"range {entry!r} is reversed")
        return f"{lo}-{hi}"
    return _hs_digits(entry)



def item_term(item: str) -> str | None:
    """The term of a ``"term"`` item (without quotes), else None."""
    return item[1:-1] if item.startswith('"') else None


def item_matches_code(item: str, code: str, product: str | None = None) -> bool:
    """Does HS ``code`` fall under ``item``?

    A code matches by prefix (``72`` covers ``720712``); a range ``lo-hi`` when the code's first
    ``len(lo)`` digits, read as a number, lie in ``[lo, hi]`` inclusive; ``@heading`` when it
    shares the product's heading (``product`` required); ``*`` always; a term never (terms are
    declared on materials, not read from codes).
    """
    digits = code.strip().replace(".", "")
    if not digits.isdigit():
        raise ValueError(f"{code!r} is not an HS code")
    if item == "*":
        return True
    if item.startswith('"'):
        return False
    if item in _OWN_LEVELS:
        if product is None:
            raise ValueError(f"{item} needs the product's code")
        n = _OWN_LEVELS[item]
        return len(digits) >= n and digits[:n] == product.replace(".", "")[:n]
    if "-" in item:
        lo, hi = item.split("-")
        return len(digits) >= len(lo) and int(lo) <= int(digits[: len(lo)]) <= int(hi)
    return digits.startswith(item)


def exception_matches(exceptions: tuple[str, ...], code: str, product: str | None = None) -> bool:
    """Does material HS ``code`` fall under any code, range or @level entry of ``exceptions``?"""
    return any(item_matches_code(normalise_item(e), code, product) for e in exceptions)


def _check_percent(value: Decimal) -> Decimal:
    """Thresholds are percentages; normalise so ``40``, ``40.0`` and ``40.00`` are one value."""
    if not value.is_finite() or not (0 <= value <= 100):
        raise ValueError(f"threshold {value} is outside 0-100")
    return Decimal(format(value.normalize(), "f"))


def _format_percent(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _items(v: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise_item(e) for e in v)


# --------------------------------------------------------------------------- models


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WhollyObtained(_Node):
    """``WO``: the product is wholly obtained or produced in the territory."""

    kind: Literal["WO"] = "WO"


class WhollyObtainedMaterials(_Node):
    """``WO(items)``: every material of these used (originating or not) is wholly obtained."""

    kind: Literal["WO-OF"] = "WO-OF"
    items: tuple[str, ...] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _norm_items(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _items(v)


class OriginatingMaterials(_Node):
    """``ORIG(items[, n, weight])``: the materials of these used are originating (at least
    ``weight_percent`` of their weight when given)."""

    kind: Literal["ORIG"] = "ORIG"
    items: tuple[str, ...] = Field(min_length=1)
    weight_percent: Decimal | None = None

    @field_validator("items")
    @classmethod
    def _norm_items(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _items(v)

    @field_validator("weight_percent")
    @classmethod
    def _norm_percent(cls, v: Decimal | None) -> Decimal | None:
        return None if v is None else _check_percent(v)


class TariffShift(_Node):
    """``CC`` / ``CTH`` / ``CTSH`` (level ``any``: ``ANY``, no change required) with optional
    ``except`` items (never a change; for ``ANY`` not usable) and ``allow`` items (exempt)."""

    kind: Literal["CTC"] = "CTC"
    level: Literal["chapter", "heading", "subheading", "any"]
    exceptions: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()

    @field_validator("exceptions", "allowed")
    @classmethod
    def _norm_items(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _items(v)

    @model_serializer(mode="wrap")
    def _stable(self, handler: Any) -> dict:
        """Trees without ``allow`` keep the JSON they were stored with before it existed."""
        data = handler(self)
        if not self.allowed:
            data.pop("allowed", None)
        return data


class MadeFrom(_Node):
    """``FROM(items)``: every non-originating material is one of these."""

    kind: Literal["FROM"] = "FROM"
    items: tuple[str, ...] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _norm_items(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _items(v)


class NomLimit(_Node):
    """``NOM(items, p[, basis])``: the non-originating materials of these at most ``p`` % of the
    ex-works price (``fob``: of FOB; ``weight``: of the weight of all materials used)."""

    kind: Literal["NOM"] = "NOM"
    items: tuple[str, ...] = Field(min_length=1)
    percent: Decimal
    basis: Literal["exw", "fob", "weight"] = "exw"

    @field_validator("items")
    @classmethod
    def _norm_items(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _items(v)

    @field_validator("percent")
    @classmethod
    def _norm_percent(cls, v: Decimal) -> Decimal:
        return _check_percent(v)


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
    """``MaxNOM(p[, fob])``: non-originating materials at most ``p`` percent of the ex-works
    price (of FOB)."""

    kind: Literal["MaxNOM"] = "MaxNOM"
    percent: Decimal
    basis: Literal["exw", "fob"] = "exw"

    @field_validator("percent")
    @classmethod
    def _norm_percent(cls, v: Decimal) -> Decimal:
        return _check_percent(v)

    @model_serializer(mode="wrap")
    def _stable(self, handler: Any) -> dict:
        """An ex-works MaxNOM keeps the JSON it was stored with before ``basis`` existed."""
        data = handler(self)
        if self.basis == "exw":
            data.pop("basis", None)
        return data


class NomWithinOm(_Node):
    """``NOM<=OM``: the value of non-originating materials does not exceed that of originating."""

    kind: Literal["NOM<=OM"] = "NOM<=OM"


class SpecificProcess(_Node):
    """``SP(name)``: a process of the controlled vocabulary (``engine.processes``)."""

    kind: Literal["SP"] = "SP"
    process: str

    @field_validator("process")
    @classmethod
    def _norm_process(cls, v: str) -> str:
        if not _IDENT.fullmatch(v):
            raise ValueError(f"{v!r} is not a process name (letters, digits, hyphens)")
        name = v.lower()
        if name not in PROCESSES:
            raise ValueError(f"unknown process {name!r} (not in engine.processes.PROCESSES)")
        return name


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
    Union[WhollyObtained, WhollyObtainedMaterials, OriginatingMaterials, TariffShift, MadeFrom,
          NomLimit, MaxNom, NomWithinOm, Rvc, SpecificProcess, AllOf, AnyOf],
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


_ITEM_EXPECTED = ("expected an HS code (2, 4 or 6 digits), a range of two such codes of equal"
                  ' length in order, @chapter, @heading, @subheading, a "term" or *')
_KEYWORDS = "WO, ORIG, CC, CTH, CTSH, ANY, FROM, NOM, MaxNOM, NOM<=OM, RVC or SP"


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

    def keyword(self, word: str) -> bool:
        """Consume ``word`` (case-insensitive) when it is the next word."""
        save = self.pos
        m = self.match(_WORD)
        if m and m.group().upper() == word:
            return True
        self.pos = save
        return False

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
            if self.peek() == "(":
                self.pos += 1
                return WhollyObtainedMaterials(items=self.items_in_parens())
            return WhollyObtained()
        if word in _LEVELS:
            exceptions = self.item_list() if self.keyword("EXCEPT") else ()
            allowed = self.item_list() if self.keyword("ALLOW") else ()
            at = self.pos_after_ws()
            if self.keyword("EXCEPT"):
                raise self.error("'except' must come before 'allow'", at)
            return TariffShift(level=_LEVELS[word], exceptions=exceptions, allowed=allowed)
        if word == "ORIG":
            return self.orig()
        if word == "FROM":
            self.expect("(")
            return MadeFrom(items=self.items_in_parens())
        if word == "NOM":
            if self.text.startswith("<=", self.pos_after_ws()):
                self.ws()
                self.pos += 2
                if not self.keyword("OM"):
                    raise self.error("expected 'OM' (NOM<=OM)")
                return NomWithinOm()
            return self.nom()
        if word == "MAXNOM":
            return self.maxnom()
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
        if word == "SP":
            self.expect("(")
            self.ws()
            at = self.pos
            ident = self.match(_IDENT)
            if not ident:
                raise self.error("expected a process name (letters, digits, hyphens)")
            name = ident.group().lower()
            if name not in PROCESSES:
                raise self.error(f"unknown process {name!r}: not in the vocabulary"
                                 " engine.processes.PROCESSES", at)
            self.expect(")")
            return SpecificProcess(process=name)
        if word in ("EXCEPT", "ALLOW"):
            raise self.error(f"expected a criterion ('{word.lower()}' must follow CC, CTH, CTSH"
                             " or ANY)", start)
        raise self.error(f"unknown keyword {m.group()!r}: expected {_KEYWORDS}", start)

    def pos_after_ws(self) -> int:
        self.ws()
        return self.pos

    # -- arguments
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

    def raw_item(self) -> tuple[int, str]:
        """The text of one item-shaped token and where it starts (checked by the caller)."""
        self.ws()
        at = self.pos
        ch = self.peek()
        if ch == '"':
            m = _TERM.match(self.text, self.pos)
            if not m:
                raise self.error('expected a closing \'"\' (a term may not contain one)', at)
            self.pos = m.end()
        elif ch == "@":
            self.pos += 1
            if not self.match(_WORD):
                raise self.error("expected @chapter, @heading or @subheading", at)
        elif ch == "*":
            self.pos += 1
        else:
            if not self.match(_HS_PART):
                raise self.error(_ITEM_EXPECTED, at)
            if self.peek() == "-":
                self.pos += 1
                if not self.match(_HS_PART):
                    raise self.error("expected the end of an HS code range")
        return at, self.text[at:self.pos]

    def checked_item(self, at: int, raw: str) -> str:
        if _WORD.fullmatch(raw):
            raise self.error(_ITEM_EXPECTED, at)
        try:
            return normalise_item(raw)
        except ValueError as exc:
            raise self.error(f"{_ITEM_EXPECTED} (got {raw!r}: {exc})", at) from None

    def item(self) -> str:
        return self.checked_item(*self.raw_item())

    def item_list(self) -> tuple[str, ...]:
        """Items after ``except`` / ``allow``; the list ends at ``&``, ``|``, ``)``, ``allow``
        or end of text."""
        items = [self.item()]
        while self.peek() == ",":
            self.pos += 1
            items.append(self.item())
        return tuple(items)

    def items_in_parens(self) -> tuple[str, ...]:
        items = self.item_list()
        self.expect(")")
        return items

    def arguments(self) -> list[tuple[int, str]]:
        """Raw comma-separated arguments up to ``)`` with their positions: items, numbers and
        basis words are told apart by where they stand, not by their look (``30`` can be
        chapter 30 or 30 %)."""
        self.expect("(")
        args = []
        while True:
            self.ws()
            at = self.pos
            word = self.match(_WORD)
            args.append((at, word.group().lower()) if word else self.raw_item())
            if self.peek() != ",":
                break
            self.pos += 1
        self.expect(")")
        return args

    def number(self, arg: tuple[int, str]) -> Decimal:
        at, raw = arg
        if not _NUMBER.fullmatch(raw):
            raise self.error("expected a threshold (a number 0-100)", at)
        value = Decimal(raw)
        if value > 100:
            raise self.error("expected a threshold within 0-100", at)
        return value

    def as_items(self, args: list[tuple[int, str]]) -> tuple[str, ...]:
        return tuple(self.checked_item(at, raw) for at, raw in args)

    def orig(self) -> OriginatingMaterials:
        args = self.arguments()
        at, last = args[-1]
        if _WORD.fullmatch(last):
            if last != "weight" or len(args) < 3:
                raise self.error("expected ORIG(items) or ORIG(items, n, weight)", at)
            return OriginatingMaterials(items=self.as_items(args[:-2]),
                                        weight_percent=self.number(args[-2]))
        return OriginatingMaterials(items=self.as_items(args))

    def nom(self) -> NomLimit:
        args = self.arguments()
        basis = "exw"
        at, last = args[-1]
        if _WORD.fullmatch(last):
            if last not in ("exw", "fob", "weight"):
                raise self.error("expected a basis (exw, fob or weight)", at)
            basis, args = last, args[:-1]
        if len(args) < 2:
            raise self.error("expected NOM(items, n[, exw|fob|weight])", at)
        return NomLimit(items=self.as_items(args[:-1]), percent=self.number(args[-1]),
                        basis=basis)

    def maxnom(self) -> MaxNom:
        self.expect("(")
        percent = self.percent()
        basis = "exw"
        if self.peek() == ",":
            self.pos += 1
            self.ws()
            at = self.pos
            word = self.match(_WORD)
            basis = word.group().lower() if word else ""
            if basis not in ("exw", "fob"):
                raise self.error("expected a basis (exw or fob)", at)
        self.expect(")")
        return MaxNom(percent=percent, basis=basis)


def parse_rule(text: str) -> Criterion:
    """Parse the compact rule syntax into a tree; raises :class:`RuleSyntaxError`."""
    return _Parser(text).rule()


# --------------------------------------------------------------------------- rendering


def _list(items: tuple[str, ...]) -> str:
    return ", ".join(items)


def render_rule(c: Criterion) -> str:
    """Canonical text for a tree; ``parse_rule(render_rule(c)) == c`` for every tree."""
    if isinstance(c, WhollyObtained):
        return "WO"
    if isinstance(c, WhollyObtainedMaterials):
        return f"WO({_list(c.items)})"
    if isinstance(c, OriginatingMaterials):
        if c.weight_percent is None:
            return f"ORIG({_list(c.items)})"
        return f"ORIG({_list(c.items)}, {_format_percent(c.weight_percent)}, weight)"
    if isinstance(c, TariffShift):
        text = _LEVEL_KEYWORD[c.level]
        if c.exceptions:
            text += f" except {_list(c.exceptions)}"
        if c.allowed:
            text += f" allow {_list(c.allowed)}"
        return text
    if isinstance(c, MadeFrom):
        return f"FROM({_list(c.items)})"
    if isinstance(c, NomLimit):
        basis = "" if c.basis == "exw" else f", {c.basis}"
        return f"NOM({_list(c.items)}, {_format_percent(c.percent)}{basis})"
    if isinstance(c, MaxNom):
        basis = "" if c.basis == "exw" else f", {c.basis}"
        return f"MaxNOM({_format_percent(c.percent)}{basis})"
    if isinstance(c, NomWithinOm):
        return "NOM<=OM"
    if isinstance(c, Rvc):
        t = _format_percent(c.threshold)
        return f"RVC({t}, {c.method})" if c.method else f"RVC({t})"
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


def uses_rvc(c: Criterion) -> bool:
    """True when any node of the tree is an :class:`Rvc` (verdicts then need a valuation)."""
    if isinstance(c, Rvc):
        return True
    if isinstance(c, AllOf):
        return any(uses_rvc(p) for p in c.parts)
    if isinstance(c, AnyOf):
        return any(uses_rvc(o) for o in c.options)
    return False
