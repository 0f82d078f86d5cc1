/**
 * DNS rebinding against the loopback Prometheus exporter, on a real agent: a web page open in
 * a browser on the instance rebinds its own name to 127.0.0.1 and fetches /metrics as its own
 * origin (no CORS needed). Its request carries the page's name in Host; the exporter must
 * refuse it, and keep answering scrapers that name loopback (docs/security.md, fleet table).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackHost } from '../../agent/metrics-export/scrape-server.js';
import { startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';
import { freePort, rawHttp } from '../helpers/raw-http.js';

/** One exchange with the Host header we choose (fetch() would set its own). */
function get(port: number, host: string | null, version = '1.1'): Promise<{ status: number; body: string }> {
  return rawHttp(port, `GET /metrics HTTP/${version}\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);
}

describe('loopback exporter against DNS rebinding', () => {
  let agent: AgentHandle;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    agent = await startAgent({ dir: tempDir('cs-metrics-attack-'), config: { metrics_listen: `127.0.0.1:${port}` } });
    // The exporter starts after the socket answers.
    await waitFor(async () => (await get(port, 'localhost').catch(() => ({ status: 0 }))).status === 200, 10_000, 'the exporter to listen');
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it("refuses a request for another name (the rebinding page's) and tells it nothing", async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `localhost.evil.example:${port}`, `[::1].evil:${port}`]) {
      const r = await get(port, host);
      expect([host, r.status]).toEqual([host, 403]);
      expect(r.body).not.toContain('cloudsnooze_');
    }
  });

  it('answers scrapers that name loopback, with or without a port, and an HTTP/1.0 request without Host', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', '127.0.0.2', `[::1]:${port}`, null]) {
      const r = await get(port, host, host === null ? '1.0' : '1.1');
      expect([host, r.status]).toEqual([host, 200]);
      expect(r.body).toContain('cloudsnooze_info');
    }
  });

  it('loopbackHost: loopback names only, never a look-alike', () => {
    expect(['localhost', 'localhost:9947', '127.0.0.1', '127.255.0.1:1', '[::1]', '[::1]:9947'].every(loopbackHost)).toBe(true);
    expect(['', 'localhost.', 'example.com', '127.0.0.1.nip.io', '128.0.0.1', '127.0.0.256', '0.0.0.0', '[::ffff:127.0.0.1]', 'localhost:9947:1', 'a@localhost'].some(loopbackHost)).toBe(false);
  });
});
