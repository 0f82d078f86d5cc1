/**
 * `metrics_listen`: where the Prometheus exporter listens, "HOST:PORT" ("" = off). HOST is
 * an IPv4 address, "[IPv6]" or "localhost"; no other names (the agent is root and resolves
 * nothing to decide where to listen). Loopback unless `metrics_allow_remote`: /metrics tells
 * anyone who reaches it the instance's id, type, activity and when it will stop, so serving
 * it to the VPC is an explicit choice (docs/fleet.md, "Metrics in Prometheus/Grafana").
 */

export interface ListenAddress {
  host: string;
  port: number;
  loopback: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/** The address, or a sentence saying what is wrong with it. */
export function parseListenAddress(s: string): ListenAddress | string {
  const m = /^(\[[^\]]*\]|[^:[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return 'must be HOST:PORT, such as 127.0.0.1:9947 or [::1]:9947';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `port must be 1 to 65535 (got ${m[2]})`;
  let host = m[1]!;
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (!IPV6.test(host) || !host.includes(':')) return `"${host}" is not an IPv6 address`;
    return { host, port, loopback: host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host) };
  }
  if (host === 'localhost') return { host: '127.0.0.1', port, loopback: true };
  if (!IPV4.test(host)) return `host must be an IP address or localhost (got "${host}")`;
  return { host, port, loopback: host.startsWith('127.') };
}

/** Why this `metrics_listen` cannot be used with this `metrics_allow_remote`, or null. */
export function metricsListenProblem(listen: string, allowRemote: boolean): string | null {
  if (listen === '') return null;
  const a = parseListenAddress(listen);
  if (typeof a === 'string') return a;
  if (!a.loopback && !allowRemote) {
    return `${listen} is not a loopback address: /metrics shows the instance's identity and activity to whoever reaches it; set metrics_allow_remote to true to serve it beyond this host`;
  }
  return null;
}
