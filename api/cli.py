"""The ``origingraph`` command: load seeds, report the store, serve the API.

Each command imports what it uses when it runs (``origingraph --help`` and ``origingraph rules``
load no Dask, pyarrow, FastAPI, uvicorn or openpyxl): a one-shot command's time is mostly imports.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from api.advise_cli import add_parser as add_advise_parser
from api.arguments import country, iso_date, whole_number
from api.batch_cli import add_parser as add_batch_parser
from api.compare_cli import add_parser as add_compare_parser
from api.import_cli import add_parser as add_import_parser
from api.proof_cli import add_parser as add_proof_parser
from api.records_cli import add_certificate_arguments, add_parser as add_records_parser
from api.store_cli import add_parser as add_store_parser, duration

if TYPE_CHECKING:
    from pydantic import BaseModel

    from engine.models import Shipment
    from graph.applicability import InstrumentRules, PairRules
    from graph.origin import OriginReport
    from graph.store import Store


def as_json(model: BaseModel) -> str:
    """The one JSON form of an answer, shared with the HTTP API."""
    return model.model_dump_json(by_alias=True, indent=2)


def _print_counts(store: Store) -> None:
    from graph.load import count_graph

    nodes, rels = count_graph(store)
    print(f"store: {store.kind} ({store.location}) — {store.server_agent()}")
    print("nodes:         " + ", ".join(f"{label} {n}" for label, n in nodes.items()))
    print("relationships: " + ", ".join(f"{kind} {n}" for kind, n in rels.items()))


def cmd_load(args: argparse.Namespace) -> int:
    from graph.load import load_seeds
    from graph.store import open_store
    from seeds.read import BUNDLED, read_seeds

    source = args.seeds or BUNDLED
    seeds = read_seeds(source)
    with open_store() as store:
        summary = load_seeds(store, seeds)
        facts = sum(summary.written.values())
        if len(summary.unchanged) == len(summary.written):
            print(f"the graph already holds the {facts} facts of {source}: nothing written")
        elif summary.unchanged:
            rewritten = sum(n for name, n in summary.written.items() if name not in summary.unchanged)
            print(f"loaded {facts} facts from {source} ({rewritten} written, the rest already in the graph)")
        else:
            print(f"loaded {facts} facts from {source}")
        _print_counts(store)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from graph.load import count_graph
    from graph.store import open_store

    with open_store() as store:
        if args.json:
            nodes, rels = count_graph(store)
            print(json.dumps({"store": store.kind, "location": store.location, "server": store.server_agent(),
                              "nodes": nodes, "relationships": rels}, indent=2))
        else:
            _print_counts(store)
    return 0


def _print_rules(answer: PairRules) -> None:
    print(f"{answer.exporter} -> {answer.importer} on {answer.date}")
    if not answer.instruments:
        print("  no instrument in force for this pair on this date")
    for item in answer.instruments:
        replaced = f" (applies instead of {', '.join(item.supersedes)})" if item.supersedes else ""
        print(f"  {item.instrument:<16} {item.agreement:<14} in force for the pair since "
              f"{item.in_force_for_pair_from}{replaced}")
        for provision in item.provisions:
            mark = "applies" if provision.applies else "does NOT apply"
            print(f"      {provision.key:<28} {mark}: {provision.reason}")
        if item.rule_status:
            _print_rule(item)
    for pending in answer.pending:
        print(f"  {pending.instrument:<16} {pending.agreement:<14} PENDING: {'; '.join(pending.missing)}")


_STATUS_WORDS = {"psr": "PSR", "general_rule": "general rule", "annex_not_loaded": "PROVISIONAL general rule",
                 "text_only": "TEXT ONLY, no verdict", "no_rule": "NO RULE, no verdict"}


def _print_rule(item: InstrumentRules) -> None:
    """The governing rule of one instrument, led by its status in a planner's words."""
    psr = item.psr
    if psr is None:
        print(f"      {_STATUS_WORDS[item.rule_status]}: {item.rule_status_reason}")
        return
    what = f"PSR {psr.match.psr.scope}" if psr.match else "general rule"
    label = _STATUS_WORDS[item.rule_status] if item.rule_status != "psr" else what
    flag = "  [AMBIGUOUS]" if psr.ambiguous else ""
    print(f"      {label} ({psr.schedule_version}): {psr.rule}{flag}")
    annex = psr.match.psr if psr.match else None
    if annex is not None and annex.text and annex.text != psr.rule:
        print(f"        annex text: {annex.text}")
    for note in annex.notes if annex is not None else ():
        print(f"        - compiled with: {note}")
    if item.rule_status != "psr":
        print(f"        {item.rule_status_reason}")
    for note in psr.notes:
        if note != item.rule_status_reason:
            print(f"        - {note}")


