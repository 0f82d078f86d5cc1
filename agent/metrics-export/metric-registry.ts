/**
 * The metric definitions: every series the exporter publishes, its help text and how it is
 * read from STATUS and the agent's counters. Kept apart from the HTTP listener and the
 * textfile writer because this is what a dashboard author reads and changes (a new gauge),
 * while the transports are security-bounded code that should rarely move.
 *
 * Every value is read at scrape time: what Prometheus sees is what `snooze status` says
 * at that moment.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AGENT_MODES, AGENT_STATES, KEEP_AWAKE_KINDS, METRIC_NAMES, type Status } from '../../contract/protocol.js';
import { COUNTED_EVENTS, type AgentCounters } from './counters.js';

const SAMPLE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** STATUS metric keys, the `metric` label of cloudsnooze_metric / cloudsnooze_threshold. */
const METRIC_KEYS = ['cpu_percent', 'memory_percent', 'network_kbps', 'disk_io_kbps', 'gpu_percent', 'gpu_memory_percent', 'input_idle_secs'] as const;

export function buildRegistry(status: () => Status, counters: AgentCounters): { registry: Registry; observeSample: (s: number) => void } {
  const registry = new Registry();
  const registers = [registry];
  // One STATUS per scrape: every gauge's collect() of that scrape reads the same snapshot.
  let snap: { at: number; st: Status } | null = null;
  const st = () => {
    const now = Date.now();
    if (!snap || now - snap.at > 250) snap = { at: now, st: status() };
    return snap.st;
  };
  const num = (v: number | null | undefined) => (v === null || v === undefined ? Number.NaN : v);

  new Gauge({
    name: 'cloudsnooze_info',
    help: 'Always 1; the labels say which agent and instance this is.',
    labelNames: ['version', 'instance_id', 'instance_type', 'region', 'mode'],
    registers,
    collect() {
      const s = st();
      this.reset();
      this.set({ version: s.version, instance_id: s.instance.id ?? '', instance_type: s.instance.type ?? '', region: s.instance.region ?? '', mode: s.mode }, 1);
    },
  });
  new Gauge({
    name: 'cloudsnooze_metric',
    help: 'Latest sample of each idle metric (absent: not read on this host); compare with cloudsnooze_threshold.',
    labelNames: ['metric'],
    registers,
    collect() {
      const m = st().metrics;
      this.reset();
      for (const k of METRIC_KEYS) if (m[k] !== null) this.set({ metric: k }, m[k]);
    },
  });
  new Gauge({
    name: 'cloudsnooze_threshold',
    help: 'Threshold of each idle metric: above it, the instance is active.',
    labelNames: ['metric'],
    registers,
    collect() {
      const t = st().thresholds;
      this.reset();
      for (const k of METRIC_KEYS) if (t[k] !== null) this.set({ metric: k }, t[k]);
    },
  });
  new Gauge({
    name: 'cloudsnooze_gpu_count',
    help: 'GPUs seen by the agent.',
    registers,
    collect() {
      this.set(st().metrics.gpu_count);
    },
  });
  new Gauge({
    name: 'cloudsnooze_seconds_until_stop',
    help: 'Seconds until the agent stops the instance; NaN when it is not counting down.',
    registers,
    collect() {
      this.set(num(st().seconds_until_stop));
    },
  });
  new Gauge({
    name: 'cloudsnooze_naptime_seconds',
    help: 'Idle time before a stop now in force (a schedule window may replace naptime_minutes).',
    registers,
    collect() {
      this.set(st().effective_naptime_minutes * 60);
    },
  });
  new Gauge({
    name: 'cloudsnooze_idle_since_timestamp_seconds',
    help: 'When the current idle stretch began (Unix time); NaN when active.',
    registers,
    collect() {
      const s = st().idle_since;
      this.set(s === null ? Number.NaN : Date.parse(s) / 1000);
    },
  });
  /** One series per possible value, 1 for the value now: a panel can graph every state without gaps. */
  const oneHot = <L extends string>(name: string, help: string, label: L, values: readonly string[], now: () => string) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        const v = now();
        for (const x of values) this.set({ [label]: x } as Record<L, string>, x === v ? 1 : 0);
      },
    });
  oneHot('cloudsnooze_state', '1 for the agent state now, 0 for the others.', 'state', AGENT_STATES, () => st().state);
  oneHot('cloudsnooze_mode', '1 for the agent mode now (local, dry_run, aws), 0 for the others.', 'mode', AGENT_MODES, () => st().mode);
  new Gauge({
    name: 'cloudsnooze_holds',
    help: 'Holds in force: postpone and stay_awake (0 or 1), run (snooze run / --while processes).',
    labelNames: ['kind'],
    registers,
    collect() {
      const s = st();
      this.set({ kind: 'postpone' }, s.postponed_until ? 1 : 0);
      this.set({ kind: 'stay_awake' }, s.stay_awake ? 1 : 0);
      this.set({ kind: 'run' }, s.runs_total);
    },
  });
  new Gauge({
    name: 'cloudsnooze_blockers',
    help: 'What keeps the instance awake now, by kind: a metric over its threshold (or unreadable) or a keep-awake source.',
    labelNames: ['kind'],
    registers,
    collect() {
      const counts = new Map<string, number>([...METRIC_NAMES, ...KEEP_AWAKE_KINDS].map((k) => [k, 0]));
      for (const b of st().blockers) counts.set(b.metric, (counts.get(b.metric) ?? 0) + 1);
      for (const [kind, n] of counts) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'cloudsnooze_savings_usd_30d',
    help: 'Estimated on-demand cost saved by CloudSnooze stops over the last 30 days (USD).',
    labelNames: ['price_source'],
    registers,
    collect() {
      const s = (st() as Status & { savings?: { estimated_usd: number | null; price_source: string } | null }).savings;
      this.reset();
      if (s && s.estimated_usd !== null) this.set({ price_source: s.price_source }, s.estimated_usd);
    },
  });
  new Counter({
    name: 'cloudsnooze_events_total',
    help: 'History events since the agent started, by type (stop, stop_failed, warning ...).',
    labelNames: ['type'],
    registers,
    collect() {
      this.reset();
      for (const t of COUNTED_EVENTS) this.inc({ type: t }, counters.events[t]);
    },
  });
  new Counter({
    name: 'cloudsnooze_notifications_total',
    help: 'Notification deliveries since the agent started, by channel (webhook, sns) and result (ok, failed).',
    labelNames: ['channel', 'result'],
    registers,
    collect() {
      this.reset();
      for (const [k, n] of counters.notifications) {
        const [channel, result] = k.split('|') as [string, string];
        this.inc({ channel, result }, n);
      }
    },
  });
  const sampling = new Histogram({
    name: 'cloudsnooze_sample_duration_seconds',
    help: 'Wall time of one sample of every metric.',
    buckets: SAMPLE_BUCKETS,
    registers,
  });
  return { registry, observeSample: (s) => sampling.observe(s) };
}
