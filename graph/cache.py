"""Graph answers cached per process, keyed by the graph revision.

Every managed write (``Store.write_tx``) bumps one counter, ``(:GraphRevision {key: 'graph'})``, in
the same transaction (``queries.BUMP_GRAPH_REVISION``). A question answered from the graph (which
instruments bind a pair on a date, the governing PSR of a code, an HS lineage, an instrument's
origin terms, the countries bound on a date, ...) is cached under ``(revision, question)``:

- :func:`graph_view` reads the revision once (one cheap query) and returns a :class:`GraphView`, the
  store as seen by one batch of questions (one verdict, one API request, a whole batch of BOMs).
  Every cached function called with that view answers from the cache of that revision; a function
  called with a plain :class:`~graph.store.Store` opens its own view (one revision read).
- A cached function called with a plain store (``rules_between``, ``governing_rule``, ...) does not
  read the revision first: it assumes the one its cache last read, or the one this process's own
  last write bumped to, and its first statement reads the revision as well (an *assuming* view). If
  the graph has moved on, nothing that statement read is kept and the question is asked again at the
  new revision; if no statement was needed, the revision is read at the end. A first ask costs its
  statements alone; a repeat, the revision read.
- When the revision changes, the next view starts an empty generation: nothing stale is served
  once a write has committed. Emptying the database deletes the counter; the ``epoch`` set when it
  is created again differs, so an old revision number never comes back to life.
- Cached answers are immutable (frozen pydantic models, tuples), so threads share them safely.
- :func:`uncached` gives a view that caches nothing (what the tests compare cached answers with).

The cache is per process (per :class:`Store` object), bounded (a generation that grows past
``max_entries`` starts over), and trusts the counter: a write made outside ``Store.write_tx`` (a
neomodel ``save()``, a query typed into Neo4j Browser) must bump it too, e.g.
``MATCH (r:GraphRevision {key: 'graph'}) SET r.revision = r.revision + 1``.
"""

from __future__ import annotations

import functools
import gc
import inspect
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from graph import queries
from graph.store import Store

T = TypeVar("T")

MAX_ENTRIES = 200_000


class Revision(NamedTuple):
    epoch: str | None
    revision: int


def read_revision(store: Store | GraphView) -> Revision:
    """The graph's current revision (``(None, 0)`` before the first managed write): one auto-commit
    statement (``Store.read``)."""
    plain = store.store if isinstance(store, GraphView) else store
    return _revision_of(plain.read(queries.GRAPH_REVISION))


def _revision_of(rows: list[dict]) -> Revision:
    if not rows:
        return Revision(None, 0)
    best = max(rows, key=lambda r: (r["revision"] or 0, r["epoch"] or ""))
    return Revision(best["epoch"], int(best["revision"] or 0))


class RevisionMoved(Exception):
    """A view that assumed the cache's revision read another one: what it computed is dropped and the
    question asked again at the graph's revision (``cached_answer``)."""


