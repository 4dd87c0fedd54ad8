"""``origingraph compare``: the candidate flag syntax, the command, and its table.

``--candidate`` takes comma-separated ``key=value`` pairs (repeat the flag per candidate):

=================  ============================================================================
``importer``       required, ISO country code
``date``           required, ``YYYY-MM-DD``
``producer``       country where the product is made (default: the BOM's producer)
``exporter``       exporting country (default: the producer)
``via``            transit countries in order, joined by ``+`` (``via=SG`` or ``via=SG+HK``): under
                   customs control, unloading and reloading only
``value``          customs value (default: the product's FOB), in the product's currency
``invoice``        invoice value, for proofs with value limits
``line``           national tariff line (8-10 digits) when measures differ below the HS subheading
``declared``       instruments the goods are declared originating under, joined by ``+``
                   (``declared=USMCA``): used only for overlays exempting such goods
``label``          a name for the candidate in the table
=================  ============================================================================
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.compare import Candidate, CompareResult

_KEYS = {"importer", "date", "producer", "exporter", "via", "value", "invoice", "line", "declared", "label"}
_FIELDS = {"value": "customs_value", "invoice": "invoice_value", "line": "national_line",
           "declared": "originating_under"}


def parse_candidate(text: str) -> Candidate:
    """``producer=MY,importer=AU,date=2025-06-02,via=SG`` -> :class:`Candidate` (argparse type)."""
    from pydantic import ValidationError

    from graph.compare import Candidate

    values: dict[str, object] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or key not in _KEYS:
            raise argparse.ArgumentTypeError(
                f"{part!r} in --candidate {text!r}: expected key=value with key one of {', '.join(sorted(_KEYS))}")
        if key in values:
            raise argparse.ArgumentTypeError(f"--candidate {text!r} gives {key} twice")
        if key in ("via", "declared"):
            values[_FIELDS.get(key, key)] = tuple(v.strip().upper() for v in value.split("+") if v.strip())
        elif key in ("importer", "producer", "exporter"):
            values[key] = value.upper()
        else:
            values[_FIELDS.get(key, key)] = value
    try:
        return Candidate(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'candidate'}: {e['msg']}" for e in exc.errors())
        raise argparse.ArgumentTypeError(f"--candidate {text!r}: {problems}") from None


def print_compare(result: CompareResult) -> None:
    print(f"{result.sku} ({result.hs_version} {result.hs}): {len(result.candidates)} candidate(s), "
          f"{len(result.rows)} row(s), best first")
    for r in result.rows:
        rate = "?" if r.landed_rate is None else f"{r.landed_rate.normalize():f}%"
        amount = "?" if r.landed_amount is None else f"{r.landed_amount} {r.currency}"
        saving = "" if r.savings_vs_mfn is None else f", saves {r.savings_vs_mfn} vs MFN"
        flag = "" if r.complete else "  [incomplete: a rate is not seeded]"
        print(f"{r.rank:>3}. {r.label:<34} {r.instrument or 'MFN':<12} {r.status:<15} {rate:>7} = {amount}{saving}{flag}")
        for layer in r.layers:
            print(f"       {layer}")
        for need in r.requirements:
            print(f"       needs: {need}")
        if r.status in ("not_originating", "undetermined"):
            print(f"       {r.reason}")


def cmd_compare(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.compare import CompareRequest, compare_shipments
    from graph.errors import NotFound
    from graph.origin import read_bom
    from graph.store import open_store

    if not args.candidate:
        raise NotFound("give at least one --candidate 'importer=..,date=..[,producer=..,via=..]'", "candidate")
    with open_store() as store:
        document = read_bom(store, args.bom)
        result = compare_shipments(store, CompareRequest(product=document.product, candidates=tuple(args.candidate)))
    if args.json:
        print(as_json(result))
    else:
        print_compare(result)
    return 0


def add_parser(sub) -> None:
    cmp = sub.add_parser("compare", help="compare candidate shipments: origin, landed duty with overlays, ranked",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmp.add_argument("bom", type=Path, help="BOM file: .yaml, .json or a flat ERP .csv")
    cmp.add_argument("--candidate", type=parse_candidate, action="append", default=[],
                     help="importer=AU,date=2025-06-02[,producer=MY][,via=SG+HK][,value=..][,declared=USMCA]")
    cmp.add_argument("--json", action="store_true", help="print JSON (the POST /v1/shipments/compare response)")
    cmp.set_defaults(run=cmd_compare)
