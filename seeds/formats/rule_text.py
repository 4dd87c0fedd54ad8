"""Rule-text compiler: product-specific rule wording (PSR annexes as the UK Trade Tariff and the OTT
prototype publish them) to the rule language of ``seeds/README.md`` ("Rule syntax").

Interface (other importers code against exactly this)::

    RuleText(text, operator=None, classes=())   # one rule of a rule set, as the source lists it
    Compiled(rule, reason, notes=())            # canonical rule syntax, or why not (a grouping key)
    compile_text(text) -> Compiled              # one wording
    compile_rule_set(rules) -> Compiled         # a rule set's rules with the source's operators

``Compiled.rule`` is canonical (``render_rule(parse_rule(rule)) == rule``, checked in
``compile_rule_set``); when a wording cannot be translated exactly ``rule`` is None and ``reason`` is a
short stable phrase (import summaries count rule sets per reason). Nothing is approximated: a
threshold, method, basis or exception comes from the text, or the rule stays text.

**Wordings.** A wording is read as sentences; the first says what the manufacture must do, later
"However, ..." sentences add permissions or limits, "See Introductory Note N" sentences become
notes (the note is not evaluated). A main sentence is a list of conditions (``Manufacture: - A, and -
B`` / ``Manufacture in which: - A; - B``), all of which must hold (``&``); alternatives inside one
wording are written ``A or Manufacture ...``. The conventions are the annexes' own: "materials" means
non-originating materials; "Manufacture from materials of any heading, except that of the product"
is ``CTH``; "the value of all the materials used does not exceed N% of the ex-works price" is
``MaxNOM(N)``; "within the above limit, the value of all the materials of heading X used does not
exceed M%" is ``& NOM(X, M)``; "However, materials of the same heading as the product may be used,
provided that their total value does not exceed 20%" is ``allow @heading & NOM(@heading, 20)``;
"Manufacture from yarn" is ``FROM("yarn")`` and "from materials of heading 7206" ``FROM(7206)`` (a
described material stays one quoted term, never reduced to a code); "all the materials of chapter 3
used are wholly obtained" is ``WO(03)``; "at least 70% by weight of the X used is originating" is
``ORIG("X", 70, weight)``; processes ("Weaving combined with dyeing") are ``SP(...)`` of
``engine.processes``, joined with ``&`` / ``|`` as the sentence joins them; "A change to X from any
other heading" is ``CTH`` (X names the goods the rule is listed for; a note records it, and a rule set
whose alternatives name different goods stays text).

**Rule sets and operators.** Evidence from the UK data (``rule_sets/*.json``):

- Later rules all ``"or"``: alternatives (``A | B``).
- Later rules ``null`` except the last ``"or"`` (360 rule sets, mostly japan, turkey, eu, canada,
  vietnam): the annex's enumeration "A; B; or C". Checked against the instruments' own annexes: EU-Japan
  EPA Annex 3-B lists 8401-8406 as "CTH; MaxNOM 50 % (EXW); or RVC 55 % (FOB)", which the data holds
  as CTH (null), MaxNOM 50 (null), RVC 55 ("or"); the EU-UK TCA textile rules ("Spinning of natural
  fibres; extrusion of man-made fibres combined with spinning; or twisting combined with any
  mechanical operation", turkey 560490) and vietnam 5907 ("Weaving accompanied by dyeing or by
  flocking or by coating; flocking accompanied by dyeing or by printing; or printing accompanied by
  ...") are held the same way. So: alternatives.
- Later rules all ``null`` with no ``"or"``: in new-zealand.json (1,243 rule sets; the file carries no
  operator at all) the pairs are "CTH" + "RVC40", "CTSH" + "RVC40", with a third "Process Rule" in the
  chemical chapters (a cumulative reading, CTH & RVC40 & a chemical process, would be absurd). The
  publisher's own origin wizard (trade-tariff-frontend
  ``app/models/rules_of_origin/steps/product_specific_rules.rb``) offers every rule of a rule set as a
  separate radio option next to "Your goods do not meet any of these rules": each rule on its own is
  one way to qualify. Such rule sets are compiled as alternatives, with the note "rules listed
  without an operator: taken as alternatives ...", after two guards: continuation rows are first
  rejoined to the rule they continue ("CTH" then "However, non-originating materials of heading 7013
  may be used ...", japan/eu/turkey), and a rule set whose rules name different goods (cptpp 160419
  "A change to Merluccius ..." then "A change to any other good of ...") stays text ("alternatives
  for different goods of the rule set"). Other operator mixes stay text ("rules listed without an
  operator between them").
- "- a) ... - b) ..." parts split over several entries are rejoined when the parts carry the
  ``- a)`` letters in order.

EU-side data (``ott_prototype_xi/psr_new``, same publisher) carries no operators: its multi-rule sets
are the alternative rule columns of the old protocols (column 3 or column 4: kenya, turkey, oct) or
one column split over several rows, read as alternatives the same way; GSP's "(a) LDCs ... (b) Other
beneficiary countries" split depends on the beneficiary and stays text.

Footnote numbers run into the last word ("Manufacture from yarn7 9") and introductory-note references
are taken out of the rule and kept as notes; their content is not evaluated.

**Heading labels.** A rule set whose only rule text is empty is a heading label row (the EU data has
about 1,730: subdivision ending with ``:``, its sub-entries carry the rules). ``compile_rule_set``
returns reason ``"heading label without a rule of its own"``; importers skip these and report them
separately, not as rule sets.

Measuring: ``python -m seeds.formats.rule_text STATS DIR [DIR ...]`` prints per directory the share
of machine-evaluable rule sets and the most frequent reasons and wordings left as text.
"""

from __future__ import annotations

import html
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from engine.processes import PROCESSES, is_process

__all__ = ["Compiled", "HEADING_LABEL", "RuleText", "compile_rule_set", "compile_text", "plain_text", "rule_sets_in"]

HEADING_LABEL = "heading label without a rule of its own"


@dataclass(frozen=True)
class RuleText:
    """One rule of a rule set, as the source lists it."""

    text: str  # markdown as written
    operator: str | None = None  # the source's operator before this rule ("or", "and", None)
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Compiled:
    """Canonical rule syntax when machine-evaluable, else why not."""

    rule: str | None
    reason: str | None
    notes: tuple[str, ...] = ()


def plain_text(markdown: str) -> str:
    """Rule text without markdown links, emphasis, HTML tags or entities; one line."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    t = re.sub(r"<abbr[^>]*>(.*?)</abbr>", r"\1", t, flags=re.S)
    t = re.sub(r"<[^>]+>", "", t)
    t = html.unescape(t).replace("\u00a0", " ")
    for dash in ("\u2010", "\u2011", "\u2012", "\u2013"):
        t = t.replace(dash, "-")
    t = t.replace("**", "").replace("*", "")
    return re.sub(r"\s+", " ", t).strip()


class _Untranslated(Exception):
    """A wording (or part of one) with no exact rule-syntax form; ``reason`` is the grouping key."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- criteria tree


@dataclass
class _Ctc:
    """``CC``/``CTH``/``CTSH``/``ANY`` with except and allow items (mutable while 'However' edits it)."""

    keyword: str
    excepts: list[str]
    allows: list[str]

    def render(self) -> str:
        out = self.keyword
        if self.excepts:
            out += " except " + ", ".join(self.excepts)
        if self.allows:
            out += " allow " + ", ".join(self.allows)
        return out


@dataclass
class _Atom:
    text: str

    def render(self) -> str:
        return self.text


@dataclass
class _All:
    parts: list

    def render(self) -> str:
        return " & ".join(f"({p.render()})" if isinstance(p, _Any) else p.render() for p in self.parts)


@dataclass
class _Any:
    parts: list

    def render(self) -> str:
        return " | ".join(p.render() for p in self.parts)


