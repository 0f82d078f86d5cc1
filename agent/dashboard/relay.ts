/**
 * The relay to the agent: one whitelisted command per request, params validated by the
 * agent itself, its answer (or its refusal) handed back as a DashboardReply.
 */
import type http from 'node:http';
import type { DashboardCommand } from '../../contract/dashboard-http.js';
import { AgentError, request } from '../../lib/client.js';
import type { ConnectionState } from '../../contract/protocol.js';
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

export async function relay(
  socketPath: string,
  command: DashboardCommand,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  timeoutMs: number,
): Promise<void> {
  const params = await readJsonObject(req);
  try {
    // The agent validates params against the protocol's schemas; its error comes back as a value.
    const data = await request(socketPath, command, params as never, { timeoutMs });
    json(res, 200, { ok: true, data });
  } catch (err) {
    if (err instanceof AgentError) {
      const unreachable = err.code === 'NOT_RUNNING' || err.code === 'PERMISSION_DENIED' || err.code === 'NO_REPLY';
      json(res, unreachable ? 502 : 200, { ok: false, error: err.message, code: err.code });
    } else throw err;
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
