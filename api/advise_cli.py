"""``origingraph advise``: what it would take for a BOM to originate under one instrument.

Prints the failing parts of the rule with what each needs, then the suggestions, least value moved
first; ``--json`` prints the ``POST /v1/origin/advice`` answer, ``--write FILE`` saves the first
suggestion's changed BOM document (``.json`` or ``.yaml``) to evaluate or edit further.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from api.arguments import country, iso_date

if TYPE_CHECKING:
    from engine.bom_input import BomDocument
    from engine.models import Shipment
    from graph.advice import AdviceReport


def _shipment(document: BomDocument, args: argparse.Namespace) -> Shipment:
    """The file's shipment with any of --exporter / --importer / --date put over it."""
    from engine.models import Shipment
    from graph.errors import NotFound

    flags = {k: v for k, v in (("exporter", args.exporter), ("importer", args.importer), ("date", args.date)) if v}
    if document.shipment is None and len(flags) < 3:
        raise NotFound(f"{args.bom} has no shipment: give --exporter, --importer and --date", "shipment")
    base = document.shipment.model_dump() if document.shipment else {}
    return Shipment(**{**base, **flags})


def print_advice(report: AdviceReport) -> None:
    print(f"{report.sku} under {report.instrument}: {report.exporter} -> {report.importer} on {report.date}"
          + (f", rule {report.rule}" if report.rule else ""))
    print(f"  {report.status.replace('_', ' ')}: {report.reason}")
    if report.provisional:
        print(f"  PROVISIONAL: {report.provisional_reason}")
    for gap in report.gaps:
        need = f"{gap.amount} {gap.unit} must become originating" if gap.amount is not None else "not met"
        print(f"  [{gap.text}] {need}: {gap.reason}")
        if gap.blocking:
            print(f"      blocking: {', '.join(gap.blocking)}")
        if gap.tolerance_limit is not None:
            covered = ', '.join(gap.tolerance_would_cover) or 'none of them'
            print(f"      tolerance {gap.tolerance_limit} {gap.unit} (used {gap.tolerance_used}) could cover: "
                  f"{covered}")
    for s in report.suggestions:
        print(f"  {s.rank}. move {s.value_moved} {s.currency} in {len(s.changes)} change(s): originates by "
              f"{s.passed_by} (RVC build-down {s.rvc_build_down_pct}%, MaxNOM {s.nom_pct}% of ex-works)")
        for c in s.changes:
            print(f"       - {c.description}")
    if report.dropped:
        print(f"  ! {report.dropped} suggestion(s) did not verify as documents and were left out")


def document_file(text: str) -> Path:
    """A ``--write`` target: a BOM document file the commands read back (argparse type)."""
    path = Path(text)
    if path.suffix.lower() not in (".json", ".yaml", ".yml"):
        raise argparse.ArgumentTypeError(f"expected a .json, .yaml or .yml file, got {text!r}")
    return path


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _write(path: Path, document: dict) -> None:
    import json

    import yaml

    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


def cmd_advise(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.advice import advise_shipment
    from graph.origin import read_bom
    from graph.store import open_store

    with open_store() as store:
        document = read_bom(store, args.bom)
        report = advise_shipment(store, document.product, _shipment(document, args), args.instrument, args.limit)
    if args.write is not None and report.suggestions:
        _write(args.write, report.suggestions[0].bom)
    if args.json:
        print(as_json(report))
    else:
        print_advice(report)
        if args.write is not None:
            print(f"  first suggestion's BOM written to {args.write}" if report.suggestions else
                  f"  nothing written to {args.write}: no suggestion")
    return 0


def add_parser(sub) -> None:
    adv = sub.add_parser("advise", help="what it would take for a BOM to originate under an instrument",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    adv.add_argument("bom", type=Path, help="BOM file: .yaml, .json or a flat ERP .csv")
    adv.add_argument("--instrument", required=True, help="the instrument to originate under, e.g. AANZFTA-P2")
    adv.add_argument("--exporter", type=country, help="overrides the file's shipment")
    adv.add_argument("--importer", type=country)
    adv.add_argument("--date", type=iso_date, help="YYYY-MM-DD")
    adv.add_argument("--limit", type=positive, default=5, help="at most this many suggestions (default 5)")
    adv.add_argument("--write", type=document_file, metavar="FILE", help="save the first suggestion's BOM (.json/.yaml)")
    adv.add_argument("--json", action="store_true", help="print JSON (the POST /v1/origin/advice response)")
    adv.set_defaults(run=cmd_advise)