def _all(parts: list):
    flat = []
    for p in parts:
        flat.extend(p.parts if isinstance(p, _All) else [p])
    return flat[0] if len(flat) == 1 else _All(flat)


def _any(parts: list):
    flat = []
    for p in parts:
        flat.extend(p.parts if isinstance(p, _Any) else [p])
    return flat[0] if len(flat) == 1 else _Any(flat)


def _ctcs(node) -> list[_Ctc]:
    if isinstance(node, _Ctc):
        return [node]
    if isinstance(node, (_All, _Any)):
        return [c for p in node.parts for c in _ctcs(p)]
    return []


# --------------------------------------------------------------------------- numbers, items, terms

_N = r"(\d+(?:\.\d+)?)\s?%"
_EXW = (r"(?:of )?the ex-works price(?: \(EXW\))?(?: of the (?:final )?(?:products?|goods?|set|printed fabric))?(?: \(MaxNOM \d+(?:\.\d+)?% "
        r"\(EXW\)\))?")
_FOB = r"(?:of )?the (?:Free on Board \(FOB\)|free-on-board|free on-board|FOB) (?:cost|value|price)(?: of the (?:products?|goods?))?"
_WORD_LEVEL = {"chapter": 2, "heading": 4, "subheading": 6, "sub-heading": 6, "tariff heading": 4}


