/**
 * One webhook POST. node:http(s) is imported here, on the first POST: an agent without a
 * webhook configured never loads Node's HTTP stack (the agent on EC2 talks to metadata
 * over node:net, aws/imds.ts). No redirects are followed (root must not be steered to
 * another address), no connection is kept, and the whole exchange has one deadline.
 */
import { VERSION } from '../version.js';

export class WebhookError extends Error {
  override name = 'WebhookError';
}

export async function postJson(url: string, body: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // The status is all we need: the reply's body (and its socket) are let go at once.
      req.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => settle(new WebhookError('cancelled: the agent is shutting down'));
    const req = mod.request(
      u,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': `CloudSnooze/${VERSION}` },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        settle(status >= 200 && status < 300 ? null : new WebhookError(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`));
      },
    );
    const timer = setTimeout(() => settle(new WebhookError(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    timer.unref();
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => settle(new WebhookError(err.message)));
    req.end(body);
  });
}
