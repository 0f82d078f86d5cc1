// The typecheck gate: `tsc -b` over one composite project per runtime, each with its own
// types (contract: none; lib, agent, electron: Node; renderer: DOM; test: Node + DOM), so a
// DOM type cannot leak into the agent. Incremental: declarations and .tsbuildinfo files live
// in .tmp/tsc, and a project whose inputs (and whose references' declarations) did not
// change is not checked again, so a warm run takes about a second.
//
//   node scripts/typecheck.mjs              every runtime
//   node scripts/typecheck.mjs agent        the agent and what it references (contract, lib)
//
// scripts/build.mjs calls typecheck() before it bundles anything.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RUNTIMES = ['contract', 'lib', 'agent', 'electron', 'renderer', 'test'];

const configOf = (runtime) => path.join(ROOT, runtime, 'tsconfig.json');
const runtimeOf = (configPath) => path.basename(path.dirname(configPath));

/** The runtimes a set of runtimes references, directly or not, themselves included, in RUNTIMES order. */
function closure(runtimes) {
  const seen = new Set();
  const visit = (r) => {
    if (seen.has(r)) return;
    seen.add(r);
    const { config } = ts.readConfigFile(configOf(r), ts.sys.readFile);
    for (const ref of config?.references ?? []) visit(runtimeOf(path.resolve(ROOT, r, ref.path, 'tsconfig.json')));
  };
  runtimes.forEach(visit);
  return RUNTIMES.filter((r) => seen.has(r));
}

/**
 * Typechecks the given runtimes (and what they reference); prints each error and one line per
 * runtime. Returns true when there is no error.
 */
export function typecheck(runtimes = RUNTIMES, { log = (s) => console.log(s) } = {}) {
  const unknown = runtimes.filter((r) => !RUNTIMES.includes(r));
  if (unknown.length) throw new Error(`typecheck: unknown runtime ${unknown.join(', ')} (one of ${RUNTIMES.join(', ')})`);
  const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
  const pretty = process.stderr.isTTY === true;
  const errors = new Map();
  let current = 'tsconfig';
  const reportDiagnostic = (d) => {
    process.stderr.write(pretty ? ts.formatDiagnosticsWithColorAndContext([d], formatHost) : ts.formatDiagnostics([d], formatHost));
    if (d.category === ts.DiagnosticCategory.Error) errors.set(current, (errors.get(current) ?? 0) + 1);
  };
  const host = ts.createSolutionBuilderHost(ts.sys, ts.createEmitAndSemanticDiagnosticsBuilderProgram, reportDiagnostic, () => undefined, () => undefined);
  const builder = ts.createSolutionBuilder(host, runtimes.map(configOf), {});

  const checked = new Map();
  for (let project = builder.getNextInvalidatedProject(); project; project = builder.getNextInvalidatedProject()) {
    current = runtimeOf(project.project);
    const t0 = performance.now();
    project.done();
    if (project.kind === ts.InvalidatedProjectKind.Build) checked.set(current, performance.now() - t0);
  }

  const all = closure(runtimes);
  const upToDate = all.filter((r) => !checked.has(r) && !errors.has(r));
  if (upToDate.length) log(`typecheck ${upToDate.join(', ')}: ok, up to date`);
  for (const r of all.filter((x) => !upToDate.includes(x))) {
    const n = errors.get(r) ?? 0;
    const ms = checked.get(r);
    const how = ms === undefined ? 'not checked' : `checked in ${(ms / 1000).toFixed(1)} s`;
    log(`typecheck ${r}: ${n === 0 ? 'ok' : `FAILED (${n} error${n === 1 ? '' : 's'})`}, ${how}`);
  }
  if (errors.has('tsconfig')) log('typecheck: tsconfig errors above');
  return errors.size === 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const ok = typecheck(process.argv.length > 2 ? process.argv.slice(2) : RUNTIMES);
  console.log(`typecheck: ${ok ? 'ok' : 'FAILED'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(ok ? 0 : 1);
}