def _pct(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _code(raw: str, word: str | None) -> str:
    """An HS code as digits; chapters padded to two. Raises when it is no chapter/heading/subheading."""
    digits = raw.replace(".", "").replace(" ", "")
    if not digits.isdigit():
        raise _Untranslated("material named by a code that is not an HS code")
    if word == "chapter" and len(digits) == 1:
        digits = "0" + digits
    if len(digits) not in (2, 4, 6):
        raise _Untranslated("material named by a code that is not an HS code")
    want = _WORD_LEVEL.get(word or "")
    if want and want != len(digits) and not (want == 4 and len(digits) == 6):  # 'heading 7218 10': subheading
        raise _Untranslated("material code whose length does not match its level word")
    return digits


_LEVEL_WORD = r"(?:tariff )?(?:chapter|heading|sub-?heading)s?(?: Nos?\.?)?"
_ONE_CODE = re.compile(rf"^(?:({_LEVEL_WORD}) )?(?:ex ?)?(\d[\d. ]*\d|\d)"
                       rf"(?: ?(?:to|through|-) ?(?:({_LEVEL_WORD}) )?(\d[\d.]*\d|\d))?$", re.I)


def _level(word: str | None) -> str | None:
    if not word:
        return None
    w = re.sub(r"s?(?: Nos?\.?)?$", "", word.lower().replace("tariff ", ""))
    return "subheading" if w == "sub-heading" else w


def _code_items(text: str) -> list[str] | None:
    """``heading 7206, heading 7207, 7218 or heading 7224`` -> ['7206', '7207', '7218', '7224']; None if not codes."""
    text = re.sub(r"^(?:non-originating )?materials? (?:of|classified (?:with)?in) ", "", text.strip(), flags=re.I)
    if re.search(r"\bex\b", text, re.I):
        return None
    parts = re.split(r",? and/or |, and |, or |,? ?& |, | and | or ", text.strip())
    out: list[str] = []
    last: str | None = None
    for part in parts:
        m = _ONE_CODE.match(part.strip())
        if not m:
            return None
        word = _level(m.group(1)) or last
        last = word
        try:
            lo = _code(m.group(2), word)
            if m.group(4):
                hi = _code(m.group(4), _level(m.group(3)) or word)
                if len(hi) != len(lo) or int(hi) < int(lo):
                    return None
                out.append(f"{lo}-{hi}")
            else:
                out.append(lo)
        except _Untranslated:
            return None
    return out or None


def _term(text: str) -> str:
    """A material named in prose, quoted as written (quotes the annex uses around words dropped)."""
    t = re.sub(r"^(?:all )?the ", "", text.strip().strip(",;").strip())
    t = t.replace("\u2018", "'").replace("\u2019", "'")
    t = re.sub(r"['\"](\w[\w\s-]*)['\"]", r"\1", t)
    if re.search(r"\b[a-z]{2,}\d+\b", t):  # 'single yarn35', 'yarn7 9': footnote numbers run into the words
        raise _Untranslated("footnote marks in the rule text")
    described = re.sub(r"\bother than of \w+\b", "", re.sub(r"\([^()]*\)", "", t))  # 'uppers other than of wood'
    if re.search(r"\b(?:in which|used|exceeds?|provided|except|other than|originating|wholly obtained)\b",
                 described, re.I):
        raise _Untranslated("material named in prose with a condition in it")
    if t.startswith("-") or t.endswith(":") or " - - " in t:
        raise _Untranslated("nested list of materials")
    if not t or '"' in t or len(t) > 200:
        raise _Untranslated("material named in prose that cannot be quoted as one term")
    return f'"{t}"'


_SAME = re.compile(r"^(?:materials )?(?:of|classified (?:with)?in) the same (heading|subheading|chapter)"
                   r"(?: as the (?:product|good))?$", re.I)


def _items(text: str, *, prose: bool = True) -> list[str]:
    """Items of a material description: codes when it is exactly "materials of <codes>", else one term."""
    text = re.sub(r"^(?:the |all the )?(?:non-originating )?", "", text.strip().strip(",").strip())
    text = re.sub(r"^materials? from ((?:sub)?headings? |chapters? )", r"materials of \1", text, flags=re.I)
    if text.lower() in ("materials", "the materials"):
        return ["*"]
    if m := _SAME.match(text) or re.match(r"^the same (heading|subheading|chapter) as the (?:product|good)$", text, re.I):
        return [f"@{m.group(1).lower()}"]
    code_like = re.match(r"^(?:(?:non-originating )?materials? (?:of|classified (?:with)?in) )?(?:chapter|heading|subheading|"
                         r"sub-heading|\d)", text, re.I)
    codes = _code_items(text) if code_like else None
    if codes:
        return codes
    if code_like and not re.search(r"\b(?:of|classified) (?:the same|this|these)\b", text):
        raise _Untranslated("material codes that do not parse")
    if not prose:
        raise _Untranslated("material description that is not a list of codes")
    return [_term(text)]


# --------------------------------------------------------------------------- normalising

_NOTE = re.compile(r"(?:^|\s|(?<=\S))\(?((?:For (?:the )?special conditions relating to [^.]*?,? )?see (?:also )?"
                   r"(?:Introductory )?Notes? (\d+(?:\.\d+)?(?:(?:,| and| to) \d+(?:\.\d+)?)*)(?: in Part \d+ of this "
                   r"Schedule)?)\)?\.?(?=\s|$)", re.I)


def _normalise(plain: str) -> tuple[str, list[str]]:
    """One spelling for the wording's variants; introductory-note references moved to notes."""
    t = plain
    notes = []
    for m in _NOTE.finditer(t):
        notes.append(f"refers to Introductory Note {m.group(2)} (not evaluated)")
    t = _NOTE.sub("", t)
    t = re.sub(r"\bex-? ?works?\b", "ex-works", t, flags=re.I)
    t = re.sub(r"\b(heading|headings|subheading|chapter)s? Nos?\.? ?(?=\d)", r"\1 ", t, flags=re.I)
    t = re.sub(r"\bsub-heading", "subheading", t, flags=re.I)
    t = re.sub(r"\b([Mm])aking[- ] ?up\b", r"\1aking-up", t)
    t = re.sub(r"(?<=[a-z])- (?=[a-z])", "-", t)
    t = re.sub(r"\bnon- originating\b", "non-originating", t)
    t = t.replace(" []", "")
    t = re.sub(r"\btheir value, taken together, does not exceed", "their total value does not exceed", t)
    t = re.sub(r", however, ", ". However, ", t)
    t = re.sub(r"(\d),(\d+ ?%)", r"\1.\2", t)
    t = re.sub(r"(\d) ?per ?cent\b", r"\1%", t)
    t = re.sub(r"% of the value of the ex-works price", "% of the ex-works price", t)
    t = re.sub(r"\)(?=and )", ") ", t)
    t = re.sub(r"except that of the (product|good) \((?:CTH|CTSH|CC)\),? and except from (?=(?:sub)?headings? \d|chapters? \d)",
               r"except that of the \1, and of ", t)
    t = re.sub(r"\( (?=\w)", "(", re.sub(r"(?<=\w) \)", ")", t))
    t = re.sub(r"\s+([,;:.])", r"\1", t)
    t = re.sub(r"\band/ or\b|\band /or\b|\band / or\b", "and/or", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"[.;,:]+$", "", t).strip()
    if m := re.match(r"^(Manufacture from [^\d]*[a-z])(\d{1,2}(?: \d{1,2})*)$", t):
        # 'Manufacture from yarn7 9': footnote numbers of the published list run into the last word
        t = m.group(1)
        notes += [f"refers to footnote {n} of the source list (its text is not in the data; not evaluated)"
                  for n in m.group(2).split()]
    return t, notes


# --------------------------------------------------------------------------- conditions

_PRODUCT = r"(?:product|products|good|goods)"
_CTC_LEVEL = {"chapter": "CC", "heading": "CTH", "subheading": "CTSH", "tariff heading": "CTH",
              "tariff subheading": "CTSH"}


def _except_items(text: str) -> list[str]:
    text = re.sub(r"^(?:those|that) (?:of|classified (?:with)?in) ", "", text.strip(), flags=re.I)
    text = re.sub(r"^from ", "", text, flags=re.I)
    codes = _code_items(text)
    if codes:
        return codes
    if text.startswith("- "):
        parts = [p for p in re.split(r"(?:^|,? (?:or |and )?|; (?:or |and )?)- ", text) if p.strip()]
        return [i for p in parts for i in _items(re.sub(r"^(?:or|and) ", "", p.strip().rstrip(",;")))]
    pieces = re.split(r",? (?:and|or) from |, from ", text)
    if len(pieces) > 1:
        # 'heading 6401 to heading 6405 and from assemblies of uppers affixed to inner soles of subheading 640690'
        out = []
        for piece in pieces:
            codes = _code_items(piece)
            if codes is None and re.match(r"^(?:(?:sub)?headings?|chapters?|\d)", piece, re.I):
                raise _Untranslated("exception named in prose")
            out.extend(codes or [_term(piece)])
        return out
    head, _, tail = text.rpartition(" or ")
    if head and (codes := _code_items(head)) and not re.match(r"^(?:(?:sub)?headings?|chapters?|\d)", tail, re.I):
        return codes + [_term(tail)]  # 'heading 0203, heading 0206 or heading 0207 or bones of heading 0506'
    if re.match(r"^(?:(?:sub)?headings?|chapters?|\d)", text, re.I) or re.search(r"\bheadings? \d.*\bor\b", text):
        raise _Untranslated("exception named in prose")
    return [_term(re.sub(r"^non-originating ", "", text))]


def _value_limit(text: str):
    """'the value of all the materials [of X] used does not exceed N% of the ex-works price' -> node."""
    t = text
    m = re.match(rf"^(?:the )?(?:total )?value of (?:all (?:the )?|any )?(?:non-originating )?materials used "
                 rf"(?:does not|do not|must not|may not|shall not|cannot) exceed {_N} {_EXW}$", t, re.I)
    if m:
        return _Atom(f"MaxNOM({_pct(m.group(1))})")
    m = re.match(rf"^(?:the )?(?:total )?value of (?:all (?:the )?|any )?(?:non-originating )?materials used "
                 rf"(?:does not|do not|must not|shall not|cannot) exceed {_N} {_EXW} or {_N} {_FOB}$", t, re.I)
    if m:
        return _Any([_Atom(f"MaxNOM({_pct(m.group(1))})"), _Atom(f"MaxNOM({_pct(m.group(2))}, fob)")])
    m = re.match(rf"^(?:the )?(?:total )?value of (?:all (?:the )?|any )?(?:non-originating )?(.+?)(?: used)? "
                 rf"(?:does not|do not|must not|may not|shall not|cannot) exceed {_N} {_EXW}$", t, re.I) or re.match(
        rf"^(?:the )?(materials classified (?:with)?in .+?)(?:, taken together,)? are only used up to a value of {_N} "
        rf"{_EXW}$", t, re.I)
    if m:
        return _Atom(f"NOM({', '.join(_items(m.group(1)))}, {_pct(m.group(2))})")
    m = re.match(rf"^(?:the )?(?:total )?value of (?:all (?:the )?|any )?(?:non-originating )?(.+?) used "
                 rf"(?:does not|do not|must not|shall not|cannot) exceed {_N} {_EXW} or {_N} {_FOB}$", t, re.I)
    if m:
        items = ", ".join(_items(m.group(1)))
        return _Any([_Atom(f"NOM({items}, {_pct(m.group(2))})"), _Atom(f"NOM({items}, {_pct(m.group(3))}, fob)")])
    if re.match(r"^(?:the )?value of (?:all )?(?:the )?non-originating materials used (?:does not|must not) exceed "
                r"the value of (?:all )?(?:the )?originating materials used$", t, re.I):
        return _Atom("NOM<=OM")
    return None


def _condition(clause: str):
    """One condition of a manufacture sentence (without 'Manufacture', 'in which', 'and')."""
    c = clause.strip().strip(",;").strip()
    c = re.sub(r"^(?:and|or) ", "", c)
    c = re.sub(r"^(?:in which|where|provided that|in which:|where,)\s*", "", c, flags=re.I)
    c = re.sub(r"^,?\s*within the above limits?,\s*", "", c, flags=re.I)
    c = re.sub(r"\s*\((?:CTH|CTSH|CC|MaxNOM \d+(?:\.\d+)?% \(EXW\))\)$", "", c)
    if not c:
        raise _Untranslated("empty condition")
    if node := _value_limit(c):
        return node
    # change of classification
    m = re.match(rf"^from (?:non-originating )?materials of any (heading|subheading|chapter),? except that of the "
                 rf"{_PRODUCT}$", c, re.I)
    if m:
        return _Ctc(_CTC_LEVEL[m.group(1).lower()], [], [])
    m = re.match(r"^(?:all the |all )?(?:non-originating )?materials used (?:are|is) classified (?:with)?in an? "
                 r"(?:heading|subheading|chapter) other than ((?:heading|subheading|chapter)s? .+)$", c, re.I)
    if m:
        return _Ctc("ANY", _except_items(m.group(1)), [])
    m = re.match(rf"^from (?:non-originating )?materials of any (heading|subheading|chapter),? except that of the "
                 rf"{_PRODUCT},? and (?:of |that of )?((?:heading|subheading|chapter)s? .+)$", c, re.I)
    if m:
        return _Ctc(_CTC_LEVEL[m.group(1).lower()], _except_items(m.group(2)), [])
    m = re.match(rf"^(?:all the |all )?(?:non-originating )?materials used (?:are|is) classified (?:with)?in an? "
                 rf"(heading|subheading|chapter) other than that of the {_PRODUCT}$", c, re.I)
    if m:
        return _Ctc(_CTC_LEVEL[m.group(1).lower()], [], [])
    m = re.match(rf"^from (?:non-originating )?materials of any (heading|subheading|chapter)"
                 rf"(?:,? including other materials of (?:heading|subheading|chapter)s? [\d.]+)?$", c, re.I)
    if m and m.group(1).lower() == "heading":
        return _Ctc("ANY", [], [])
    m = re.match(r"^from (?:non-originating )?materials of any heading,? except:? (.+)$", c, re.I)
    if m:
        rest = m.group(1)
        if re.match(r"^(?:that|those) of the (?:product|good)", rest, re.I):
            raise _Untranslated("change of heading with further exceptions in prose")
        try:
            return _Ctc("ANY", _except_items(rest), [])
        except _Untranslated:
            prose = re.sub(r"^(?:from|those of) ", "", rest, flags=re.I)
            if re.match(r"^(?:(?:sub)?headings?|chapters?|\d)", prose, re.I):
                raise
            return _Ctc("ANY", [_term(prose)], [])
    m = re.match(r"^from (?:non-originating )?materials not classified (?:with)?in (.+)$", c, re.I)
    if m:
        return _Ctc("ANY", _except_items(m.group(1)), [])
    # wholly obtained / originating
    c = re.sub(r"^(.+?) used (\([^()]*\)) ", r"\1 \2 used ", c)  # 'the fruit juice used (except that of ...) is'
    m = re.match(r"^(?:all )?(?:the )?(.+?) used (?:are|is|must be|shall be) wholly obtained(?: in the country or "
                 r"territory)?$", c, re.I)
    if m:
        return _Atom(f"WO({', '.join(_items(m.group(1)))})")
    m = re.match(rf"^at least {_N} by weight of (?:the |all the )?(.+?) used (?:is|are|must (?:already )?be) originating$",
                 c, re.I)
    if m:
        return _Atom(f"ORIG({', '.join(_items(m.group(2)))}, {_pct(m.group(1))}, weight)")
    m = re.match(r"^(?:all )?(?:the )?(.+?) used (?:are|is|must be|must already be) (?:already )?originating$", c, re.I)
    if m:
        return _Atom(f"ORIG({', '.join(_items(m.group(1)))})")
    # manufacture from named materials
    m = re.match(r"^from:? (.+)$", c, re.I)
    if m:
        return _from(m.group(1))
    raise _Untranslated("condition wording not in a translated form")


# materials the textile and metal lists enumerate with commas but no list markers ("natural fibres, man-made
# staple fibres, not carded or combed or otherwise processed for spinning, or chemical materials or textile pulp");
# the same lists write them elsewhere as '- a, - b, or - c', which fixes where each one ends
_LIST_MATERIALS = [re.compile(p, re.I) for p in (
    r"raw silk or silk waste,? carded or combed or otherwise prepared for spinning",
    r"(?:other )?natural fibres,? not carded or combed or otherwise (?:prepared|processed) for spinning",
    r"man-made staple fibres,? not carded or combed or otherwise (?:prepared|processed) for spinning",
    r"synthetic or artificial filament yarn", r"coir yarn or jute yarn", r"coir yarn", r"jute yarn",
    r"(?:other )?natural fibres", r"chemical materials or textile pulp", r"paper-making materials", r"paper",
    r"refined copper, unwrought", r"waste and scrap of copper",
)]


def _listed_materials(text: str) -> list[str]:
    """'a, b, or c' of the known list materials -> terms; anything else is not split (text)."""
    out, rest = [], text.strip()
    while rest:
        m = next((m for p in _LIST_MATERIALS if (m := p.match(rest)) and re.match(r"^(?:,? or |, |$)", rest[m.end():])), None)
        if m is None:
            raise _Untranslated("list of materials in prose without list markers")
        out.append(_term(m.group()))
        rest = re.sub(r"^(?:,? or |, )", "", rest[m.end():])
    return out


def _from(text: str):
    """'from yarn' / 'from: - a, - b, or - c' / 'from X, provided that the value of the X used ...'."""
    body, proviso = re.sub(r"^non-originating ", "", text.strip()), None
    if re.match(r"^materials of any\b", body, re.I):
        raise _Untranslated("manufacture from materials of any heading with a further condition in prose")
    m = re.match(r"^(.+?),? provided (?:that )?(.+)$", body, re.I)
    if m:
        body, proviso = m.group(1), m.group(2)
    if body.lstrip().startswith("- "):
        parts = [p for p in re.split(r"(?:^|,? (?:or |and )?|; (?:or |and )?)- ", body.strip()) if p.strip()]
        items = []
        for part in (re.sub(r"^(?:or|and) ", "", p.strip().rstrip(",;")) for p in parts):
            items.extend(_listed_materials(part) if re.search(r",\s?or ", part) else [_term(part)])
    else:
        if re.search(r"\bexcept\b|\bother than\b|\bnot classified\b", re.sub(r"\([^()]*\)", "", body), re.I):
            raise _Untranslated("manufacture from named materials with exceptions in prose")
        if re.search(r",\s?or ", body):
            items = _listed_materials(body)
        else:
            items = _items(body)
    node = _Atom(f"FROM({', '.join(items)})")
    if proviso is None:
        return node
    if m := re.match(rf"^their (?:total )?value does not exceed {_N} {_EXW}$", proviso, re.I):
        return _All([node, _Atom(f"NOM({', '.join(items)}, {_pct(m.group(1))})")])
    limit = _value_limit(proviso)
    if limit is None:
        raise _Untranslated("manufacture from named materials with a further condition in prose")
    return _All([node, limit])


# --------------------------------------------------------------------------- processes

# wording (lower case, as the annexes write it) -> process name of engine.processes
_PROCESS_WORDS: dict[str, str] = {w: p.name for p in PROCESSES.values() for w in p.wordings}
# the printing wording's spelling variants in the data ("calendaring", "rasing", "shrink- resistance") -> one
_PRINTING_WITH = re.compile(r"printing,? accompanied by at least two preparatory or finishing operations \(such as "
                            r"scouring, bleaching, merceri[sz]ing, heat setting, ra(?:i)?sing, calend[ae]ring, shrink-? "
                            r"resistance processing, permanent finishing, decati[sz]ing, impregnating, mending and "
                            r"burling\)", re.I)
_PRINTING_NAME = "printing-with-two-preparatory-or-finishing-operations"
_PROCESS_WORDS[_PRINTING_NAME] = _PRINTING_NAME
# alternatives that stay inside one step ("accompanied by dyeing or printing"): single operations on fabric
_FINISHING = {"dyeing", "printing", "coating", "flocking", "laminating", "impregnating", "covering", "metalising",
              "tufting", "weaving", "knitting", "crocheting", "making-up", "twisting", "texturing"}
_PROCESS_SEP = r"(?:,? and/or |,? or (?:by |with )?|, )"


def _process_name(words: str) -> str:
    key = re.sub(r"\s+", " ", words.strip().lower())
    name = _PROCESS_WORDS.get(key)
    if name is None or not is_process(name):
        raise _Untranslated("process not in the controlled vocabulary")
    return name


_STAPLE = re.compile(r"^spinning of natural (?:and/or|or) (?:of )?man-made staple fibres", re.I)


def _alternatives(text: str) -> list[list[str]]:
    """'A, B or C' -> [[A], [B], [C]]; 'spinning of natural or man-made staple fibres' is one unit of two names."""
    if _PROCESS_WORDS.get(text.strip().lower()):
        return [[_process_name(text)]]
    known = sorted(_PROCESS_WORDS, key=len, reverse=True)
    out: list[list[str]] = []
    rest = text.strip()
    while rest:
        if m := _STAPLE.match(rest):
            out.append(["spinning-natural-fibres", "spinning-man-made-staple-fibres"])
            rest = rest[m.end():]
        else:
            for k in known:
                if rest.lower().startswith(k) and (len(rest) == len(k) or re.match(_PROCESS_SEP, rest[len(k):])):
                    out.append([_process_name(k)])
                    rest = rest[len(k):]
                    break
            else:
                raise _Untranslated("process not in the controlled vocabulary")
        sep = re.match(_PROCESS_SEP, rest)
        if rest and not sep:
            raise _Untranslated("process not in the controlled vocabulary")
        rest = rest[sep.end():] if sep else rest
    return out


def _sp(names: list[str]):
    return _any([_Atom(f"SP({n})") for n in names])


_GROUPED = {
    # alternatives whose grouping the operations fix: a spinning cannot be "accompanied by spinning"
    "extrusion of man-made fibres accompanied by spinning or spinning of natural fibres":
        "SP(extrusion-man-made-fibres) & SP(spinning) | SP(spinning-natural-fibres)",
    "extrusion of man-made fibres accompanied, if necessary, by spinning or spinning of natural fibres": None,
    "spinning of natural fibres or extrusion of man-made fibres accompanied by spinning":
        "SP(spinning-natural-fibres) | SP(extrusion-man-made-fibres) & SP(spinning)",
}


def _process(sentence: str):
    """A process wording: steps joined by 'combined with' / 'accompanied by', each a list of alternatives.

    Alternatives are grouped only where the wording fixes the grouping: a first step of several
    alternatives needs "in each case" before the next step; alternatives in a later step must be
    single finishing operations ("accompanied by dyeing or by coating"). Otherwise the wording is
    ambiguous ("A or B accompanied by C") and stays text.
    """
    s = _PRINTING_WITH.sub(_PRINTING_NAME, sentence.strip())
    if s.lower() in _PROCESS_WORDS and " " in s:
        return _Atom(f"SP({_process_name(s)})")
    if s.lower() in _GROUPED:
        if _GROUPED[s.lower()] is None:
            raise _Untranslated("process alternatives whose grouping the wording leaves open")
        return _Atom(_GROUPED[s.lower()])
    proviso = None
    m = re.match(r"^(.+?),? (?:provided (?:that )?|where |the value of which )(the (?:total )?value of .+|does not exceed .+)$",
                 s, re.I)
    if m:
        s, proviso = m.group(1), m.group(2)
        if proviso.startswith("does not exceed"):
            proviso = None if not re.match(r"^(.+) of forged blanks$", s) else f"the value of the forged blanks used {proviso}"
            if proviso is None:
                raise _Untranslated("process with a further condition in prose")
    m = re.match(r"^(.+?) is undergone$", s, re.I)
    if m:
        s = m.group(1)
    steps = re.split(r"(,? in each case,?)? ?,? (?:combined with|accompanied by|preceded by|followed by|"
                     r"in addition to) ", s, flags=re.I)
    texts, each = steps[0::2], steps[1::2]
    parts = []
    for i, step in enumerate(texts):
        alts = _alternatives(step)
        if len(alts) > 1:
            if i == 0 and len(texts) > 1 and not each[0] and not all(len(a) == 1 and a[0] in _FINISHING
                                                                      for a in alts):
                raise _Untranslated("process alternatives whose grouping the wording leaves open")
            if i > 0 and not all(len(a) == 1 and a[0] in _FINISHING for a in alts):
                raise _Untranslated("process alternatives whose grouping the wording leaves open")
        parts.append(_any([_sp(a) for a in alts]))
    node = _all(parts)
    if proviso:
        limit = _value_limit(proviso)
        if limit is None:
            raise _Untranslated("process with a further condition in prose")
        node = _all([node, limit])
    return node


# --------------------------------------------------------------------------- sentences

_MAIN = re.compile(r"^(?:Manufacture|Production|Other operations(?: than those referred to (?:in column(?: \(?3\)?)?|above))?)"
                   r"(?=\b|$| )", re.I)


def _conditions(body: str) -> list[str]:
    """Split a manufacture sentence's conditions: '- a, and - b', 'a, and in which b', 'a; b'."""
    body = re.sub(r"(other than that of the (?:product|good)) (?=the value of)", r"\1; ", body.strip())
    if body.startswith("- ") or " - " in body:
        parts = re.split(r"(?:^|[,;]?\s+(?:and |or )?)- (?=[a-zA-Z])", body)
        parts = [p for p in parts if p.strip()]
        if any(re.match(r"^or\b", p) for p in parts) or re.search(r"[,;] or - ", body):
            raise _Untranslated("conditions joined by 'or' in a list")
        return parts
    parts = re.split(r"[,;]? and (?=in which |where |within the above limit|the value |all the )"
                     r"|(?<!limit)(?<!limits)[;,] (?=in which |where |the value |all the |within the above limit)", body)
    return parts


def _manufacture(sentence: str):
    """'Manufacture ...' / 'Production ...' / 'Other operations in which ...': a conjunction of conditions."""
    body = _MAIN.sub("", sentence, count=1).strip()
    body = re.sub(r"^(?:in which|where):?\s*", "", body, flags=re.I)
    body = re.sub(r"^:\s*", "", body)
    if not body:
        raise _Untranslated("manufacture without a condition")
    if m := re.match(r"^by (thermal or electrolytic|electrolytic or thermal) treatment,? (.+)$", body, re.I):
        rest = m.group(2)
        step = _Atom("SP(electrolytic-or-thermal-treatment)")
        if rest.lower().startswith("from "):
            return _all([step, _from(rest[5:])])
        return _all([step, _manufacture("Manufacture " + rest)])
    if re.match(r"^by ", body, re.I):
        raise _Untranslated("manufacture by a named treatment")
    if body.lower().startswith("from") and not re.match(r"^from:? (?:non-originating )?materials (?:of any|not)",
                                                        body, re.I):
        # 'Manufacture from X, provided ...' and 'from: - a, - b, or - c': one FROM condition
        if not re.search(r",? and (?:- )?(?:in which|where) ", body, re.I):
            return _from(re.sub(r"^from:?\s*", "", body, flags=re.I))
    if re.match(r"^from (?:non-originating )?materials of any heading,? except:? - ", body, re.I):
        return _condition(body)  # the dash list is the exceptions, not conditions
    nodes = []
    for part in _conditions(body):
        head, *later = re.split(r"\. (?=However\b)", part)
        node = _condition(head)
        for sentence in later:
            node = _however(node, sentence)
        nodes.append(node)
    return _all(nodes)


def _permit(ctc: _Ctc, items: list[str]) -> None:
    """'However, X may be used': X is exempt from the change requirement, even where the rule excepted it."""
    ctc.excepts[:] = [e for e in ctc.excepts if e not in items]
    ctc.allows.extend(i for i in items if i not in ctc.allows)


def _however(node, sentence: str):
    """Apply a 'However, ...' sentence to the rule it follows."""
    s = re.sub(r"^However,?\s*", "", sentence, flags=re.I)
    ctcs = _ctcs(node)
    m = re.match(rf"^(?:non-originating )?materials (?:of|classified (?:with)?in) the same (heading|subheading|chapter)"
                 rf"(?: as the {_PRODUCT})?,? may be used,? provided (?:that )?their (?:total )?value does not exceed "
                 rf"{_N} {_EXW}$", s, re.I)
    if m:
        level = m.group(1).lower()
        if len(ctcs) != 1 or ctcs[0].keyword != _CTC_LEVEL[level]:
            raise _Untranslated("'However' permission that does not fit the rule it follows")
        ctcs[0].allows.append(f"@{level}")
        return _all([node, _Atom(f"NOM(@{level}, {_pct(m.group(2))})")])
    m = re.match(rf"^(?:non-originating )?materials of the same description as the {_PRODUCT} may (?:also )?be used,? "
                 rf"provided (?:that )?their (?:total )?value does not exceed {_N} {_EXW}$", s, re.I)
    if m:
        if len(ctcs) != 1 or ctcs[0].keyword != "ANY":
            raise _Untranslated("'However' permission that does not fit the rule it follows")
        return _all([node, _Atom(f'NOM("materials of the same description as the product", {_pct(m.group(1))})')])
    m = re.match(rf"^(.+?) may (?:also )?be used,? provided (?:that )?their (?:total )?value does not exceed {_N} {_EXW}$",
                 s, re.I)
    if m and m.group(1).lower() == "these materials":
        # 'except: - a, - b and - c. However, these materials may be used, provided ... 20%'
        if len(ctcs) != 1 or ctcs[0].keyword != "ANY" or not ctcs[0].excepts:
            raise _Untranslated("'However' permission that does not fit the rule it follows")
        items, ctcs[0].excepts[:] = list(ctcs[0].excepts), []
        return _all([node, _Atom(f"NOM({', '.join(items)}, {_pct(m.group(2))})")])
    if m:
        items = _items(re.sub(r"^non-originating ", "", m.group(1)))
        if len(ctcs) == 1 and ctcs[0].keyword == "ANY" and all(i in ctcs[0].excepts for i in items):
            # 'any heading, except 3203, 3204 and 3205. However, materials of 3205 may be used, provided ... 20%'
            ctcs[0].excepts[:] = [e for e in ctcs[0].excepts if e not in items]
            return _all([node, _Atom(f"NOM({', '.join(items)}, {_pct(m.group(2))})")])
        if len(ctcs) != 1 or ctcs[0].keyword == "ANY":
            raise _Untranslated("'However' permission that does not fit the rule it follows")
        _permit(ctcs[0], items)
        return _all([node, _Atom(f"NOM({', '.join(items)}, {_pct(m.group(2))})")])
    m = re.match(r"^(.+?) may not be used$", s, re.I)
    if m:
        if len(ctcs) != 1 or ctcs[0].keyword == "ANY":
            raise _Untranslated("'However' prohibition that does not fit the rule it follows")
        ctcs[0].excepts.extend(_items(re.sub(r"^non-originating ", "", m.group(1))))
        return node
    m = re.match(r"^(.+?) may (?:also )?be used$", s, re.I)
    if m:
        if len(ctcs) != 1 or ctcs[0].keyword == "ANY":
            raise _Untranslated("'However' permission that does not fit the rule it follows")
        _permit(ctcs[0], _items(re.sub(r"^non-originating ", "", m.group(1))))
        return node
    if limit := _value_limit(s):
        return _all([node, limit])
    raise _Untranslated("'However' clause not in a translated form")


# UK Trade Tariff's own phrasings (EU-UK TCA style, CPTPP, UK-Japan)
_CTC_TAG = re.compile(r"^(CC|CTH|CTSH): All non-originating materials used in the production of the good have "
                      r"undergone a change in tariff classification at the (\d)-digit level \((chapter|tariff heading|"
                      r"heading|tariff subheading|subheading)\)(?: except from (.+?))?$")
_CHANGE = re.compile(r"^(?:A )?change (?:to (.+?) )?from any other (chapter|heading|subheading)(?:,? except from (.+?))?$",
                     re.I)
_RVC_EITHER = re.compile(rf"^The good has a Regional Value Content \(RVC\) as calculated under Article \d+ of the Origin "
                         rf"Reference Document of not less than {_N}, whether using the build-up method or build-down "
                         r"method \(RVC ?(\d+(?:\.\d+)?)\)$")
_RVC_FOB = re.compile(rf"^Your goods contain a Regional Value Content \(RVC\) of at least {_N} of the Free on Board "
                      r"\(FOB\) cost of the goods$")
_MAXNOM = [re.compile(rf"^A maximum of {_N} of the ex-works price \(EXW\) is made up of non-originating parts "
                      r"\(MAXNOM\)$", re.I),
           re.compile(rf"^The maximum value of non-originating materials \(MaxNOM\) cannot exceed {_N} {_EXW}$", re.I)]
_WO = re.compile(r"^(?:All goods must be wholly obtained|The goods? (?:is|are|must be) wholly obtained|Wholly obtained)$",
                 re.I)
_WO_OF = re.compile(r"^All (?:the )?(.+?)(?: used)? (?:shall be|must be|are|is) wholly obtained$", re.I)
_DATED = re.compile(r"\((?:\d+(?:st|nd|rd|th)? \w+ \d{4} (?:to|-) \d+(?:st|nd|rd|th)? \w+ \d{4}|\d+(?:st|nd|rd|th)? "
                    r"\w+ \d{4} onwards)\)", re.I)


# CPTPP Annex 4-A (Article 3.5 of the chapter): the RVC methods a rule may name; the rule syntax has two
_RVC_METHODS = {"build-up": "build-up", "build-down": "build-down"}
_RVC_ITEM = re.compile(r"^(?:- ?\(?[a-e]\)\s*)?(\d+(?:\.\d+)?)\s?% under the (build-up|build-down|net cost|focused value) "
                       r"method(?: taking into account only the non-originating materials of .+?)?[.;]?$", re.I)
_RVC_PROVISO = re.compile(r"^(?:there is|the good has) a regional value content of not less than:? (.+)$", re.I)
_CUT_AND_SEWN = re.compile(r"^the (?:product|good) is (?:both cut \(or knit to shape\) ?and|cut or knit to shape, or "
                           r"both, and) sewn or otherwise assembled in the territory of (?:a|one or more of the) "
                           r"Part(?:y|ies)$", re.I)


def _rvc_list(body: str):
    """'- a) 35% under the build-up method; or - b) 45% under the build-down method': alternatives."""
    items = [i for i in re.split(r"[.;,]?\s+(?:or\s+)?(?=- ?\(?[a-e]\))", body.strip()) if i.strip()]
    nodes = []
    for item in items:
        m = _RVC_ITEM.match(item.strip())
        if not m:
            raise _Untranslated("regional value content wording not in a translated form")
        method = m.group(2).lower()
        if method == "focused value":
            raise _Untranslated("regional value content under the focused value method")
        if method == "net cost":
            raise _Untranslated("regional value content under the net cost method (not in the rule syntax)")
        nodes.append(_Atom(f"RVC({_pct(m.group(1))}, {_RVC_METHODS[method]})"))
    return _any(nodes)


def _proviso(text: str):
    """A CPTPP 'provided (that) ...' condition: an RVC list, cut-and-sewn, or a process of the vocabulary."""
    t = text.strip().rstrip(".;")
    if m := _RVC_PROVISO.match(t):
        return _rvc_list(m.group(1))
    if _CUT_AND_SEWN.match(t):
        return _Atom("SP(cut-or-knit-to-shape-and-assembled)")
    if name := _PROCESS_WORDS.get(t.lower()):
        return _Atom(f"SP({name})")
    raise _Untranslated("change of classification with a condition in prose")


def _goods(text: str) -> list[str]:
    """The goods a CPTPP rule names ('a good of heading 6101 to heading 6109') as codes; prose is refused."""
    codes = _code_items(re.sub(r"^(?:a good of |an? |goods? of )", "", text))
    if not codes:
        raise _Untranslated("change of classification for goods described in prose")
    return codes


_NO_CHANGE = re.compile(r"^No change in tariff classification (?:is )?required for (.+?),? provided (?:that )?(.+)$", re.I)
_CHANGE_PROVIDED = re.compile(r"^(?:A )?change (?:to (.+?) )?from any other (chapter|heading|subheading)(?:,? except from "
                              r"(.+?))?,? provided (?:that )?(.+)$", re.I)


def _tariff_phrase(s: str):
    """The UK tariff's standard sentences; None when the sentence is not one of them."""
    parts = re.split(r" and (?=A maximum|Your goods|The maximum value)", s)
    if len(parts) > 1:
        nodes = [_tariff_phrase(p) for p in parts]
        if all(nodes):
            return _all(nodes)
        return None
    if m := _CTC_TAG.match(s):
        keyword, digits, word = m.group(1), m.group(2), m.group(3).replace("tariff ", "")
        if {"2": "CC", "4": "CTH", "6": "CTSH"}.get(digits) != keyword or _CTC_LEVEL[word] != keyword:
            raise _Untranslated("change of classification whose level words disagree")
        return _Ctc(keyword, _except_items(m.group(4)) if m.group(4) else [], [])
    if re.match(r"^(?:A )?change (?:to .+? )?from within (?:this|any one of these) (heading|subheading)s? or (?:from )?any "
                r"other \1$", s, re.I):
        return _Ctc("ANY", [], [])
    if m := re.match(r"^(.+?)[,;]? provided that the (?:product|good) is both cut \(or knit to shape\) ?and sewn or otherwise "
                     r"assembled in the territory of (?:a|one or more of the) Part(?:y|ies)$", s, re.I):
        head = _tariff_phrase(m.group(1))
        if head is None:
            return None
        return _all([head, _Atom("SP(cut-or-knit-to-shape-and-assembled)")])
    if m := _NO_CHANGE.match(s):
        # CPTPP: 'No change in tariff classification required for a good of heading 8504, provided there is a
        # regional value content of not less than: - a) 30% under the build-up method; or - b) 40% under ...'
        _goods(m.group(1))
        return _all([_Ctc("ANY", [], []), _proviso(m.group(2))])
    if m := _CHANGE_PROVIDED.match(s):
        if m.group(1):
            _goods(m.group(1))
        return _all([_Ctc(_CTC_LEVEL[m.group(2).lower()], _except_items(m.group(3)) if m.group(3) else [], []),
                     _proviso(m.group(4))])
    if m := _CHANGE.match(s):
        if m.group(1):
            _goods(m.group(1))
        keyword = _CTC_LEVEL[m.group(2).lower()]
        return _Ctc(keyword, _except_items(m.group(3)) if m.group(3) else [], [])
    if m := _RVC_EITHER.match(s):
        if _pct(m.group(1)) != _pct(m.group(2)):
            raise _Untranslated("regional value content whose figures disagree")
        n = _pct(m.group(1))
        return _Any([_Atom(f"RVC({n}, build-down)"), _Atom(f"RVC({n}, build-up)")])
    if m := _RVC_FOB.match(s):
        return _Atom(f"RVC({_pct(m.group(1))})")
    for p in _MAXNOM:
        if m := p.match(s):
            return _Atom(f"MaxNOM({_pct(m.group(1))})")
    if _WO.match(s):
        return _Atom("WO")
    if m := _WO_OF.match(s):
        return _Atom(f"WO({', '.join(_items(m.group(1)))})")
    return None


def _sentence(s: str):
    if node := _tariff_phrase(s):
        return node
    if re.match(r"^(?:(?:A )?change\b|(?:CC|CTH|CTSH):)", s, re.I):
        raise _Untranslated("change of classification with a condition in prose")
    if _MAIN.match(s):
        return _manufacture(s)
    return _process(s)


def _sentences(text: str) -> list[str]:
    return [p for p in re.split(r"(?<=[a-z0-9)%])\. (?=[A-Z])", text) if p.strip()]


def _compile(plain: str) -> tuple[object, list[str]]:
    text, notes = _normalise(plain)
    if not text:
        raise _Untranslated("empty rule text")
    if _DATED.search(text):
        raise _Untranslated("rule valid for a period stated in the text")
    if re.search(r"\bQVC\b|qualifying value content", text, re.I):
        raise _Untranslated("qualifying value content (QVC) on an ex-works basis")
    if re.search(r"transaction value or ex-works price", text, re.I):
        raise _Untranslated("value limit on 'the transaction value or ex-works price' (no single basis in the rule syntax)")
    if re.search(r"focused value method", text, re.I):
        raise _Untranslated("regional value content under the focused value method")
    if re.search(r"\bset\b.*rule which would apply", text, re.I):
        raise _Untranslated("rule for sets")
    if text == "Specific process(es)" and notes == ["refers to Introductory Note 9 (not evaluated)"]:
        return _Atom("SP(specific-process-chemical-note-9)"), notes
    alternatives = re.split(r",? (?:or|and/or) (?=(?:[Mm]anufacture|Production|Other operations|Making-up|Weaving|Knitting|Spinning|"
                            r"Extrusion|Printing|Flocking|Twisting|Dyeing|Yarn dyeing)\b)", text)
    nodes = []
    for alt in alternatives:
        if (name := _PROCESS_WORDS.get(alt.lower())) and ". " in alt:
            nodes.append(_Atom(f"SP({name})"))  # a process the annex defines in several sentences (bluefin tuna farming)
            continue
        sentences = _sentences(alt)
        while len(sentences) > 1 and re.match(r"^However\b.*(?:[,;] | )(?:and )?- ", sentences[1]):
            sentences[:2] = [f"{sentences[0]}. {sentences[1]}"]  # 'However' inside a '- a, and - b' list
        node = _sentence(sentences[0])
        for s in sentences[1:]:
            if re.match(r"^However\b", s, re.I):
                node = _however(node, s)
            elif re.match(r"^The materials of this description may also be used", s, re.I):
                raise _Untranslated("permission referring to 'this description'")
            else:
                raise _Untranslated("further sentence not in a translated form")
        nodes.append(node)
    if "A change to" in text or re.search(r"\bNo change in tariff classification (?:is )?required for", text):
        notes.append("the rule names the goods it is listed for; taken as the rule set's own scope")
    if re.search(r"RVC\(\d+(?:\.\d+)?\)", _any(nodes).render()):
        notes.append("regional value content method not named in the wording: the instrument's default applies")
    return _any(nodes), notes


# compact annex notation of official tables (ASEAN, AANZFTA, RCEP): 'CTH', 'RVC40 or CTSH', 'CC except from Chapter 50'
_COMPACT_KEYWORD = r"(?:(?:WO|CTSH|CTH|CC)\b|RVC)"
_COMPACT_TOKEN = re.compile(
    r"\s*(?:(?P<ctc>CTSH|CTH|CC)\b(?:,?\s+except\s+(?:from\s+)?(?P<exc>.+?)(?=\s+(?:or|and)\s+\(?" + _COMPACT_KEYWORD
    + r"|\s*\)|\s*$))?|(?P<wo>WO)\b|RVC\s?(?:\(\s?(?P<rvcp>\d+(?:\.\d+)?)\s?%?\s?\)|(?P<rvc>\d+(?:\.\d+)?)\s?%?)|(?P<op>or|and)\b|(?P<paren>[()]))", re.I)


def _compact(plain: str) -> str | None:
    """The compact notation as rule syntax ('and' binding tighter than 'or', as in the annexes), or None when
    the cell is not written wholly in it; an exception that is not a list of codes is refused."""
    out, pos, text = [], 0, plain.strip().rstrip(".")
    while pos < len(text):
        m = _COMPACT_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return None
        pos = m.end()
        if m.group("ctc"):
            item = m.group("ctc").upper()
            if m.group("exc"):
                codes = _code_items(m.group("exc").strip())
                if not codes:
                    raise _Untranslated("compact annex notation with an exception that is not a list of codes")
                item += " except " + ", ".join(codes)
            out.append(item)
        elif m.group("wo"):
            out.append("WO")
        elif m.group("rvc") or m.group("rvcp"):
            out.append(f"RVC({_pct(m.group('rvc') or m.group('rvcp'))})")
        elif m.group("op"):
            out.append("|" if m.group("op").lower() == "or" else "&")
        else:
            out.append(m.group("paren"))
    return " ".join(out).replace("( ", "(").replace(" )", ")") if out else None


def compile_text(text: str) -> Compiled:
    """One wording (markdown) to canonical rule syntax, or the reason it stays text."""
    plain = plain_text(text)
    if not plain:
        return Compiled(None, "empty rule text")
    try:
        compact = _compact(plain)
    except _Untranslated as exc:
        return Compiled(None, exc.reason)
    if compact is not None:
        from engine.criteria import RuleSyntaxError, parse_rule, render_rule

        try:
            rule = render_rule(parse_rule(compact))
        except (RuleSyntaxError, ValueError):
            return Compiled(None, "compact annex notation that does not form a rule")
        notes = ("regional value content method not named in the wording: the instrument's default applies",) \
            if re.search(r"RVC\(\d+(?:\.\d+)?\)", rule) else ()
        return _verified(rule, notes)
    try:
        node, notes = _compile(plain)
    except _Untranslated as exc:
        return Compiled(None, exc.reason)
    return _verified(node.render(), tuple(notes))


def _verified(rule: str, notes: tuple[str, ...]) -> Compiled:
    """Every rule handed out parses and is canonical; a rule that does not is a compiler bug, shown as such."""
    from engine.criteria import RuleSyntaxError, parse_rule, render_rule

    try:
        canonical = render_rule(parse_rule(rule))
    except (RuleSyntaxError, ValueError) as exc:
        return Compiled(None, f"compiler output does not parse: {exc}", notes)
    if canonical != rule:
        return Compiled(None, f"compiler output is not canonical: {rule!r} renders as {canonical!r}", notes)
    return Compiled(rule, None, notes)


# --------------------------------------------------------------------------- rule sets

_PART = re.compile(r"^- ?\(?([a-z])\)")
_BENEFICIARY = re.compile(r"^\(?[ab]\)? (?:LDCs|Other beneficiary countries)\b", re.I)


def _joined(rules: Sequence[RuleText]) -> list[tuple[str, str | None]] | None:
    """Rules with continuations rejoined: '- a) ... - b) ...' parts and 'However, ...' sentences.

    Returns (plain text, operator before it) per remaining rule, or None if parts cannot be rejoined.
    """
    out: list[tuple[str, str | None]] = []
    for r in rules:
        plain = plain_text(r.text)
        if out and (_PART.match(plain) or re.match(r"^However\b", plain)):
            prev, op = out[-1]
            if _PART.match(plain):
                letter = _PART.match(plain).group(1)
                letters = re.findall(r"(?:^|\s)- ?\(?([a-z])\)", prev)
                if not letters or ord(letter) != ord(letters[-1]) + 1:
                    return None
            out[-1] = (f"{prev.rstrip()} {plain}", op)
            continue
        out.append((plain, r.operator))
    return out


_LISTED = ("rules listed without an operator: taken as alternatives, as the publisher's origin wizard offers each "
           "rule of a rule set as one way to qualify")


_TARGET = re.compile(r"^(?:(?:A )?change to (.+?) from|No change in tariff classification (?:is )?required for (.+?),? "
                     r"provided)", re.I)


def _target(text: str) -> str:
    """The goods a rule names, one spelling: its codes ('6101-6109'), or the prose as written."""
    codes = _code_items(re.sub(r"^(?:a good of |an? |goods? of )", "", text.strip()))
    return ", ".join(codes) if codes else text.strip()


def _interval(item: str) -> tuple[str, str]:
    lo, _, hi = item.partition("-")
    return lo.ljust(6, "0"), (hi or lo).ljust(6, "9")


def _covers(target: str, scope: str) -> bool:
    """Do the goods a rule names ('6101-6109', '841829-841840') cover every code of the scope ('6109', '0301-0303')?"""
    if not re.fullmatch(r"\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*", target):
        return False
    lo, hi = _interval(scope.replace(".", "").replace(" ", ""))
    return any(t_lo <= lo and hi <= t_hi for t_lo, t_hi in map(_interval, target.split(", ")))


def compile_rule_set(rules: Sequence[RuleText], scope: str | None = None) -> Compiled:
    """A rule set's rules, combined as the source combines them (see the module docstring).

    ``scope`` (optional: the codes the annex line is listed for, ``6101-6109``, ``8504``) is checked against
    the goods a CPTPP-style rule names ("A change to a good of heading 6101 to heading 6109 ..."): a rule
    naming goods that do not cover the scope stays text.
    """
    if not rules:
        return Compiled(None, "rule set without rules")
    if all(not plain_text(r.text) for r in rules):
        return Compiled(None, HEADING_LABEL)
    if any(_BENEFICIARY.match(plain_text(r.text)) for r in rules):
        return Compiled(None, "rules that differ by beneficiary group (LDCs / other beneficiary countries)")
    joined = _joined(rules)
    if joined is None:
        return Compiled(None, "parts of a multi-part rule split over several entries that cannot be rejoined")
    later = [op for _, op in joined[1:]]
    if any(op == "and" for op in later):
        combine = "and" if all(op == "and" for op in later) else None
    elif not later or all(op == "or" for op in later) or (later[-1] == "or" and set(later[:-1]) <= {None}):
        combine = "or"
    elif set(later) == {None}:
        combine = "listed"
    else:
        combine = None
    if combine is None:
        return Compiled(None, "rules listed without an operator between them")
    compiled = [compile_text(t) for t, _ in joined]
    failed = next((c for c in compiled if c.rule is None), None)
    if failed:
        return Compiled(None, failed.reason, failed.notes)
    targets = {_target(m.group(1) or m.group(2)) for t, _ in joined if (m := _TARGET.match(t))}
    if len(targets) > 1:
        return Compiled(None, "alternatives for different goods of the rule set")
    if scope and targets and not _covers(next(iter(targets)), scope):
        return Compiled(None, "the rule names goods that do not cover the annex line it is listed for")
    notes = tuple(dict.fromkeys(n for c in compiled for n in c.notes))
    if len(compiled) == 1:
        return compiled[0]
    if combine == "listed":
        notes += (_LISTED,)
        combine = "or"
    if combine == "or":
        rule = " | ".join(c.rule for c in compiled)
    else:
        rule = " & ".join(f"({c.rule})" if "|" in c.rule else c.rule for c in compiled)
    return _verified(rule, notes)


# --------------------------------------------------------------------------- measuring


def rule_sets_in(directory: Path):
    """(scheme, rules) of every rule set in a directory of ``{"rule_sets": [...]}`` files (UK or OTT layout)."""
    import json

    for path in sorted(directory.glob("*.json")):
        for raw in json.loads(path.read_text(encoding="utf-8-sig")).get("rule_sets", []):
            yield path.stem, [RuleText(r.get("rule") or "", r.get("operator"), tuple(r.get("class") or []))
                              for r in raw.get("rules", [])]


def measure(directory: Path) -> tuple[int, int, int, Counter, Counter]:
    """(rule sets, heading labels, machine-evaluable, reasons, untranslated single wordings) for a directory."""
    total = labels = ok = 0
    reasons: Counter = Counter()
    wordings: Counter = Counter()
    for _, rules in rule_sets_in(directory):
        c = compile_rule_set(rules)
        if c.reason == HEADING_LABEL:
            labels += 1
            continue
        total += 1
        if c.rule:
            ok += 1
            continue
        reasons[c.reason] += 1
        for r in rules:
            one = compile_text(r.text)
            if one.rule is None:
                wordings[(one.reason, plain_text(r.text)[:160])] += 1
    return total, labels, ok, reasons, wordings


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "STATS":
        print("usage: python -m seeds.formats.rule_text STATS DIR [DIR ...]", file=sys.stderr)
        return 2
    top = 25
    for d in argv[1:]:
        total, labels, ok, reasons, wordings = measure(Path(d))
        print(f"{d}: {ok}/{total} rule sets machine-evaluable ({100 * ok / max(total, 1):.2f}%); "
              f"{labels} heading labels not counted")
        for reason, n in reasons.most_common(top):
            print(f"  {n:6d}  {reason}")
        print("  top untranslated wordings:")
        for (reason, text), n in wordings.most_common(top):
            print(f"  {n:6d}  [{reason}] {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
