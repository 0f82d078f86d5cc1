/**
 * Two levels of authority on a real agent (docs/security.md, "Socket authority"): a
 * non-root member of the socket group (uid 65534 through setpriv) uses the instance but
 * cannot change settings or release root's holds; root can. Needs root to create the
 * group and drop to another uid: skipped otherwise, with the reason logged once.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type AgentError } from '../../lib/client.js';
import { SNOOZE, startAgent, tempDir, type AgentHandle } from '../helpers/agent.js';
import { adminSocketPath } from '../../contract/paths.js';

const GROUP = 'cs-authority-test';
const MEMBER_UID = 65534;

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root (cannot create a group or run a child as another uid)';
  for (const tool of ['setpriv', 'groupadd']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing`;
  }
  return null;
}
const SKIP = skipReason();
if (SKIP) console.log(`authority.test: skipped: ${SKIP}`);

let gid = -1;

/** The built CLI as uid 65534 with the test group as its only supplementary group. */
function asMember(socket: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = [`--reuid=${MEMBER_UID}`, `--regid=${MEMBER_UID}`, `--groups=${gid}`, process.execPath, SNOOZE, '--socket', socket, ...args];
  return run('setpriv', argv);
}

function asRoot(socket: string, ...args: string[]) {
  return run(process.execPath, [SNOOZE, '--socket', socket, ...args]);
}

function run(cmd: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, argv, { env: { PATH: process.env.PATH, HOME: '/nonexistent' }, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A folder uid 65534 may enter (mkdtemp makes 0700 ones). */
function openDir(): string {
  const dir = tempDir('cs-auth-');
  chmodSync(dir, 0o755);
  return dir;
}

describe.skipIf(SKIP !== null)('socket authority with a real agent and a non-root member', () => {
  let a: AgentHandle;

  beforeAll(async () => {
    expect(spawnSync('groupadd', ['-f', GROUP]).status).toBe(0);
    gid = Number(spawnSync('getent', ['group', GROUP], { encoding: 'utf8' }).stdout.split(':')[2]);
    expect(Number.isInteger(gid)).toBe(true);
    a = await startAgent({ dir: openDir(), config: { socket_group: GROUP, naptime_minutes: 30, warning_minutes: 5 } });
  });
  afterAll(async () => {
    await a?.stop();
  });

  it('listens on a public socket (0660, the group) and a root-only admin socket (0600, root)', () => {
    const pub = statSync(a.socket);
    expect([pub.mode & 0o777, pub.gid]).toEqual([0o660, gid]);
    const admin = statSync(a.adminSocket);
    expect(a.adminSocket).toBe(adminSocketPath(a.socket));
    expect([admin.mode & 0o777, admin.uid]).toEqual([0o600, 0]);
  });

  it("a member's config set exits 6 with a clear message and changes nothing; root's succeeds", async () => {
    const member = await asMember(a.socket, 'config', 'set', 'naptime_minutes', '0.05');
    expect(member.code).toBe(6);
    expect(member.stderr).toContain('only root (or members of admin_group) can change settings; try: sudo snooze config set naptime_minutes 0.05');
    expect((await a.req('CONFIG_GET')).naptime_minutes).toBe(30);
    expect(JSON.parse(readFileSync(a.configPath, 'utf8')).naptime_minutes).toBe(30);

    // The raw protocol on the public socket says the same, whoever connects there.
    const raw = await a.reqPublic('CONFIG_SET', { values: { naptime_minutes: 0.05 } }).catch((e: AgentError) => e);
    expect(raw).toMatchObject({ code: 'FORBIDDEN' });
    expect((raw as AgentError).message).toMatch(/Changing settings needs root/);

    const root = await asRoot(a.socket, 'config', 'set', 'naptime_minutes', '45');
    expect(root).toMatchObject({ code: 0 });
    expect((await a.req('CONFIG_GET')).naptime_minutes).toBe(45);
  });

  it('a member still reads status and places and releases its own holds, recorded as a member', async () => {
    expect((await asMember(a.socket, 'status')).code).toBe(0);
    expect((await asMember(a.socket, 'postpone', '30')).code).toBe(0);
    expect((await asMember(a.socket, 'stay-awake', '--reason', 'member job')).code).toBe(0);
    expect((await a.req('STATUS')).stay_awake?.reason).toBe('member job');
    expect((await asMember(a.socket, 'release')).code).toBe(0);
    expect((await a.req('STATUS')).stay_awake).toBeNull();
    const events = (await a.req('HISTORY', { limit: 3 })).events;
    expect(events.map((e) => [e.type, e.by])).toEqual([
      ['release', 'socket group member'],
      ['stay_awake', 'socket group member'],
      ['postpone', 'socket group member'],
    ]);
  });

  it("a member cannot release or replace root's hold; root can release it", async () => {
    await request(a.adminSocket, 'STAY_AWAKE', { reason: 'root maintenance' });
    expect((await a.req('HISTORY', { limit: 1 })).events[0]).toMatchObject({ type: 'stay_awake', by: 'root' });
    const release = await asMember(a.socket, 'release');
    expect(release.code).toBe(6);
    expect(release.stderr).toMatch(/placed by root.*only root can release it/);
    const replace = await asMember(a.socket, 'stay-awake', '--for', '1m');
    expect(replace.code).toBe(6);
    expect((await a.req('STATUS')).stay_awake?.reason).toBe('root maintenance');
    expect((await a.req('HISTORY', { limit: 1 })).events[0]!.by).toBe('root');

    await request(a.adminSocket, 'RELEASE');
    expect((await a.req('STATUS')).stay_awake).toBeNull();
    expect((await a.req('HISTORY', { limit: 1 })).events[0]).toMatchObject({ type: 'release', by: 'root' });
  });

  it('admin_group gives its members the admin channel (0660, that group)', async () => {
    const b = await startAgent({ dir: openDir(), config: { socket_group: GROUP, admin_group: GROUP, naptime_minutes: 30 } });
    try {
      const admin = statSync(b.adminSocket);
      expect([admin.mode & 0o777, admin.gid]).toEqual([0o660, gid]);
      expect(await asMember(b.socket, 'config', 'set', 'naptime_minutes', '40')).toMatchObject({ code: 0 });
      expect((await b.req('CONFIG_GET')).naptime_minutes).toBe(40);
    } finally {
      await b.stop();
    }
  });
});

describe('the admin socket path follows the public socket rules', () => {
  it('refuses to start, and deletes nothing, when a regular file sits at the admin path', async () => {
    const dir = tempDir('cs-auth-file-');
    const adminPath = adminSocketPath(`${dir}/agent.sock`);
    writeFileSync(adminPath, 'not a socket');
    const a = await startAgent({ dir, waitReady: false });
    expect(await a.exited).toBe(1);
    expect(a.output()).toMatch(/refusing to use .*agent\.admin\.sock: it is a regular file/);
    expect(readFileSync(adminPath, 'utf8')).toBe('not a socket');
    // The public socket it had opened is gone with it.
    expect(existsSync(`${dir}/agent.sock`)).toBe(false);
  });
});