def cmd_rules(args: argparse.Namespace) -> int:
    from graph.applicability import rules_between
    from graph.errors import NotFound
    from graph.store import open_store

    if bool(args.hs) != bool(args.hs_version):
        raise NotFound("--hs and --hs-version go together", "hs")
    with open_store() as store:
        answer = rules_between(store, args.exporter, args.importer, args.date, args.hs, args.hs_version)
    print(as_json(answer)) if args.json else _print_rules(answer)
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    from graph.lineage import lineage
    from graph.store import open_store

    with open_store() as store:
        answer = lineage(store, args.hs, args.from_version, args.to_version)
    if args.json:
        print(as_json(answer))
        return 0
    flag = "AMBIGUOUS" if answer.ambiguous else "unambiguous"
    print(f"{answer.from_version} {answer.code} -> {answer.to_version}: {', '.join(answer.targets) or '(none)'} "
          f"[{flag}: {answer.reason}]")
    for path in answer.paths:
        print("  " + " -> ".join(path.codes) + "   (" + ", ".join(link.kind for link in path.links) + ")")
    return 0


def _print_origin(report: OriginReport) -> None:
    print(f"{report.sku}: {report.exporter} -> {report.importer} on {report.date}")
    for v in report.verdicts:
        verdict = "ORIGINATING" if v.originating else "not originating"
        how = f"by {v.passed_by}" if v.passed_by else "no alternative met"
        if v.provisional:
            verdict = f"{verdict} (PROVISIONAL)"
        print(f"  {v.instrument:<16} {verdict:<16} rule {v.rule} ({how})")
        if v.provisional:
            print(f"      provisional: {v.provisional_reason}")
        n = v.numbers
        print(f"      VNM {n.vnm} {n.currency}, RVC build-down {n.rvc_build_down_pct}%, "
              f"MaxNOM {n.nom_pct}% of ex-works")
        if v.ctc_failures:
            print(f"      failing the tariff shift: {', '.join(v.ctc_failures)}"
                  + (f" (tolerated: {', '.join(v.tolerated)})" if v.tolerated else ""))
        for c in v.cumulated:
            print(f"      cumulated: {c.material} from {c.country} ({c.provision})")
        if not v.consignment.ok:
            print(f"      consignment fails: {v.consignment.reason}")
        proofs = [o.name + (" (FOB value must be shown)" if o.fob_required else "") for o in v.proof.options]
        print(f"      proof: {', '.join(proofs) or 'none recorded'}")
        for w in v.warnings:
            print(f"      ! {w}")
    for u in report.undetermined:
        print(f"  {u.instrument:<16} UNDETERMINED ({u.rule_status.replace('_', ' ')}): {u.reason}")
    for p in report.pending:
        print(f"  {p.instrument:<16} PENDING: {'; '.join(p.missing)}")


def _shipment(document, args: argparse.Namespace, path: Path) -> Shipment:
    """The file's shipment with any of --exporter / --importer / --date put over it."""
    from engine.models import MissingShipment, override_shipment
    from graph.errors import NotFound

    try:
        return override_shipment(document.shipment, args.exporter, args.importer, args.date)
    except MissingShipment:
        raise NotFound(f"{path} has no shipment: give --exporter, --importer and --date", "shipment") from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from api.records_cli import certificate_request, print_recorded
    from engine.certificate import from_report
    from graph.origin import evaluate_shipment, read_bom
    from graph.records import record_verdicts
    from graph.store import open_store

    with open_store() as store:
        document = read_bom(store, args.bom)
        shipment = _shipment(document, args, args.bom)
        report = evaluate_shipment(store, document.product, shipment)
        export = from_report(report, document.product, shipment, certificate_request(args)) if args.export else None
        recorded = record_verdicts(store, document.product, shipment, report.verdicts, str(args.bom)) \
            if args.record else ()
    if export is not None:
        print(export.to_json())
    else:
        print(as_json(report)) if args.json else _print_origin(report)
    print_recorded(recorded, to_stderr=bool(args.json or export))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from graph.diff import DateDiffs, diff_dates
    from graph.origin import read_bom
    from graph.store import open_store

    args.date = args.date_a
    with open_store() as store:
        diffs = []
        for path in args.bom:
            document = read_bom(store, path)
            diffs.append(diff_dates(store, document.product, _shipment(document, args, path), args.date_a,
                                    args.date_b))
    if args.json:
        print(as_json(DateDiffs(diffs=tuple(diffs))))
        return 0
    for diff in diffs:
        print(f"{diff.sku}: {diff.exporter} -> {diff.importer}, {diff.date_a} -> {diff.date_b}")
        if not diff.changes:
            print("  no change")
        for change in diff.changes:
            print(f"  [{change.kind}] {change.summary}")
            for line in change.why:
                print(f"      because {line}")
    return 0


