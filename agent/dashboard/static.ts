/**
 * The built renderer's files. They hold no secret (the same files sit readable in the
 * package), so they are served without a token: a reloaded tab must get its page back
 * before its script can send the session token from sessionStorage.
 */
import { promises as fs } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { SECURITY_HEADERS, refuse } from './respond.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file a URL path names inside `root`, or null when it would leave it (`..`,
 * encoded separators, NUL, a symlink pointing out) or is not a regular file.
 */
export async function resolveStatic(root: string, urlPath: string): Promise<string | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const realRoot = await fs.realpath(root).catch(() => null);
  if (!realRoot) return null;
  const full = path.resolve(realRoot, `.${path.posix.normalize(rel)}`);
  if (!full.startsWith(realRoot + path.sep)) return null;
  try {
    const real = await fs.realpath(full);
    if (!real.startsWith(realRoot + path.sep)) return null;
    const st = await fs.stat(real);
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}

export async function serveStatic(root: string, req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, false, 405, 'METHOD', `${req.method ?? ''} is not allowed here`);
  const file = await resolveStatic(root, pathname);
  if (!file) return refuse(res, false, 404, 'NOT_FOUND', `no such file: ${pathname}`);
  const body = await fs.readFile(file);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
