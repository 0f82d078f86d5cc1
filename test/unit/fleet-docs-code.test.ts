/**
 * A fleet admin copies README.md's and docs/fleet.md's commands, queries and quoted sentences
 * as they are. Each is read here against the code that answers it: the package names the
 * packaging script makes and the S3 names the SSM example fetches, the `snooze fleet` usage
 * against the CLI's own, the Prometheus names and labels in the docs against a scrape of the
 * exporter's registry, and the sentences people see on a pinned or bad tag against the
 * functions that write them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from '../../contract/messages.js';
import { parseConfig } from '../../contract/config-schema.js';
import { checkSetting, effectiveConfig, pinnedMessage, pinsChange } from '../../agent/fleet-pins.js';
import { FLEET_USAGE, OPTIONS } from '../../agent/cli/fleet-args.js';
import { buildRegistry } from '../../agent/metrics-export/metric-registry.js';
import { AgentCounters, COUNTED_EVENTS } from '../../agent/metrics-export/counters.js';
import { status } from '../helpers/status-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const README = read('README.md');
const FLEET = read('docs/fleet.md');
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;
/** Markdown wraps sentences anywhere: compare words, not line breaks. */
const flat = (s: string) => s.replace(/\s+/g, ' ');

describe('rollout: the packages built are the ones the docs upload and the SSM example fetches', () => {
  const script = read('scripts/package-agent.sh');
  const debArch = /^arch=\$\{DEB_ARCH:-([a-z0-9]+)\}$/m.exec(script)?.[1];
  const rpm = `cloudsnooze-agent-${VERSION}-1.noarch.rpm`;
  const deb = `cloudsnooze-agent_${VERSION}_${debArch}.deb`;

  it('the .deb is Architecture: all, as the rpm is noarch: an amd64 .deb is refused by dpkg on arm64 (Graviton) instances', () => {
    expect(debArch).toBe('all');
    expect(script).toContain('cloudsnooze-agent_${version}_${arch}.deb');
    expect(script).toContain('cloudsnooze-agent-${version}-1.noarch.rpm');
  });

  it('docs/fleet.md names the files `npm run package:agent` makes, uploads each, and packageUrl with {kind} fetches each upload', () => {
    const built = [...FLEET.matchAll(/^# release\/(\S+)/gm)].map((m) => m[1]);
    expect(built.sort()).toEqual([rpm, deb].sort());
    const uploads = new Map([...FLEET.matchAll(/^aws s3 cp release\/(\S+) (s3:\/\/\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect([...uploads.keys()].sort()).toEqual([rpm, deb].sort());
    const params = /--parameters '(\{.*\})'$/m.exec(FLEET)?.[1];
    const parsed = JSON.parse(params!) as { packageUrl: [string]; version: [string]; config: [string] };
    const url = parsed.packageUrl[0];
    expect(url).toContain('{kind}');
    expect(url.replace('{kind}', 'rpm')).toBe(uploads.get(rpm));
    expect(url.replace('{kind}', 'deb')).toBe(uploads.get(deb));
    expect(parsed.version[0]).toBe(VERSION);
    expect(parseConfig(JSON.parse(parsed.config[0]))).toMatchObject({ naptime_minutes: 45, metrics_listen: '127.0.0.1:9947' });
  });

  it('cloud-init fetches the same two file names', () => {
    const init = read('docs/fleet/cloud-init.yaml');
    expect(/rpm_url="https:\/\/\S+\/([^/"]+)"/.exec(init)?.[1]).toBe(rpm);
    expect(/deb_url="https:\/\/\S+\/([^/"]+)"/.exec(init)?.[1]).toBe(deb);
  });
});

describe('README: `snooze fleet` is described as the CLI has it', () => {
  const commands = [...FLEET_USAGE.matchAll(/^ {2}([a-z]+)\s/gm)].map((m) => m[1]!);
  /** The usage line(s) of each command: "list [--region ...]" or "policy set KEY VALUE ...". */
  const usageFlags = (text: string, cmd: string) =>
    new Set(
      text
        .split('\n')
        .filter((l) => new RegExp(`^(snooze fleet | {2})${cmd}\\b`).test(l))
        .flatMap((l) => [...l.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!)),
    );

  it('names every subcommand in the command summary and in the fleet section', () => {
    expect([...new Set(commands)].sort()).toEqual(['list', 'policy', 'restart', 'savings', 'watch']);
    const summary = /^snooze fleet ([a-z|]+)$/m.exec(README)?.[1]?.split('|') ?? [];
    expect(summary.sort()).toEqual([...new Set(commands)].sort());
    for (const cmd of commands) expect(README).toMatch(new RegExp(`^snooze fleet ${cmd} `, 'm'));
  });

  it("gives each command the flags its --help gives it, and none it would refuse", () => {
    for (const cmd of ['list', 'watch', 'restart', 'savings'] as const) {
      const accepted = new Set(Object.keys(OPTIONS[cmd]));
      expect([...usageFlags(README, cmd)].sort(), cmd).toEqual([...usageFlags(FLEET_USAGE, cmd)].sort());
      for (const f of usageFlags(README, cmd)) expect(accepted.has(f), `${cmd} --${f}`).toBe(true);
    }
    expect([...usageFlags(README, 'policy')].sort()).toEqual([...usageFlags(FLEET_USAGE, 'policy')].sort());
  });
});

describe('docs/fleet.md metrics: every name and label it shows is what /metrics serves', async () => {
  const counters = new AgentCounters();
  counters.countNotification('webhook', true);
  const all = { cpu_percent: 1, memory_percent: 2, network_kbps: 3, disk_io_kbps: 4, input_idle_secs: 5, gpu_percent: 6, gpu_memory_percent: 7, gpu_count: 1, gpu_cards: [] };
  const full = status({ metrics: all, thresholds: { ...status().thresholds, gpu_memory_percent: 50 }, savings: { hours: 10, estimated_usd: 4.16, price_source: 'built-in' } as never });
  const { registry } = buildRegistry(() => full, counters);
  const families = await registry.getMetricsAsJSON();
  const byName = new Map(families.map((f) => [f.name, f]));
  // A histogram's `le` is Prometheus's own, not one the docs need to name.
  const labelsOf = (name: string) => new Set(byName.get(name)!.values.flatMap((v) => Object.keys(v.labels)).filter((l) => l !== 'le'));
  const valuesOf = (name: string, label: string) => new Set(byName.get(name)!.values.map((v) => String(v.labels[label])));
  const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

  it('names only exported metrics, and its table lists every one', () => {
    for (const doc of [FLEET, README]) {
      for (const [name] of doc.matchAll(/\bcloudsnooze_[a-z0-9_]+/g)) {
        const base = byName.has(name) ? name : name.replace(HISTOGRAM_SUFFIX, '');
        expect(byName.has(base), name).toBe(true);
      }
    }
    const table = FLEET.split('\n').filter((l) => l.startsWith('| `cloudsnooze_'));
    const documented = new Set(table.flatMap((l) => [...l.split('|')[1]!.matchAll(/`(cloudsnooze_[a-z0-9_]+)`/g)].map((m) => m[1]!)));
    expect([...documented].sort()).toEqual([...byName.keys()].sort());
  });

  it('each table row gives the labels the metric has, and the label values it lists are the ones served', () => {
    for (const row of FLEET.split('\n').filter((l) => l.startsWith('| `cloudsnooze_'))) {
      const [, names, labels] = row.split('|').map((c) => c.trim());
      const metricNames = [...names!.matchAll(/`(cloudsnooze_[a-z0-9_]+)`/g)].map((m) => m[1]!);
      // "state / mode" pairs with "cloudsnooze_state / cloudsnooze_mode"; otherwise every name shares the labels.
      const perName = labels!.includes(' / ') ? labels!.split(' / ') : metricNames.map(() => labels!);
      metricNames.forEach((name, i) => {
        const text = perName[i]!;
        const values = new Map([...text.matchAll(/([a-z_]+) \(([^)]*)\)/g)].map((m) => [m[1]!, m[2]!]));
        const declared = text
          .replace(/\([^)]*\)/g, '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        expect([...labelsOf(name)].sort(), name).toEqual(declared.sort());
        for (const [label, list] of values) {
          if (list.startsWith('a metric')) continue; // blockers: described, not listed
          expect([...valuesOf(name, label)].sort(), `${name}{${label}}`).toEqual(list.split(',').map((s) => s.trim()).sort());
        }
      });
    }
    expect([...valuesOf('cloudsnooze_events_total', 'type')].sort()).toEqual([...COUNTED_EVENTS].sort());
  });

  it('its Grafana queries select label values that exist, and sort the table they return', () => {
    const queries = [...FLEET.matchAll(/^- [^:]+\([a-z ,]+\)[^`]*`([^`]+)`(?:[^`]*`([^`]+)`)?/gm)].flatMap((m) => [m[1]!, m[2]].filter((q): q is string => !!q));
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) {
      for (const [, name, selector] of q.matchAll(/\b(cloudsnooze_[a-z0-9_]+)\{([^}]*)\}/g)) {
        for (const [, label, value] of selector!.matchAll(/([a-z_]+)="([^"$]*)"/g)) {
          expect(labelsOf(name!).has(label!), `${name}{${label}}`).toBe(true);
          expect(valuesOf(name!, label!).has(value!), `${name}{${label}="${value}"}`).toBe(true);
        }
      }
      for (const [, labels, name] of q.matchAll(/group_left\(([^)]*)\)\s*(cloudsnooze_[a-z0-9_]+)/g)) {
        for (const l of labels!.split(',').map((s) => s.trim())) expect(labelsOf(name!).has(l), `${name} ${l}`).toBe(true);
      }
      // sort() only orders an instant vector that is returned as it is: inside a join its order is lost.
      if (q.includes('sort(')) expect(q, q).toMatch(/^sort(_desc)?\(.*\)$/);
    }
  });

  it('a metric that is not read is left out, and the help text says so rather than promising NaN', async () => {
    const { registry: r } = buildRegistry(() => status(), new AgentCounters());
    const text = await r.metrics();
    expect(text).not.toMatch(/cloudsnooze_metric\{metric="gpu_percent"\}/);
    const help = /^# HELP cloudsnooze_metric (.*)$/m.exec(text)?.[1];
    expect(help).not.toMatch(/NaN/);
    expect(help).toMatch(/absent|left out/);
  });
});

describe('docs/fleet.md quotes the sentences people on a pinned instance see', () => {
  const tagged = (tags: Record<string, string>) => effectiveConfig(parseConfig({}), new Map(Object.entries(tags)));
  const TAG = 'CloudSnooze:Config:naptime_minutes';

  it('the refusal of a local change, as `snooze config set` and the dashboard show it and as CONFIG_SET says it', () => {
    const e = tagged({ [TAG]: '45' });
    for (const said of [MESSAGES.pinnedRefused('naptime_minutes', TAG, '45'), pinnedMessage(['naptime_minutes'], e.pins)]) expect(flat(FLEET).includes(`*${said}*`), said).toBe(true);
  });

  it('a bad tag value, ignored, and a change in what the tags pin', () => {
    const bad = tagged({ [TAG]: 'soon' }).problems[0]!;
    const ignored = `Instance tag ${bad.tag} ignored: ${bad.error}`;
    expect(flat(FLEET).includes(`*${ignored}*`), ignored).toBe(true);
    expect(checkSetting('naptime_minutes', 'soon').error).toBe(bad.error);
    const after = tagged({ [TAG]: '45' });
    const change = pinsChange({}, after.pins, after.config);
    expect(flat(FLEET).includes(`*${change}*`), change!).toBe(true);
  });
});