def browser_script(query: str, **params: str) -> str:
    """A Neo4j Browser script: one ``:param`` line per value, then the saved query."""
    lines = [f":param {name} => {json.dumps(value)}" for name, value in params.items()]
    return "\n".join(lines + [query.strip()])


def cmd_browser(args: argparse.Namespace) -> int:
    from graph import queries

    if args.question == "membership":
        print(browser_script(queries.BROWSE_AGREEMENT_MEMBERSHIP, agreement=args.agreement))
    elif args.question == "pair":
        print(browser_script(queries.BROWSE_INSTRUMENTS_BETWEEN, exporter=args.exporter, importer=args.importer,
                             date=args.date.isoformat()))
    else:
        print(browser_script(queries.BROWSE_HS_LINEAGE, uid=f"{args.version}:{args.hs}"))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import SERVE_OPTIONS, create_app

    options = {**SERVE_OPTIONS, "access_log": args.access_log}
    if args.workers == 1:
        uvicorn.run(create_app(), host=args.host, port=args.port, **options)
    else:  # each worker process builds its own app (and cache) and connects to the same store
        uvicorn.run("api.app:create_app", factory=True, workers=args.workers, host=args.host, port=args.port,
                    **options)
    return 0


class _Parser(argparse.ArgumentParser):
    """Every parser of the command (``add_subparsers`` makes its parsers of the parent's class, so the
    subcommands' modules get it too): a long option is never read from an abbreviation, so a mistyped
    or shortened flag is an error instead of another flag (``--export`` read as ``--exporter``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **{**kwargs, "allow_abbrev": False})  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="origingraph",
        description="Preferential rules of origin on a graph. Uses Neo4j when NEO4J_URI is set, "
                    "else the embedded store in ORIGINGRAPH_DATA, run by a background service that "
                    "commands share (see origingraph store).",
    )
    parser.add_argument("--store-idle", type=duration, metavar="DURATION",
                        help="when this command starts the embedded store service, stop it after this long "
                             "without clients (900, 90s, 15m, 1h; default ORIGINGRAPH_STORE_IDLE or 15m)")
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="load the seed data into the store (idempotent, all-or-nothing)")
    load.add_argument("--seeds", type=Path, help="seed directory (default: the bundled seeds)")
    load.set_defaults(run=cmd_load)

    status = sub.add_parser("status", help="which store is in use, and node / relationship counts")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(run=cmd_status)

    rules = sub.add_parser("rules", help="which instruments (and PSRs) apply between two countries on a date")
    rules.add_argument("--exporter", type=country, required=True)
    rules.add_argument("--importer", type=country, required=True)
    rules.add_argument("--date", type=iso_date, required=True, help="YYYY-MM-DD")
    rules.add_argument("--hs", help="HS code of the product (2, 4 or 6 digits)")
    rules.add_argument("--hs-version", help="HS edition of --hs, e.g. HS2022")
    rules.add_argument("--json", action="store_true", help="print JSON")
    rules.set_defaults(run=cmd_rules)

    lin = sub.add_parser("lineage", help="where an HS code goes in another HS edition")
    lin.add_argument("--hs", required=True)
    lin.add_argument("--from", dest="from_version", required=True, help="e.g. HS2017")
    lin.add_argument("--to", dest="to_version", required=True, help="e.g. HS2022")
    lin.add_argument("--json", action="store_true", help="print JSON")
    lin.set_defaults(run=cmd_lineage)

    ev = sub.add_parser("evaluate", help="does a product's BOM qualify under each instrument binding the pair")
    ev.add_argument("bom", type=Path, help="BOM file: .yaml, .json or a flat ERP .csv")
    ev.add_argument("--exporter", type=country, help="overrides the file's shipment")
    ev.add_argument("--importer", type=country)
    ev.add_argument("--date", type=iso_date, help="YYYY-MM-DD")
    ev.add_argument("--json", action="store_true", help="print JSON")
    ev.add_argument("--export", choices=["wco-co"], help="print certificate-of-origin data instead (wco-co: shaped "
                                                         "after the WCO Data Model 4.2.0 CO package, docs/wco-co.md)")
    ev.add_argument("--record", action="store_true", help="append the verdicts to the tamper-evident record chain "
                                                          "(see origingraph records)")
    add_certificate_arguments(ev)
    ev.set_defaults(run=cmd_evaluate)

    diff = sub.add_parser("diff", help="what changes for BOMs between two dates, and why")
    diff.add_argument("bom", type=Path, nargs="+", help="BOM files (.yaml, .json, .csv)")
    diff.add_argument("--date-a", type=iso_date, required=True, help="YYYY-MM-DD")
    diff.add_argument("--date-b", type=iso_date, required=True, help="YYYY-MM-DD")
    diff.add_argument("--exporter", type=country, help="overrides the files' shipments")
    diff.add_argument("--importer", type=country)
    diff.add_argument("--json", action="store_true", help="print JSON")
    diff.set_defaults(run=cmd_diff)

    add_compare_parser(sub)
    add_advise_parser(sub)
    add_import_parser(sub)
    add_batch_parser(sub)
    add_store_parser(sub)
    add_records_parser(sub)
    add_proof_parser(sub)

    browser = sub.add_parser("browser", help="print a Neo4j Browser script that draws an answer as a graph")
    views = browser.add_subparsers(dest="question", required=True)
    membership = views.add_parser("membership", help="an agreement's instruments and parties over time")
    membership.add_argument("--agreement", required=True, type=str.upper)
    pair = views.add_parser("pair", help="the instruments binding two countries on a date")
    pair.add_argument("--exporter", type=country, required=True)
    pair.add_argument("--importer", type=country, required=True)
    pair.add_argument("--date", type=iso_date, required=True)
    hs = views.add_parser("lineage", help="an HS code's correlations across editions and its hierarchy")
    hs.add_argument("--hs", required=True)
    hs.add_argument("--version", required=True, help="e.g. HS2017")
    browser.set_defaults(run=cmd_browser)

    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=whole_number("worker processes", 1, 64), default=1,
                       help="server processes (default 1); Python answers on one core per process, so up to the "
                            "machine's cores answer in parallel, each with its own answer cache")
    serve.add_argument("--access-log", action="store_true",
                       help="log a line per request (off by default: it costs more than a warm answer)")
    serve.set_defaults(run=cmd_serve)
    return parser


# Errors a command reports as one line and an exit status: (module, class, status, what follows).
# Matched through sys.modules: an error class whose module was never imported cannot have been raised.
_REPORTED = (("seeds.read", "SeedError", 2, "\nnothing was written."),
             ("graph.errors", "NotFound", 2, ""),
             ("engine.bom_input", "BomError", 2, ""),
             ("engine.certificate", "CertificateRefused", 2, ""),
             ("graph.store", "StoreError", 3, ""),
             ("graph.embedded", "EmbeddedStoreError", 3, ""))
_NO_GRAPH = ("browser", "store")
_DATAFRAMES = ("batch",)


def _driver_without_dataframes() -> None:
    """Import the neo4j driver with numpy, pandas and pyarrow hidden. It imports them when they are
    installed (they are, for ``batch``) only to accept them as query parameters, which no other
    command passes; they stay importable afterwards."""
    hidden = [name for name in ("numpy", "pandas", "pyarrow") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import neo4j  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


def _start_store_early() -> None:
    """Start the embedded store service, if this data directory has none yet, before the command
    imports what it uses: the JVM boots meanwhile (nothing to do for Neo4j or an in-process store)."""
    from graph.store import StoreConfig

    config = StoreConfig.from_env()
    if config.uri is None and config.embedded == "service":
        from graph.service import start_in_background

        start_in_background(config.data_dir.resolve(), config.idle_s)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.store_idle:
        os.environ["ORIGINGRAPH_STORE_IDLE"] = f"{args.store_idle}s"
    if args.command not in _NO_GRAPH + _DATAFRAMES:
        _driver_without_dataframes()
    try:
        if args.command not in _NO_GRAPH:
            _start_store_early()
        return args.run(args)
    except Exception as exc:
        for module, name, status, more in _REPORTED:
            error = getattr(sys.modules.get(module), name, None)
            if error is not None and isinstance(exc, error):
                print(f"origingraph: {exc}{more}", file=sys.stderr)
                return status
        if isinstance(exc, (UnicodeDecodeError, RecursionError)):
            print(f"origingraph: {_unreadable_input(args, exc)}", file=sys.stderr)
            return 2
        raise


def _unreadable_input(args: argparse.Namespace, exc: Exception) -> str:
    """``file:line: message`` for an input file no parser could read: not UTF-8, or nested deeper than
    the interpreter's stack (the file is the one whose bytes failed to decode, else the only one given)."""
    given = getattr(args, "bom", None) or getattr(args, "source", None) or getattr(args, "file", None)
    files = [Path(p) for p in (given if isinstance(given, list) else [given] if given else [])]
    if isinstance(exc, UnicodeDecodeError):
        data = exc.object if isinstance(exc.object, bytes) else b""
        named = next((f for f in files if f.is_file() and f.read_bytes() == data), None)
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"{named or (files[0] if len(files) == 1 else 'input')}:{line}"
        return f"{where}: not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}; save the file as UTF-8"
    where = f"{files[0]}:1" if len(files) == 1 else "input:1"
    return f"{where}: nested too deeply to read: flatten the document"


if __name__ == "__main__":
    sys.exit(main())
