/**
 * For the dashboard server's tests: plain HTTP requests that name the server in Host,
 * a stand-in agent on a Unix socket, and the browser's first step (trading the printed
 * URL's launch token for a session token).
 */
import http from 'node:http';
import net from 'node:net';
import { adminSocketPath } from '../../contract/paths.js';
import { DASHBOARD_ROUTES, DASHBOARD_TOKEN_HEADER } from '../../contract/dashboard-http.js';

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ReqOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function req(port: number, p: string, opts: ReqOptions = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      // agent: false, so one test's keep-alive socket never carries another's request.
      { host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', agent: false, headers: { Host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error(`timeout on ${p}`)));
    r.end(opts.body);
  });
}

/** POST /api/session with the launch token, as the page does on its first load. */
export function exchange(port: number, launchToken: string, headers: Record<string, string> = {}): Promise<Res> {
  return req(port, DASHBOARD_ROUTES.session, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [DASHBOARD_TOKEN_HEADER]: launchToken, ...headers },
    body: '{}',
  });
}

/** The session token for a server whose launch token is still unused. */
export async function openSession(port: number, launchToken: string): Promise<string> {
  const r = await exchange(port, launchToken);
  if (r.status !== 200) throw new Error(`session refused: ${r.status} ${r.body}`);
  return (JSON.parse(r.body) as { data: { session: string } }).data.session;
}

export const FAKE_STATUS = { state: 'active', sampled_at: '2024-01-01T00:00:00Z', marker: 'fake-agent' };

export interface FakeAgent {
  commands: string[];
  close(): Promise<void>;
}

/** A stand-in agent: answers STATUS and CONFIG_SET (refusing cpu 150), acks SUBSCRIBE and sends one frame. */
export function fakeAgent(socketPath: string): Promise<FakeAgent> {
  const commands: string[] = [];
  const server = net.createServer((sock) => {
    let buf = '';
    const send = (v: unknown) => sock.write(`${JSON.stringify(v)}\n`);
    sock.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const { command, params } = JSON.parse(line) as { command: string; params: Record<string, unknown> };
        commands.push(command);
        if (command === 'STATUS') send({ success: true, data: FAKE_STATUS });
        else if (command === 'SUBSCRIBE') {
          send({ success: true, data: { subscribed: true } });
          const frame = { frame: 'event', data: { id: 7, time: '2024-01-01T00:00:01Z', type: 'postpone', message: 'x' } };
          setTimeout(() => !sock.destroyed && send(frame), 50);
        } else if (command === 'CONFIG_SET') {
          const values = params.values as Record<string, unknown>;
          if (values.cpu_threshold_percent === 150) {
            send({ success: false, error: 'cpu_threshold_percent must be at most 100 (got 150)', code: 'INVALID_CONFIG' });
          } else send({ success: true, data: values });
        } else send({ success: false, error: `unexpected ${command}`, code: 'UNKNOWN_COMMAND' });
      }
    });
    sock.on('error', () => {});
  });
  // The dashboard sends settings to the admin socket beside the public one: the fake answers on both.
  const admin = net.createServer((sock) => server.emit('connection', sock));
  return new Promise((resolve) =>
    server.listen(socketPath, () =>
      admin.listen(adminSocketPath(socketPath), () =>
        resolve({
          commands,
          close: () =>
            new Promise<void>((r) => {
              admin.close();
              server.close(() => r());
            }),
        }),
      ),
    ),
  );
}
