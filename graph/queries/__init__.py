"""Every Cypher statement origingraph runs, each named for the question it answers or the fact it writes.

One module per concern (``load``, ``applicability``, ``lineage``, ``psr``, ``origin``, ...); every
statement is re-exported here by name, so callers write ``queries.INSTRUMENTS_OF_PAIR_ON_DATE`` and
editors and type checkers can follow it. A new statement is one line in its module's import below
(``tests/test_queries_exports.py`` fails on a statement left out).

All values arrive as parameters; nothing is assembled from input. Statements use only what both
Neo4j 5 and the embedded ArcadeDB accept, and ``tests/test_cypher_lint.py`` passes every one
through Neo4j's own Cypher linter. Write statements take ``$rows`` (a batch of maps) so loaders
UNWIND them in one round trip per batch; ``SET x += row.props`` writes a fact's properties whole,
so a property that became null is removed. Dates are ISO strings, compared as such.
"""

from __future__ import annotations

from graph.queries.applicability import (
    SIDE_FACTS_ON_DATE,
)
from graph.queries.batch import (
    ALL_HS_CODE_UIDS,
)
from graph.queries.browser import (
    BROWSE_AGREEMENT_MEMBERSHIP,
    BROWSE_INSTRUMENTS_BETWEEN,
    BROWSE_HS_LINEAGE,
)
from graph.queries.catalogue import (
    COUNT_INSTRUMENTS,
    INSTRUMENTS_PAGE,
    AGREEMENT_EXISTS,
    AGREEMENT_CODES,
    INSTRUMENT_BY_CODE,
    PARTY_EXISTS,
    COUNT_PARTIES_OF_INSTRUMENT,
    PARTIES_OF_INSTRUMENT_PAGE,
    PRODUCT_BY_SKU,
    BOM_LINES_OF_PRODUCT,
)
from graph.queries.imports import (
    IMPORT_HS_VERSIONS,
    IMPORT_HS_CODES_IF_MISSING,
    IMPORT_CODES_OF_VERSION,
    IMPORT_EXISTING_PARTIES,
    IMPORT_DELETE_PSRS_OF_INSTRUMENTS,
    IMPORT_PSRS,
    IMPORT_PSRS_WITH_TARGETS,
    IMPORT_PSR_TARGETS,
    IMPORT_DELETE_PARTIES_OF_INSTRUMENTS,
    IMPORT_DELETE_PROVISIONS_OF_INSTRUMENTS,
    IMPORT_PSR_COUNTS_OF_INSTRUMENTS,
    IMPORT_LINEAGE_PAIRS,
    IMPORT_COUNTRY_NAMES,
    IMPORT_PSR_SCHEDULES_OF_CHAIN,
    IMPORT_HS_VERSION_EXISTS,
    IMPORT_DELETE_PSRS_OF_EDITION,
    IMPORT_PSR_SCHEDULE_ANNEX,
)
from graph.queries.lineage import (
    HS_VERSIONS,
    HS_CODE_EXISTS,
    LINEAGES_OF_CODES,
)
from graph.queries.load import (
    MERGE_COUNTRIES,
    MERGE_BLOCS,
    MERGE_MEMBERSHIPS,
    MERGE_HS_VERSIONS,
    MERGE_HS_VERSION_SUCCESSION,
    MERGE_HS_CODES,
    MERGE_HS_HIERARCHY,
    MERGE_CORRELATIONS,
    MERGE_AGREEMENTS,
    MERGE_INSTRUMENTS,
    MERGE_AMENDMENTS,
    MERGE_PSR_SCHEDULES,
    MERGE_PROVISIONS,
    MERGE_PARTIES,
    MERGE_RESERVATIONS,
    MERGE_PSRS,
    SCHEMA_INDEXES,
    SEED_LOAD_MARKER,
    ENSURE_GRAPH_REVISION,
    RECORD_SEED_LOAD,
)
from graph.queries.origin import (
    INSTRUMENT_CONTEXTS_ON_DATE,
    HS_CODES_BY_UID,
    TRACE_SUBGRAPH,
)
from graph.queries.psr import (
    RULES_OF_CODES_ON_DATE,
    RULES_OF_CODES_IN_CONTEXT,
    PSR_SCHEDULES_OF_INSTRUMENT,
)
from graph.queries.records import (
    TAKE_RECORD_CHAIN_HEAD,
    APPEND_VERDICT_RECORD,
    LINK_VERDICT_RECORD,
    RECORD_CHAIN_HEAD,
    RECORDS_OF_CHAIN,
    VERDICT_RECORD,
    COUNT_VERDICT_RECORDS,
    VERDICT_RECORD_SUMMARIES,
    RULE_DATA_OF_INSTRUMENT,
    RULE_DATA_OF_PSRS,
)
from graph.queries.revision import (
    GRAPH_REVISION,
    BUMP_GRAPH_REVISION,
    with_graph_revision,
    split_graph_revision,
)
from graph.queries.store import (
    COUNT_NODES_BY_LABEL,
    COUNT_RELATIONSHIPS_BY_TYPE,
    STORE_ANSWERS,
    LIST_CONSTRAINT_NAMES,
    DELETE_ALL_DATA,
)
from graph.queries.tariffs import (
    MERGE_TARIFF_MEASURES,
    MERGE_TARIFF_ORIGINS,
    MERGE_TARIFF_EXCLUDED_ORIGINS,
    MERGE_TARIFF_INSTRUMENTS,
    MERGE_TARIFF_SCOPES,
    TARIFF_MEASURES_FOR_LINE,
    INSTRUMENT_AND_AMENDED,
)
from graph.queries.writes import (
    RECORD_PARTY_STATUS,
    MERGE_PRODUCT,
    DELETE_BOM_CLASSIFICATIONS,
    DELETE_STALE_BOM_MATERIALS,
    CLASSIFY_PRODUCT,
    MERGE_BOM_MATERIALS,
    LINK_PRODUCT_MATERIALS,
    LINK_COMPONENT_MATERIALS,
    DELETE_PRODUCT,
)


def all_queries() -> dict[str, str]:
    """Name -> Cypher for every statement re-exported here (the linter test reads this)."""
    return {name: value for name, value in globals().items() if name.isupper() and isinstance(value, str)}