class Row(Mapping[str, Any]):
    """A statement's map, read-only (a cached answer is shared by threads) and picklable (a batch
    ships its snapshot of answers to Dask workers)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getstate__(self) -> dict[str, Any]:
        return self._values

    def __setstate__(self, values: dict[str, Any]) -> None:
        self._values = values


def frozen_rows(value: Any) -> Any:
    """A statement's value with every map a :class:`Row` and every list a tuple (safe to cache)."""
    if isinstance(value, dict):
        return Row({k: frozen_rows(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen_rows(v) for v in value)
    return value


class AnswerCache:
    """The answers of one process for one store: one generation (a dict) per revision."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._revision: Revision | None = None
        self._answers: dict[tuple, Any] = {}
        self.hits = 0
        self.misses = 0

    def generation(self, revision: Revision) -> dict[tuple, Any]:
        """The answers cached at ``revision`` (a new, empty generation when the revision moved)."""
        with self._lock:
            if revision != self._revision:
                self._revision, self._answers = revision, {}
            return self._answers

    @property
    def revision(self) -> Revision | None:
        return self._revision

    def follow(self, revision_rows: list[dict]) -> None:
        """A write of this process committed: start the generation of the revision it bumped to."""
        self.generation(_revision_of(revision_rows))

    def current(self) -> tuple[Revision | None, dict[tuple, Any]]:
        """The revision last read and its answers, as they are (no generation is started)."""
        with self._lock:
            return self._revision, self._answers

    def clear(self) -> None:
        with self._lock:
            self._revision, self._answers = None, {}

    def __len__(self) -> int:
        return len(self._answers)


class GraphView:
    """The store as one batch of questions sees it: reads pass through, answers are cached at one
    revision (or not at all, for :func:`uncached`).

    An *assuming* view (``assumed=True``, :func:`assuming_view`) takes the revision the cache last read
    without reading it: its first statement reads the revision too (``queries.with_graph_revision``)
    and raises :class:`RevisionMoved` if it differs, before anything it read is cached; ``confirm``
    reads it when no statement did. So what it caches always comes from that revision, and a first
    ask costs its statements alone, not one exchange more."""

    def __init__(self, store: Store, cache: AnswerCache | None, revision: Revision | None,
                 answers: dict[tuple, Any] | None = None, assumed: bool = False):
        self.store = store
        self.cache = cache
        self.revision = revision
        self.assumed = assumed
        if answers is not None:
            self._answers = answers
        else:
            self._answers = cache.generation(revision) if cache is not None and revision is not None else None

    @property
    def cached(self) -> bool:
        return self._answers is not None

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        wrapped = queries.with_graph_revision(query) if self.assumed else None
        if wrapped is None:
            self.confirm()
            return self.store.read(query, **params)
        rows, revisions = queries.split_graph_revision(self.store.read(wrapped, **params))
        for seen in revisions:
            self._check(seen)
        return rows

    def read_parts(self, query: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        wrapped = queries.with_graph_revision(query) if self.assumed else None
        if wrapped is None:
            self.confirm()
            return self.store.read_parts(query, parts)
        rows, revisions = queries.split_graph_revision(self.store.read_parts(wrapped, parts))
        for seen in revisions:  # the parts ran at once, each in a statement of its own
            self._check(seen)
        return rows

    def confirm(self) -> None:
        """Read the revision if no statement has yet; :class:`RevisionMoved` if it is not the one assumed."""
        if self.assumed:
            self._check(self.store.read(queries.GRAPH_REVISION))

    def _check(self, revisions: list[dict]) -> None:
        if _revision_of(revisions) != self.revision:
            raise RevisionMoved(self.revision)
        self.assumed = False

    def split(self, items: list[T], least: int = 500) -> list[list[T]]:
        return self.store.split(items, least)

    def read_tx(self, work: Callable[..., T]) -> T:
        self.confirm()
        return self.store.read_tx(work)

    def peek(self, key: tuple, default: Any = None) -> Any:
        """The cached answer to ``key``, or ``default`` (nothing is computed or counted)."""
        return default if self._answers is None else self._answers.get(key, default)

    def answer(self, key: tuple, compute: Callable[[], T]) -> T:
        """The cached answer to ``key``, computing (and keeping) it on a miss."""
        answers = self._answers
        if answers is None:
            return compute()
        try:
            value = answers[key]
        except KeyError:
            pass
        else:
            self.cache.hits += 1  # type: ignore[union-attr]
            return value
        value = compute()
        self.cache.misses += 1  # type: ignore[union-attr]
        if len(answers) >= self.cache.max_entries:  # type: ignore[union-attr]
            answers.clear()
        answers[key] = value
        return value

    def cached_only(self) -> SnapshotView:
        """What this view has cached, as a view that never asks the graph (a miss raises
        :class:`SnapshotMiss`): a question tried there first costs nothing more when all it needs is cached."""
        return SnapshotView(Snapshot(revision=self.revision, answers=self._answers or {}, errors={}))

    def __getattr__(self, name: str) -> Any:  # kind, location, database, driver, ...
        return getattr(self.store, name)


_CACHES: weakref.WeakKeyDictionary[Store, AnswerCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def answers_of(store: Store) -> AnswerCache:
    """This process's answer cache for ``store``."""
    with _CACHES_LOCK:
        cache = _CACHES.get(store)
        if cache is None:
            cache = _CACHES[store] = AnswerCache()
            store.revision_followers.append(cache.follow)
        return cache


def graph_view(store: Store | GraphView) -> GraphView:
    """A cached view of ``store`` at its current revision (one query), or ``store`` if it is a view."""
    if isinstance(store, GraphView):
        return store
    return GraphView(store, answers_of(store), read_revision(store))


def assuming_view(store: Store) -> GraphView | None:
    """A view of ``store`` at the revision its cache last read, not read again (see :class:`GraphView`);
    None before the cache has read one."""
    cache = answers_of(store)
    revision, answers = cache.current()
    return None if revision is None else GraphView(store, cache, revision, answers, assumed=True)


def uncached(store: Store | GraphView) -> GraphView:
    """A view that caches nothing: every question goes to the graph."""
    return GraphView(store.store if isinstance(store, GraphView) else store, None, None)


def cached_answer(kind: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache ``fn(store, *args)`` under ``(kind, *args)`` in the view's generation.

    Called with a plain store, it asks through an assuming view (:func:`assuming_view`) and, if the
    graph has moved on from the revision assumed, again through a view that reads it first.
    Arguments must be hashable and the answer immutable. ``fn.uncached`` is the plain function.
    """

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        signature = inspect.signature(fn)
        arity = len(signature.parameters) - 1

        @functools.wraps(fn)
        def wrapper(store: Store | GraphView, *args: Any, **kwargs: Any) -> T:
            if kwargs or len(args) != arity:
                bound = signature.bind(store, *args, **kwargs)
                bound.apply_defaults()
                args, kwargs = tuple(bound.arguments.values())[1:], {}
            if isinstance(store, GraphView):
                if store._answers is None:
                    return fn(store, *args)
                return store.answer((kind, *args), lambda: fn(store, *args))
            assumed = assuming_view(store)
            if assumed is not None:  # a plain store: its statements read the revision themselves
                try:
                    try:
                        value = assumed.answer((kind, *args), lambda: fn(assumed, *args))
                    except RevisionMoved:
                        raise
                    except Exception:
                        assumed.confirm()  # an error found in the cache stands only at the graph's revision
                        raise
                    assumed.confirm()
                    return value
                except RevisionMoved:
                    pass
            view = graph_view(store)
            return view.answer((kind, *args), lambda: fn(view, *args))

        wrapper.uncached = fn  # type: ignore[attr-defined]
        return wrapper

    return decorate


_PAUSES = {"sections": 0, "was_enabled": False}
_PAUSES_LOCK = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch builds, reads or judges many graph answers.

    The answers are acyclic and long-lived: while they are built, every full pass of the collector walks
    the whole growing cache again (answering the graph questions of 1,000 BOMs took 4.0 s with it running
    and 2.4 s paused, the same answers). Reference counting still frees everything acyclic at once; a
    cycle made meanwhile is collected once the section ends. Keep a section to one bounded piece of work
    (a chunk of jobs, one snapshot), so the collector runs between them. Sections nest and overlap across
    threads: the collector resumes when the last one ends, and only if it was running before the first.
    """
    with _PAUSES_LOCK:
        if _PAUSES["sections"] == 0:
            _PAUSES["was_enabled"] = gc.isenabled()
            gc.disable()
        _PAUSES["sections"] += 1
    try:
        yield
    finally:
        with _PAUSES_LOCK:
            _PAUSES["sections"] -= 1
            if _PAUSES["sections"] == 0 and _PAUSES["was_enabled"]:
                gc.enable()


class SnapshotMiss(LookupError):
    """A snapshot view was asked a question its snapshot does not answer (it has no store)."""


class Snapshot(NamedTuple):
    """Graph answers taken at one revision, to ship to workers that have no connection to the graph
    (``graph.batch``): ``answers`` as a cache generation holds them, ``errors`` the questions that
    failed (unknown country, ...) with their message. Picklable; treat as read-only."""

    revision: Revision
    answers: dict[tuple, Any]
    errors: dict[tuple, str]


class SnapshotView(GraphView):
    """A view answering only from a :class:`Snapshot`: no store, no queries; a miss is an error."""

    def __init__(self, snapshot: Snapshot):
        self.store = None  # type: ignore[assignment]
        self.cache = None
        self.revision = snapshot.revision
        self._answers = snapshot.answers
        self.snapshot = snapshot

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        raise SnapshotMiss("this view answers from a snapshot of graph answers and cannot query the graph")

    def read_parts(self, query: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise SnapshotMiss("this view answers from a snapshot of graph answers and cannot query the graph")

    def split(self, items: list[T], least: int = 500) -> list[list[T]]:
        return [items]

    def read_tx(self, work: Callable[..., T]) -> T:
        raise SnapshotMiss("this view answers from a snapshot of graph answers and cannot query the graph")

    def answer(self, key: tuple, compute: Callable[[], T]) -> T:
        try:
            return self._answers[key]  # type: ignore[index]
        except KeyError:
            raise SnapshotMiss(f"the snapshot of graph answers has no answer for {key!r}") from None

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)
