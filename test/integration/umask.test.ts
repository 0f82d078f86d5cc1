/**
 * The systemd unit runs the agent with UMask=0077. Modes that others depend on must not
 * follow the umask: the socket stays 0660 (its group uses it), the config file keeps its
 * mode across CONFIG_SET, while the agent's private files (history) become owner-only.
 */
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { ALWAYS_IDLE, startAgent, waitFor, type AgentHandle } from '../helpers/agent.js';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');

/** Runs `fn` with the process umask set (children spawned meanwhile inherit it). */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const old = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(old);
  }
}

describe('under UMask=0077', () => {
  let a: AgentHandle | null = null;
  afterEach(async () => {
    await a?.stop();
    a = null;
  });

  it('the agent still makes its socket 0660, keeps the config mode on CONFIG_SET, and keeps history to itself', async () => {
    a = await withUmask(0o077, () => startAgent({ config: { ...ALWAYS_IDLE, naptime_minutes: 60 } }));
    expect(mode(a.socket)).toBe('0660');
    chmodSync(a.configPath, 0o644);
    await a.req('CONFIG_SET', { values: { naptime_minutes: 45 } });
    expect(mode(a.configPath)).toBe('0644');
    await a.req('POSTPONE', { minutes: 5 });
    const history = await waitFor(() => statSync(a!.historyPath, { throwIfNoEntry: false }), 5000, 'history file');
    expect((history.mode & 0o077).toString(8)).toBe('0');
  });
});

describe('writeFileAtomic', () => {
  it('sets modes explicitly whatever the umask: new files 0644, rewrites keep the mode, an explicit mode wins', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-umask-'));
    await withUmask(0o077, async () => {
      const fresh = path.join(dir, 'new.json');
      await writeFileAtomic(fresh, '{}\n');
      expect(mode(fresh)).toBe('0644');

      const secret = path.join(dir, 'secret.json');
      writeFileSync(secret, '{}\n');
      chmodSync(secret, 0o600);
      await writeFileAtomic(secret, '{"a":1}\n');
      expect(mode(secret)).toBe('0600');

      const shared = path.join(dir, 'shared.json');
      writeFileSync(shared, '{}\n');
      chmodSync(shared, 0o640);
      await writeFileAtomic(shared, '{"a":1}\n');
      expect(mode(shared)).toBe('0640');

      await writeFileAtomic(fresh, '{}\n', 0o640);
      expect(mode(fresh)).toBe('0640');
    });
  });
});
