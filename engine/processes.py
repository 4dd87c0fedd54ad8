"""The controlled vocabulary of specific processes a rule may require (``SP(name)``).

Annexes name processes in prose ("weaving", "a chemical reaction", "printing accompanied by at least
two preparatory or finishing operations"); the rule-text compiler maps each wording it knows to one
name here, and a BOM declares which of these processes were carried out where. A name that is not
in this vocabulary is a rule syntax error, so a typo can never make a rule unreachable.
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

__all__ = ["PROCESSES", "Process", "is_process"]


class Process(BaseModel):
    """One named process: ``definition`` is the annex's own wording (or its introductory note's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    definition: str
    source: str


def _vocabulary(*entries: tuple[str, str, str]) -> MappingProxyType:
    return MappingProxyType({name: Process(name=name, definition=d, source=s) for name, d, s in entries})


_EU_LIST = "EU-style list rules (e.g. EU-Japan EPA Annex 3-B; UK Trade Tariff rules-of-origin data)"
_CHEM = ("Introductory notes on chemical rules (e.g. EU-Japan EPA Annex 3-A Note 5; UK-Japan CEPA "
         "Annex 3A)")

PROCESSES = _vocabulary(
    ("cut-or-knit-to-shape-and-assembled",
     "the good is cut or knit to shape and sewn or otherwise assembled in the territory of one or more "
     "of the parties", "AANZFTA Annex 2, Chapter 61-62 rules"),
    ("textile-dyeing", "dyeing of textile materials", _EU_LIST),
    ("spinning", "spinning of fibres into yarn", _EU_LIST),
    ("weaving", "weaving of yarn into fabric", _EU_LIST),
    ("knitting", "knitting or crocheting of yarn into fabric or knit-to-shape articles", _EU_LIST),
    ("dyeing", "dyeing (of yarn, fabric or articles)", _EU_LIST),
    ("printing", "printing of fabric", _EU_LIST),
    ("chemical-reaction",
     "a process (including a biochemical process) which results in a molecule with a new structure by "
     "breaking intramolecular bonds and by forming new intramolecular bonds, or by altering the spatial "
     "arrangement of atoms in a molecule", _CHEM),
)


def is_process(name: str) -> bool:
    """Is ``name`` a process of the vocabulary?"""
    return name in PROCESSES
