"""``origingraph import ...``: importers for public data formats (parsers in ``seeds.formats``,
writers in ``graph.imports``). Each import checks its whole input first, then writes in one
transaction; a progress bar goes to stderr and the summary to stdout."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.imports import ImportSummary


def _version(text: str) -> str:
    from seeds.formats import version_code

    code = version_code(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"expected an HS edition such as HS2022, got {text!r}")
    return code


def _print(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        print(json.dumps(asdict(summary), indent=2))
    else:
        print("\n".join(summary.lines()))


def cmd_import(args: argparse.Namespace) -> int:
    from graph.imports import import_correlation, import_hs_list, import_uk_roo, import_wto_rta
    from graph.store import open_store

    progress = not args.no_progress and sys.stderr.isatty()
    if args.format == "unsd-correlation":
        from seeds.formats.unsd import read_correlation

        if bool(args.from_version) != bool(args.to_version):
            raise SystemExit("origingraph import unsd-correlation: --from and --to go together")
        parsed = read_correlation(args.file, args.from_version, args.to_version)
        run = lambda store: import_correlation(store, parsed, progress)  # noqa: E731
    elif args.format == "hs-list":
        from seeds.formats.hs_lists import read_hs_list

        parsed = read_hs_list(args.file, args.version)
        run = lambda store: import_hs_list(store, parsed, progress)  # noqa: E731
    elif args.format == "uk-roo":
        from seeds.formats.uk_roo import read_uk_roo

        parsed = read_uk_roo(args.directory)
        run = lambda store: import_uk_roo(store, parsed, args.hs_version, progress)  # noqa: E731
    elif args.format == "eu-roo":
        from graph.imports import import_eu_roo
        from seeds.formats.eu_roo import DEFAULT_HS_VERSION, read_eu_roo

        parsed = read_eu_roo(args.directory)
        hs_version = args.hs_version or DEFAULT_HS_VERSION
        run = lambda store: import_eu_roo(store, parsed, hs_version, progress)  # noqa: E731
    elif args.format == "psr":
        from graph.imports import import_psr_table
        from seeds.formats.psr_table import read_psr_table

        parsed = read_psr_table(args.file)
        run = lambda store: import_psr_table(store, parsed, args.instrument, args.hs_version, progress)  # noqa: E731
    else:
        from seeds.formats.wto_rta import read_wto_rta

        parsed = read_wto_rta(args.files)
        run = lambda store: import_wto_rta(store, parsed, progress)  # noqa: E731
    with open_store() as store:
        summary = run(store)
    _print(summary, args.json)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``import`` and its four formats to the ``origingraph`` parser."""
    imp = sub.add_parser("import", help="import public data: UNSD correlations, HS lists, UK rules of origin, "
                                        "WTO RTAs (checked first, then one transaction; idempotent)")
    formats = imp.add_subparsers(dest="format", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print the summary as JSON")
        p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        p.set_defaults(run=cmd_import)

    unsd = formats.add_parser("unsd-correlation", help="a UNSD HS correlation table (.xlsx workbook or .csv)")
    unsd.add_argument("file", type=Path)
    unsd.add_argument("--from", dest="from_version", type=_version, help="older edition, e.g. HS2017 (checked "
                                                                          "against the table; read from it if omitted)")
    unsd.add_argument("--to", dest="to_version", type=_version, help="newer edition, e.g. HS2022")
    common(unsd)

    hs = formats.add_parser("hs-list", help="an HS code list: datahub harmonized-system CSV or UN Comtrade JSON")
    hs.add_argument("file", type=Path)
    hs.add_argument("--version", type=_version, help="HS edition of the list, e.g. HS2022 (a Comtrade JSON names it)")
    common(hs)

    uk = formats.add_parser("uk-roo", help="UK Trade Tariff rules of origin: a directory with roo_schemes_uk.json "
                                           "and rule_sets/*.json")
    uk.add_argument("directory", type=Path)
    uk.add_argument("--hs-version", type=_version, default="HS2022",
                    help="HS edition the rule sets' commodity codes are in (default HS2022)")
    common(uk)

    eu = formats.add_parser("eu-roo", help="EU-side (XI) rules of origin of the UK Trade Tariff: a directory with "
                                           "roo_schemes_xi.json and psr_new/*.json")
    eu.add_argument("directory", type=Path)
    eu.add_argument("--hs-version", type=_version, default=None,
                    help="HS edition to attach the rule sets to (default HS2017: the ranges follow each annex's own "
                         "headings; see seeds/formats/eu_roo.py)")
    common(eu)

    psr = formats.add_parser("psr", help="an official PSR annex table (.xlsx or .csv: code, rule, optional ex and "
                                         "notes columns; see seeds/formats/psr_table.py): replaces the instrument's "
                                         "PSRs of that edition and records its annex as loaded")
    psr.add_argument("file", type=Path)
    psr.add_argument("--instrument", required=True, help="instrument code, e.g. AANZFTA")
    psr.add_argument("--hs-version", type=_version, required=True, help="HS edition the annex is written in")
    common(psr)

    wto = formats.add_parser("wto-rta", help="WTO RTA database AllRTAs export (.xlsx or .csv), optionally with "
                                             "the long signatories CSV")
    wto.add_argument("files", type=Path, nargs="+")
    common(wto)
