/**
 * `npm run bench`: every figure beside a baseline measured in the same run, written
 * as one Markdown table (bench/results/latest.md) and JSON (bench/results/latest.json).
 * BENCH_ONLY=sampling,agent,status,abuse,... runs a subset.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchAbuse } from './abuse.js';
import { benchAgentFootprint, benchStatusLatency } from './agent.js';
import { benchFleet, benchFleetRegions, benchSdkFootprint } from './fleet.js';
import { benchKeepAwake } from './keep-awake.js';
import { benchRenderer } from './renderer.js';
import { benchSampling } from './sampling.js';

interface Row {
  figure: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
}

const only = process.env.BENCH_ONLY?.split(',');
const want = (k: string) => !only || only.includes(k);
const rows: Row[] = [];
const json: Record<string, unknown> = {};
const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const ratio = (a: number, b: number) => (b > 0 ? `${a / b < 0.1 ? (a / b).toPrecision(2) : f(a / b)}×` : "n/a");

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (!want(name)) return;
  process.stdout.write(`bench: ${name}…\n`);
  try {
    await fn();
  } catch (err) {
    process.stdout.write(`bench: ${name} failed: ${(err as Error).stack ?? err}\n`);
    rows.push({ figure: name, ours: 'failed', baseline: '', ratio: '', target: (err as Error).message.slice(0, 80) });
  }
}

await section('sampling', async () => {
  const r = await benchSampling();
  json.sampling = r;
  rows.push({
    figure: 'Sampling CPU per sample (ms)',
    ours: f(r.ours_cpu_ms_per_sample, 3),
    baseline: `${f(r.si_cpu_ms_per_sample, 3)} (systeminformation)`,
    ratio: ratio(r.ours_cpu_ms_per_sample, r.si_cpu_ms_per_sample),
    target: '< 5 ms, no child process',
  });
  rows.push({
    figure: `Sampling CPU per sample vs the raw /proc reads (ms, ${r.samples} rounds, same spacing)`,
    ours: f(r.ours_thread_ms_per_sample, 3),
    baseline: `${f(r.raw_proc_cpu_ms_per_sample, 3)} (read the 5 files only)`,
    ratio: ratio(r.ours_thread_ms_per_sample, r.raw_proc_cpu_ms_per_sample),
    target: '≤ 1.5×',
  });
  const k = await benchKeepAwake();
  json.keep_awake = k;
  rows.push({
    figure: `Sampling CPU per sample (ms), ${k.extra_processes} extra processes (${k.pids} pids), ${k.patterns.length} keep_awake_processes patterns, 1 sample per 550 ms`,
    ours: f(k.patterns_cpu_ms_per_sample, 3),
    baseline: `${f(k.baseline_cpu_ms_per_sample, 3)} (today's sampler, no patterns, same processes)`,
    ratio: ratio(k.patterns_cpu_ms_per_sample, k.baseline_cpu_ms_per_sample),
    target: '< 5 ms, no child process',
  });
  rows.push({
    figure: `Process scan alone (ms), ${k.pids} pids all stale (check_interval_seconds ≥ 30: a thirtieth re-read per sample)`,
    ours: f(k.stale_scan_cpu_ms, 3),
    baseline: `${f(k.incremental_scan_cpu_ms, 3)} (all reads fresh: the listing only)`,
    ratio: ratio(k.stale_scan_cpu_ms, k.incremental_scan_cpu_ms),
    target: 'with the sampler < 5 ms',
  });
  rows.push({
    figure: `Process scan alone (ms), full re-read of ${k.pids} pids (the final re-check before a stop only)`,
    ours: f(k.full_scan_cpu_ms, 3),
    baseline: `${f(k.stale_scan_cpu_ms, 3)} (a sample's scan)`,
    ratio: ratio(k.full_scan_cpu_ms, k.stale_scan_cpu_ms),
    target: 'once per stop',
  });
});

await section('agent', async () => {
  const r = await benchAgentFootprint();
  json.agent = r;
  rows.push({ figure: `Agent CPU at 1 sample/s, 1 subscriber, on EC2 (% of a core, ${r.seconds} s)`, ours: f(r.agent_cpu_percent, 3), baseline: `${f(r.baseline_cpu_percent, 3)} (idle node)`, ratio: ratio(r.agent_cpu_percent, r.baseline_cpu_percent), target: '< 0.5 %' });
  rows.push({ figure: 'Agent RSS off EC2, as `npm run agent` (MB)', ours: f(r.local_rss_mb, 1), baseline: `${f(r.baseline_rss_mb, 1)} (bare node)`, ratio: ratio(r.local_rss_mb, r.baseline_rss_mb), target: '≤ 1.15×' });
  rows.push({ figure: 'Agent RSS on EC2, before any cloud call (MB)', ours: f(r.agent_rss_mb, 1), baseline: `${f(r.baseline_rss_mb, 1)} (bare node)`, ratio: ratio(r.agent_rss_mb, r.baseline_rss_mb), target: '≤ 1.15×' });
  rows.push({ figure: `Agent RSS on EC2, after a tag + stop (MB; the call took ${f(r.cloud_call_ms, 0)} ms)`, ours: f(r.after_cloud_rss_mb, 1), baseline: `${f(r.after_baseline_rss_mb, 1)} (bare node)`, ratio: ratio(r.after_cloud_rss_mb, r.after_baseline_rss_mb), target: '≤ 1.15×, SDK only in the cloud-task child' });
  rows.push({ figure: 'Agent CPU after the cloud call (% of a core)', ours: f(r.after_cloud_cpu_percent, 3), baseline: `${f(r.agent_cpu_percent, 3)} (before it)`, ratio: ratio(r.after_cloud_cpu_percent, r.agent_cpu_percent), target: '' });
});

await section('status', async () => {
  const r = await benchStatusLatency();
  json.status = r;
  rows.push({ figure: `STATUS p50 (ms), ${r.clients} clients polling`, ours: f(r.p50_ms, 3), baseline: `${f(r.baseline_p50_ms, 3)} (canned-reply server)`, ratio: ratio(r.p50_ms, r.baseline_p50_ms), target: '' });
  rows.push({ figure: `STATUS p99 (ms), ${r.clients} clients polling`, ours: f(r.p99_ms, 3), baseline: `${f(r.baseline_p99_ms, 3)} (canned-reply server)`, ratio: ratio(r.p99_ms, r.baseline_p99_ms), target: '< 2 ms' });
  rows.push({ figure: `STATUS requests/s, ${r.clients} clients back to back`, ours: f(r.rps, 0), baseline: `${f(r.baseline_rps, 0)} (canned-reply server)`, ratio: ratio(r.rps, r.baseline_rps), target: '' });
  rows.push({ figure: 'STATUS requests/s back to back, the agent with its flags (--lite-mode) vs without', ours: f(r.rps, 0), baseline: `${f(r.plain_node_rps, 0)} (plain \`node snoozed.js\`)`, ratio: ratio(r.rps, r.plain_node_rps), target: 'the price of the smaller footprint' });
});

await section('abuse', async () => {
  const r = await benchAbuse();
  json.abuse = r;
  rows.push({ figure: 'Agent RSS, peak while one client pipelines for 8 s and never reads (MB)', ours: f(r.flood_peak_rss_mb, 1), baseline: `${f(r.idle_rss_mb, 1)} (same agent, idle)`, ratio: ratio(r.flood_peak_rss_mb, r.idle_rss_mb), target: '< 150 MB' });
  rows.push({ figure: `Requests the flooder got in (MB of ${f(33, 0)} tried)`, ours: f(r.flood_mb_accepted, 2), baseline: '', ratio: '', target: 'backpressure: a few hundred KB' });
  rows.push({ figure: 'STATUS from another client during the flood: answered / failed (worst ms)', ours: `${r.status_during_flood_ok} / ${r.status_during_flood_failed} (${f(r.status_during_flood_max_ms, 1)})`, baseline: '', ratio: '', target: '0 failed' });
  rows.push({ figure: 'Agent descriptors after a full table, refused clients and the flood are gone', ours: String(r.fds_after), baseline: `${r.fds_before} (before)`, ratio: ratio(r.fds_after, r.fds_before), target: '1×' });
  rows.push({ figure: 'SIGTERM to exit with 300 idle, 20 subscribers, a non-reader and a full table (ms)', ours: f(r.sigterm_loaded_ms, 0), baseline: `${f(r.sigterm_idle_ms, 0)} (agent with no clients)`, ratio: ratio(r.sigterm_loaded_ms, r.sigterm_idle_ms), target: '< 2000 ms' });
});

await section('fleet', async () => {
  const r = await benchFleet();
  json.fleet = r;
  rows.push({ figure: `Fleet poll over ${r.instances} tagged instances: API calls`, ours: String(r.ours_calls), baseline: `${r.per_instance_calls} (guide: per instance)`, ratio: ratio(r.ours_calls, r.per_instance_calls), target: 'ceil(N/1000) × 2' });
  rows.push({ figure: `Fleet poll over ${r.instances} tagged instances: wall time (ms)`, ours: f(r.ours_ms, 0), baseline: `${f(r.per_instance_ms, 0)} (guide: per instance)`, ratio: ratio(r.ours_ms, r.per_instance_ms), target: '' });
});

await section('fleet-regions', async () => {
  const r = await benchFleetRegions(Number(process.env.BENCH_FLEET_INSTANCES ?? 50_000));
  json.fleet_regions = r;
  rows.push({ figure: `snooze fleet list, ${r.instances} instances over ${r.regions} regions: API calls`, ours: String(r.list_calls), baseline: `${r.expected_calls} (ceil(N/1000) × 2 per region)`, ratio: ratio(r.list_calls, r.expected_calls), target: '1×' });
  rows.push({ figure: `snooze fleet list, ${r.instances} instances over ${r.regions} regions: wall time (ms) / output (MB)`, ours: `${f(r.list_ms, 0)} / ${f(r.list_output_mb, 1)}`, baseline: '', ratio: '', target: '' });
  rows.push({ figure: `snooze fleet list, ${r.instances} instances: peak RSS of the CLI (MB)`, ours: f(r.list_peak_rss_mb, 1), baseline: `${f(r.node_peak_rss_mb, 1)} (snooze --version)`, ratio: ratio(r.list_peak_rss_mb, r.node_peak_rss_mb), target: 'streamed: flat in N' });
  rows.push({ figure: `snooze fleet savings, ${r.instances} instances over ${r.regions} regions: calls / ms / peak RSS (MB)`, ours: `${r.savings_calls} / ${f(r.savings_ms, 0)} / ${f(r.savings_peak_rss_mb, 1)}`, baseline: `${f(r.node_peak_rss_mb, 1)} MB (snooze --version)`, ratio: ratio(r.savings_peak_rss_mb, r.node_peak_rss_mb), target: 'sums only' });
});

await section('sdk', async () => {
  const r = await benchSdkFootprint();
  json.sdk = r;
  rows.push({ figure: 'AWS SDK in one process: RSS before / after a first call (MB)', ours: `${f(r.rss_before_mb, 1)} / ${f(r.rss_after_mb, 1)}`, baseline: `${f(r.node_rss_mb, 1)} (bare node)`, ratio: ratio(r.rss_after_mb, r.rss_before_mb), target: 'what the cloud-task child carries, never the agent' });
  rows.push({ figure: 'First cloud call, SDK load included (ms)', ours: f(r.first_call_ms, 0), baseline: '', ratio: '', target: '' });
});

await section('renderer', async () => {
  const r = await benchRenderer();
  json.renderer = r;
  rows.push({ figure: 'Renderer JS, gzip (KB)', ours: f(r.js_gzip_bytes / 1024, 1), baseline: `${f(r.js_bytes / 1024, 1)} (raw)`, ratio: ratio(r.js_gzip_bytes, r.js_bytes), target: '' });
  rows.push({ figure: `One live update in Chromium, median of ${r.ticks} ticks (ms)`, ours: f(r.tick_median_ms, 3), baseline: '', ratio: '', target: 'charts by setData, no React render of them' });
  rows.push({ figure: 'Main-thread time per tick incl. style/layout/paint (ms, mean)', ours: f(r.tick_busy_mean_ms, 3), baseline: `${f(r.floor_busy_mean_ms, 3)} (tick that pushes nothing)`, ratio: ratio(r.tick_busy_mean_ms, r.floor_busy_mean_ms), target: '' });
});

const header = `# CloudSnooze benchmark report\n\nOne run on ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}. Each figure beside its baseline from the same run; ratio = ours / baseline.\n\n`;
const table = ['| figure | ours | baseline | ratio | target |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.target} |`)].join('\n');
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.md', `${header}${table}\n`);
writeFileSync('bench/results/latest.json', `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...json }, null, 2)}\n`);
process.stdout.write(`\n${table}\n\nwritten: bench/results/latest.md, bench/results/latest.json\n`);
