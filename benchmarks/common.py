"""Shared set-up: a fresh embedded store on a temporary directory with the bundled seeds loaded."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.load import load_seeds
from graph.service import stop_service
from graph.store import Store, StoreConfig, open_store
from seeds.read import BUNDLED, read_seeds


@contextmanager
def seeded_store(data_dir: Path | None = None, seeds: Path = BUNDLED) -> Iterator[Store]:
    """An embedded store of its own (never the user's data directory), seeds loaded, run as the product
    runs it by default: the store service of that data directory, reached over Bolt (stopped at the end)."""
    with tempfile.TemporaryDirectory(prefix="origingraph-bench-") as tmp:
        config = StoreConfig(data_dir=data_dir or Path(tmp) / "store", embedded="service")
        try:
            with open_store(config) as store:
                load_seeds(store, read_seeds(seeds))
                yield store
        finally:
            stop_service(config.data_dir)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for the record beside every figure (the machines are shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def publish(text: str, out: Path | None) -> None:
    """Print a script's Markdown section, and write it to ``out`` too (what ``python -m benchmarks`` collects)."""
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
