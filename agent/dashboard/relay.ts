/**
 * The relay to the agent: one whitelisted command per request, params validated by the
 * agent itself, its answer (or its refusal) handed back as a DashboardReply.
 */
import type http from 'node:http';
import type { DashboardCommand, DashboardReply } from '../../contract/dashboard-http.js';
import { AgentError, request } from '../../lib/client.js';
import type { Command, CommandResults, ConnectionState, ParamsIn } from '../../contract/protocol.js';
import type { SettingsAccess } from '../../contract/ipc.js';
import { adminSocketPath } from '../../contract/paths.js';
import { HttpError, json } from './respond.js';
import type { StreamHub } from './stream-hub.js';

export const MAX_BODY_BYTES = 64 * 1024;

export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Stop keeping the body but let it drain, so the 413 reaches the client before the connection closes.
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'TOO_LARGE', `request body over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A POST body as a JSON object; anything else is refused before the agent is asked. */
export async function readJsonObject(req: http.IncomingMessage): Promise<object> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // A cross-site form cannot send application/json without a CORS preflight, which is never answered.
  if (type !== 'application/json') throw new HttpError(415, 'BAD_REQUEST', 'requests must be sent as application/json');
  const text = await readBody(req, MAX_BODY_BYTES);
  let params: unknown = {};
  if (text.trim()) {
    try {
      params = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'the request body is not valid JSON');
    }
  }
  if (!params || typeof params !== 'object' || Array.isArray(params)) {
    throw new HttpError(400, 'BAD_REQUEST', 'the request body must be a JSON object of parameters');
  }
  return params;
}

/** The socket client, injectable so the relay's choices are unit-tested without sockets. */
export type RequestFn = <C extends Command>(socketPath: string, command: C, params?: ParamsIn<C>, opts?: { timeoutMs?: number }) => Promise<CommandResults[C]>;

/** What the browser is told when this server cannot reach the admin socket. */
export const DASHBOARD_READ_ONLY =
  'Settings are read-only in this dashboard: changing them needs root. Run `sudo snooze config set KEY VALUE`, or start `sudo snooze dashboard`.';

/**
 * One command, answered as the HTTP status and body to send. Settings go to the admin
 * socket beside the public one: this server reaches it only when it runs as root (or in
 * admin_group, or for a per-user agent of the same user); otherwise the refusal is a
 * FORBIDDEN value, never a fallback to the public socket.
 */
export async function relayCommand(
  socketPath: string,
  command: DashboardCommand,
  params: object,
  timeoutMs: number,
  req: RequestFn = request,
): Promise<{ status: number; body: DashboardReply<unknown> }> {
  const target = command === 'CONFIG_SET' ? adminSocketPath(socketPath) : socketPath;
  try {
    // The agent validates params against the protocol's schemas; its error comes back as a value.
    const data = await req(target, command, params as never, { timeoutMs });
    return { status: 200, body: { ok: true, data } };
  } catch (err) {
    if (!(err instanceof AgentError)) throw err;
    if (command === 'CONFIG_SET' && (err.code === 'PERMISSION_DENIED' || err.code === 'FORBIDDEN')) {
      return { status: 200, body: { ok: false, error: DASHBOARD_READ_ONLY, code: 'FORBIDDEN' } };
    }
    const unreachable = err.code === 'NOT_RUNNING' || err.code === 'PERMISSION_DENIED' || err.code === 'NO_REPLY';
    return { status: unreachable ? 502 : 200, body: { ok: false, error: err.message, code: err.code, ...(err.fields ? { fields: err.fields } : {}) } };
  }
}

export async function relay(
  socketPath: string,
  command: DashboardCommand,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  timeoutMs: number,
): Promise<void> {
  const params = await readJsonObject(req);
  const r = await relayCommand(socketPath, command, params, timeoutMs);
  json(res, r.status, r.body);
}

/** Whether the settings page may save: asked of the admin socket itself, as a save would be. */
export async function settingsAccess(socketPath: string, req: RequestFn = request): Promise<SettingsAccess> {
  try {
    await req(adminSocketPath(socketPath), 'STATUS', {}, { timeoutMs: 2000 });
    return { writable: true };
  } catch {
    return { writable: false, message: DASHBOARD_READ_ONLY, unlock: false };
  }
}

/** The hub's state while it has a subscription, else one STATUS to find out. */
export async function connectionState(socketPath: string, hub: StreamHub): Promise<ConnectionState> {
  if (hub.active) return hub.state;
  try {
    await request(socketPath, 'STATUS', {}, { timeoutMs: 2000 });
    return { online: true };
  } catch (err) {
    return { online: false, error: (err as Error).message };
  }
}
