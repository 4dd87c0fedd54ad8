"""``origingraph records list|show|verify|recheck``, and the certificate and record options of ``evaluate``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from api.arguments import country, iso_date

if TYPE_CHECKING:
    from engine.certificate import CertificateRequest
    from graph.records import RecordSummary


def add_certificate_arguments(parser: argparse.ArgumentParser) -> None:
    """What ``--export wco-co`` cannot read from a verdict: which certificate, and its references."""
    group = parser.add_argument_group("certificate data (with --export wco-co)")
    group.add_argument("--instrument", type=str.upper, help="only this instrument's verdict (default: every "
                                                             "originating verdict)")
    group.add_argument("--proof", help="the proof of origin to fill, by name (default: the first offered that needs "
                                       "no precondition)")
    group.add_argument("--issue-date", type=iso_date, help="the certificate's issue date, YYYY-MM-DD")
    group.add_argument("--invoiced-by", type=country, help="third-party invoicing: the invoicing party's country")
    group.add_argument("--invoice-reference", help="third-party invoicing: the invoice number")
    group.add_argument("--back-to-back", metavar="REFERENCE", help="back-to-back: the original proof's reference")


def certificate_request(args: argparse.Namespace) -> CertificateRequest:
    from engine.certificate import CertificateRequest

    return CertificateRequest(instrument=args.instrument, proof=args.proof, issue_date=args.issue_date,
                              invoiced_by=args.invoiced_by, invoice_reference=args.invoice_reference,
                              back_to_back=args.back_to_back)


def print_recorded(records: Sequence[RecordSummary], to_stderr: bool) -> None:
    """One line per record appended (on stderr when stdout carries JSON)."""
    out = sys.stderr if to_stderr else sys.stdout
    for r in records:
        kept = f"keep until {r.keep_until}" if r.keep_until else "retention not recorded"
        print(f"recorded: record {r.id} ({r.instrument}, {'originating' if r.originating else 'not originating'}), "
              f"hash {r.hash}, {kept}", file=out)


def _print_list(answer) -> None:
    what = f"past their retention on {answer.expired_on}" if answer.expired_on else "in chain order"
    print(f"{answer.total} record(s) {what}")
    for r in answer.items:
        verdict = "originating" if r.originating else "not originating"
        print(f"  {r.id:>5}  {r.recorded_at}  {r.sku} {r.exporter}->{r.importer} {r.shipment_date}  "
              f"{r.instrument:<14} {verdict:<16} keep until {r.keep_until or '(not recorded)'}")


def cmd_list(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.records import list_records
    from graph.store import open_store

    on = (args.on or date.today()) if args.expired or args.on else None
    with open_store() as store:
        answer = list_records(store, args.limit, args.offset, on)
    print(as_json(answer)) if args.json else _print_list(answer)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.records import show_record
    from graph.store import open_store

    with open_store() as store:
        record = show_record(store, args.id)
    if args.json:
        print(as_json(record))
        return 0
    v, s, kept = record.verdict, record.shipment, record.retention
    print(f"record {record.id} ({'intact' if record.intact else 'CHANGED: content does not match its hash'})")
    print(f"  hash {record.hash}, after {record.previous_hash or '(first record)'}")
    print(f"  recorded {record.recorded_at} from {record.source}")
    print(f"  {record.product['sku']}: {s['exporter']} -> {s['importer']} on {s['date']}")
    print(f"  {v['instrument']}: {'ORIGINATING' if v['originating'] else 'not originating'}, rule {v['rule']}"
          f" (met by {v['passed_by'] or 'no alternative'})")
    print(f"  rule data hash {record.rule_data_hash}")
    print(f"  keep until {kept.keep_until or '(not recorded)'}: {kept.reason}")
    for duty in kept.duties:
        print(f"      {duty.years} years: {duty.basis}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.records import verify_records
    from graph.store import open_store

    with open_store() as store:
        check = verify_records(store, noted_head=args.expect_head)
    if args.json:
        print(as_json(check))
    else:
        print(f"chain {check.chain}: {check.records} record(s), head {check.head or '(none)'}: "
              + ("intact" if check.ok else f"{len(check.problems)} problem(s)"))
        for p in check.problems:
            print(f"  record {p.record if p.record is not None else '-'}: {p.kind}: {p.detail}")
    return 0 if check.ok else 1


def cmd_recheck(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.records import recheck_record
    from graph.store import open_store

    with open_store() as store:
        answer = recheck_record(store, args.id)
    if args.json:
        print(as_json(answer))
        return 0
    now = {True: "originating", False: "not originating", None: "no verdict"}[answer.originating_now]
    print(f"record {answer.record} ({answer.instrument}): {'STANDS' if answer.stands else 'DOES NOT STAND'}: "
          f"{'originating' if answer.originating_then else 'not originating'} then, {now} today")
    print("  rule data unchanged" if answer.rule_data_unchanged else "  rule data changed")
    for change in answer.changes:
        print(f"  - {change}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    records = sub.add_parser("records", help="the tamper-evident verdict records (evaluate --record): list, show, "
                                             "verify, recheck")
    actions = records.add_subparsers(dest="action", required=True)
    lst = actions.add_parser("list", help="records in chain order, or those past their retention")
    lst.add_argument("--expired", action="store_true", help="only records whose retention ended before --on")
    lst.add_argument("--on", type=iso_date, help="with --expired: the day to judge retention on (default today), "
                                                 "YYYY-MM-DD")
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--offset", type=int, default=0)
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(run=cmd_list)
    show = actions.add_parser("show", help="one record: inputs, verdict, rule data hash, retention")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(run=cmd_show)
    ver = actions.add_parser("verify", help="check the chain; names every changed, removed or reordered record "
                                            "(exit status 1 when there is one)")
    ver.add_argument("--expect-head", metavar="HASH", help="a head hash noted earlier outside the graph: it must "
                                                           "still be the hash of a record")
    ver.add_argument("--json", action="store_true", help="print JSON")
    ver.set_defaults(run=cmd_verify)
    rec = actions.add_parser("recheck", help="evaluate a record's inputs again on today's rules: does it stand?")
    rec.add_argument("id", type=int)
    rec.add_argument("--json", action="store_true", help="print JSON")
    rec.set_defaults(run=cmd_recheck)
