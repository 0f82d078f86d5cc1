// Prints the files the agent bundle needs, one per line, relative to its folder: the entry
// points and every chunk they import, statically or lazily, followed transitively.
// dist/agent/chunks also keeps chunks of earlier builds (esbuild does not clean its
// output folder), so copying the folder as is would ship dead code.
// Usage: node packaging/bundle-files.mjs DIR ENTRY...
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [dir, ...entries] = process.argv.slice(2);
if (!dir || entries.length === 0) {
  process.stderr.write('usage: node packaging/bundle-files.mjs DIR ENTRY...\n');
  process.exit(2);
}

// esbuild writes relative imports as `from "./x.js"`, `import "./x.js"` and `import("./x.js")`.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.\.?\/[^"'\s]+\.js)["']/g;

const seen = new Set();
const queue = [...entries];
while (queue.length > 0) {
  const rel = path.normalize(queue.shift());
  if (seen.has(rel)) continue;
  const abs = path.join(dir, rel);
  if (!existsSync(abs)) {
    process.stderr.write(`bundle-files: ${abs} is missing (imported by the bundle); rebuild with: node scripts/build.mjs agent\n`);
    process.exit(1);
  }
  seen.add(rel);
  for (const m of readFileSync(abs, 'utf8').matchAll(RELATIVE_IMPORT)) {
    queue.push(path.join(path.dirname(rel), m[1]));
  }
}
process.stdout.write([...seen].sort().join('\n') + '\n');
