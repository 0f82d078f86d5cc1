/**
 * The Prometheus exporter: `metrics_listen` serves /metrics, `metrics_textfile` rewrites the
 * same text atomically for node_exporter's textfile collector. Loaded only when one is set
 * (main.ts imports this file dynamically; the build makes it its own chunk with prom-client
 * and node:http), so an agent without them carries none of it.
 *
 * This file only wires the parts together: the series (metric-registry.ts), the HTTP
 * listener and its bounds (scrape-server.ts) and the textfile writer (textfile-writer.ts).
 */
import type { Status } from '../../contract/protocol.js';
import type { AgentCounters } from './counters.js';
import { buildRegistry } from './metric-registry.js';
import { listenForScrapes, type ScrapeServer } from './scrape-server.js';
import { startTextfileWriter, type TextfileWriter } from './textfile-writer.js';

export { buildRegistry } from './metric-registry.js';
export { EXPORTER_LIMITS } from './scrape-server.js';

export interface ExporterOptions {
  /** `loopback`: answer only requests whose Host names loopback (no DNS rebinding). */
  listen: { host: string; port: number; loopback?: boolean } | null;
  textfile: string | null;
  /** How often the textfile is rewritten. */
  textfileIntervalMs: number;
  status: () => Status;
  counters: AgentCounters;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface Exporter {
  /** The bound address (port 0 in tests picks one). */
  address: { host: string; port: number } | null;
  /** The exposition text now (what /metrics and the textfile hold). */
  text(): Promise<string>;
  close(): Promise<void>;
}

export async function startExporter(opts: ExporterOptions): Promise<Exporter> {
  const { registry, observeSample } = buildRegistry(opts.status, opts.counters);
  opts.counters.sampleSink = observeSample;
  const text = () => registry.metrics();

  const server: ScrapeServer | null = opts.listen ? await listenForScrapes(opts.listen, text, registry.contentType, opts.log) : null;
  const textfile: TextfileWriter | null = opts.textfile ? startTextfileWriter(opts.textfile, opts.textfileIntervalMs, text, opts.log) : null;

  return {
    address: server?.address ?? null,
    text,
    async close() {
      // The interval stops at once; a write under way is awaited last, as before the split.
      const written = textfile?.close();
      opts.counters.sampleSink = null;
      await server?.close();
      await written;
    },
  };
}
