/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every
 * line must be a comment, a HELP, a TYPE or a sample of a family declared by the TYPE before
 * it; names, labels, escapes and values are checked, duplicates refused. Throws with the line.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface PromFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Prometheus reads values with Go's strconv.ParseFloat: NaN and Inf in any letter case (prom-client writes "Nan"). */
function parseValue(s: string, line: string): number {
  if (/^nan$/i.test(s)) return Number.NaN;
  if (/^\+?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value "${s}" in: ${line}`);
  return Number(s);
}

function parseLabels(s: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels in: ${line}`);
    const key = s.slice(i, eq);
    if (!LABEL.test(key) || key.startsWith('__')) throw new Error(`bad label name "${key}" in: ${line}`);
    if (s[eq + 1] !== '"') throw new Error(`label value not quoted in: ${line}`);
    let j = eq + 2;
    let v = '';
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        const c = s[++j];
        if (c === 'n') v += '\n';
        else if (c === '\\' || c === '"') v += c;
        else throw new Error(`bad escape in: ${line}`);
      } else if (s[j] === '\n') throw new Error(`newline in label value: ${line}`);
      else v += s[j];
    }
    if (j >= s.length) throw new Error(`unterminated label value in: ${line}`);
    if (Object.hasOwn(labels, key)) throw new Error(`duplicate label "${key}" in: ${line}`);
    labels[key] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (i < s.length) throw new Error(`expected "," in labels of: ${line}`);
  }
  return labels;
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  let current: PromFamily | null = null;
  const helps = new Map<string, string>();
  for (const line of text.split('\n').slice(0, -1)) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`second HELP for ${name}`);
        helps.set(name, rest);
      } else {
        if (families.has(name)) throw new Error(`second TYPE for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type in: ${line}`);
        current = { name, type: rest as PromFamily['type'], help: helps.get(name) ?? '', samples: [] };
        families.set(name, current);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    if (!current) throw new Error(`sample before any TYPE: ${line}`);
    const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : current.type === 'summary' ? ['', '_sum', '_count'] : [''];
    if (!suffixes.some((s) => name === current!.name + s)) throw new Error(`sample ${name} outside its family ${current.name}: ${line}`);
    const labels = labelText ? parseLabels(labelText, line) : {};
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate sample: ${line}`);
    seen.add(key);
    const v = parseValue(value, line);
    if (current.type === 'counter' && !(v >= 0)) throw new Error(`negative or NaN counter: ${line}`);
    current.samples.push({ name, labels, value: v });
  }
  return families;
}

/** The one sample of `family` whose labels include `labels`. */
export function promValue(families: Map<string, PromFamily>, family: string, labels: Record<string, string> = {}, name = family): number | undefined {
  const f = families.get(family);
  const hits = f?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
  if (hits.length > 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}
