"""``python -m seeds.build {nomenclature,annexes,all} EVAL_DATA [--out seeds/data]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seeds.build import BUNDLED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seeds.build", description=__doc__)
    parser.add_argument("what", choices=("nomenclature", "annexes", "all"))
    parser.add_argument("eval_data", type=Path, help="directory with the public files (its MANIFEST_raw_files.csv)")
    parser.add_argument("--out", type=Path, default=BUNDLED, help="seed directory to write (default: seeds/data)")
    args = parser.parse_args(argv)
    if args.what in ("nomenclature", "all"):
        from seeds.build.nomenclature import build_nomenclature

        for line in build_nomenclature(args.eval_data, args.out).lines():
            print(f"nomenclature: {line}")
    if args.what in ("annexes", "all"):
        from seeds.build.annexes import build_annexes

        for line in build_annexes(args.eval_data, args.out).lines():
            print(f"annexes: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
