// Lints Cypher with Neo4j's own linter so that tests can check every query the
// project owns against Neo4j 5 without a Neo4j server (dev/tests run ArcadeDB,
// which accepts things Neo4j rejects).
//
// stdin:  {"name": "cypher", ...}
// stdout: {"name": [{"severity", "message", "line", "column"}, ...], ...}
//         severity is "error" | "warning" | "information" | "hint";
//         line and column are 1-based.
// Exit 0 whenever the linting itself ran, whatever it found.
import { readFileSync } from 'node:fs';
import {
  isNotParamError,
  lintCypherQuery,
  parseStatementsStrs,
  testData,
} from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

// Neo4j 5's own function and procedure signatures (the list the package ships), without the
// APOC / GDS plugins a plain Neo4j does not have: a function that only ArcadeDB knows is an
// error here. Labels, types and property keys are left unknown (checked by the tests that run).
const builtIn = (registry) =>
  Object.fromEntries(
    Object.entries(registry['CYPHER 5']).filter(([name]) => !/^(apoc|gds)\./.test(name)),
  );
const DB_SCHEMA = {
  defaultLanguage: 'CYPHER 5',
  functions: { 'CYPHER 5': builtIn(testData.mockSchema.functions) },
  procedures: { 'CYPHER 5': builtIn(testData.mockSchema.procedures) },
};

function lint(query) {
  // Console commands (:param ...) exist only in Browser/cypher-shell, not in a driver.
  const { diagnostics } = lintCypherQuery(query, DB_SCHEMA, { consoleCommandsEnabled: false });
  const out = diagnostics
    // Parameters are bound by the driver at run time; the linter can't know them.
    .filter(isNotParamError)
    .map((d) => ({
      severity: SEVERITY[d.severity ?? 1],
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
    }));
  // Neo4j runs exactly one statement per driver call; `A; B` would fail there.
  const statements = parseStatementsStrs(query).length;
  if (statements !== 1) {
    out.push({
      severity: 'error',
      message: `expected exactly one statement per query, found ${statements}`,
      line: 1,
      column: 1,
    });
  }
  return out;
}

const queries = JSON.parse(readFileSync(0, 'utf8'));
const result = {};
for (const [name, query] of Object.entries(queries)) result[name] = lint(query);
process.stdout.write(JSON.stringify(result) + '\n');
