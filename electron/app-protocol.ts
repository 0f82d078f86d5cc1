/**
 * The renderer is served from app://cloudsnooze/ by protocol.handle, not from file://:
 * a file:// page may read any file:// URL while the GrantFileProtocolExtraPrivileges fuse
 * is on, and a packaged app turns that fuse off (electron-builder.yml electronFuses).
 * Only files under dist/renderer are served, each with the full CSP as a header.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_HOST, APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES } from './app-scheme.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

export { APP_HOST, APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** The file a request maps to, or null: another host, a path outside the root, a type we do not serve. */
export function resolveAppFile(url: string, rootDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const root = path.resolve(rootDir);
  const file = path.resolve(root, `.${path.posix.normalize(rel)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  if (!(path.extname(file).toLowerCase() in TYPES)) return null;
  return file;
}

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The protocol.handle handler: a Response for every request, never a throw. */
export function appProtocolHandler(rootDir: string, read: (file: string) => Promise<Buffer> = (f) => readFile(f)): (req: { url: string; method?: string }) => Promise<Response> {
  return async (req) => {
    const headers = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' };
    if (req.method && req.method !== 'GET' && req.method !== 'HEAD') return new Response('method not allowed', { status: 405, headers });
    const file = resolveAppFile(req.url, rootDir);
    if (!file) return new Response('not found', { status: 404, headers });
    try {
      const body = await read(file);
      return new Response(new Uint8Array(body), { status: 200, headers: { ...headers, 'Content-Type': contentType(file) } });
    } catch {
      return new Response('not found', { status: 404, headers });
    }
  };
}
