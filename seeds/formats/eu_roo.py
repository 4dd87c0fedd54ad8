"""The EU-side (XI) rules-of-origin data of the UK Trade Tariff: the rules the EU applies to goods
from its partners, as the tariff publishes them for Northern Ireland (``trade-tariff/ott-prototype``,
``app/data/roo/xi``; see ``../shared/eval-data/PROVENANCE.md``).

Layout read (one directory), the UK layout of ``seeds.formats.uk_roo`` under other names:

- ``roo_schemes_xi.json``: ``{"schemes": [{"scheme_code", "title", "countries": [...], "links",
  "adopted_by_uk", "notes", ...}]}``. This file gives **no validity dates, cumulation lists or
  proofs**; where a later copy does (``validity_start_date``, ``cumulation_methods``, ``proofs``)
  they are read as in the UK file.
- ``psr_new/<scheme_code>.json``: ``{"rule_sets": [...]}``, the rule sets of the UK files (their
  rules without quota, import, export or footnotes).

Known defects of the data, kept deliberately: rule sets whose ``min``/``max`` are a heading list
written into a code (``"7108and7110"``, ``"210310,210320,210390"``, ``"350220–3504"``) are read with
a ``defect`` and reported as skipped, not as a file error (a ``min`` that is no string, or missing,
still is one), and so is the one rule set with an empty heading (tunisia, range 0000000000-9999999999,
which would cover every code); rule sets whose only rule is empty are heading labels whose ``ex`` entries
carry the rules (``rule_text.HEADING_LABEL``, counted apart); two rule-set files (``oct``, ``united_kingdom``) have no
scheme in the schemes file.

**HS edition.** The ``min``/``max`` ranges follow each annex's own heading labels, so they are in
the HS edition of that agreement's annex (EU-Japan EPA Annex 3-B: HS2017; the PEM-convention and
older association agreements write headings deleted long ago, such as 8524 "records, tapes",
which HS2022 reuses for flat-panel modules). The import attaches every scheme's rule sets to the
codes of one edition, ``DEFAULT_HS_VERSION`` (HS2017) unless told otherwise: the edition of the
largest recent annex, and one in which a heading that HS2022 reused finds no code (the rule set is
reported as skipped) instead of the wrong product.
"""

from __future__ import annotations

from pathlib import Path

from seeds.formats.uk_roo import RooData, read_roo_layout

SCHEMES_FILE = "roo_schemes_xi.json"
RULE_SETS_DIR = "psr_new"
DEFAULT_HS_VERSION = "HS2017"


def read_eu_roo(directory: Path, display: str | None = None) -> RooData:
    """Read ``roo_schemes_xi.json`` and every ``psr_new/*.json`` under ``directory``."""
    return read_roo_layout(directory, SCHEMES_FILE, RULE_SETS_DIR,
                           "the trade-tariff ott-prototype app/data/roo/xi layout", display, ranges_may_be_text=True)
