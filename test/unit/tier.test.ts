/** The unit tier is what it says: pinned off EC2, and no processes, servers or connections. */
import childProcess from 'node:child_process';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { takeRefusals } from '../helpers/unit-guard.js';

describe('unit tier', () => {
  it('runs pinned off EC2 with AWS on an unused loopback port', () => {
    expect(process.env.CLOUDSNOOZE_DMI_DIR).toMatch(/^\/nonexistent\//);
    expect(process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT).toBe('http://127.0.0.1:9');
    expect(process.env.AWS_ENDPOINT_URL_EC2).toBe('http://127.0.0.1:9');
  });

  it('refuses child processes, servers and connections, by named and default import', () => {
    expect(() => spawnSync('true')).toThrow(/child_process\.spawnSync refused in test\/unit/);
    expect(() => childProcess.execFile('true')).toThrow(/child_process\.execFile refused/);
    expect(() => net.createServer().listen(0, '127.0.0.1')).toThrow(/listen .* refused/);
    expect(() => http.createServer().listen(0, '127.0.0.1')).toThrow(/listen .* refused/);
    expect(() => net.connect(9, '127.0.0.1')).toThrow(/connect .* refused/);
    expect(() => fetch('http://127.0.0.1:9/')).toThrow(/fetch refused/);
    expect(takeRefusals()).toHaveLength(6);
  });
});
