/**
 * A member of the socket group against root's power to end holds, on a real agent. A
 * process hold (`snooze stay-awake --while PID`) may name any process the agent can see;
 * bound to pid 1 it never ends, RELEASE leaves process holds alone, and holds survive a
 * restart: before `release --pid`, the member's hold kept the instance up for good with no
 * one, root included, able to end it (docs/security.md, "Holds and who placed them").
 */
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../lib/client.js';
import { SNOOZE, startAgent, tempDir, type AgentHandle } from '../helpers/agent.js';

const agents: AgentHandle[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

function cli(argv: string[], asUid?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, args] = asUid === undefined ? [process.execPath, [SNOOZE, ...argv]] : ['setpriv', [`--reuid=${asUid}`, `--regid=${asUid}`, '--clear-groups', process.execPath, SNOOZE, ...argv]];
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: process.env.PATH, HOME: '/nonexistent' }, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function refusal(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (err) {
    return err as AgentError;
  }
  throw new Error('expected a refusal');
}

const isRoot = process.getuid?.() === 0;

describe("a member's process hold on a process that never ends", () => {
  it('is refused to members, ended by root with release --pid, and stays ended after a restart', async () => {
    const dir = tempDir('cs-holds-attack-');
    chmodSync(dir, 0o755);
    const config = { naptime_minutes: 30, warning_minutes: 5 };
    let a = await startAgent({ dir, config });
    agents.push(a);

    // The member binds a hold to pid 1: accepted (the group may keep the instance awake).
    await a.reqPublic('STAY_AWAKE', { while_pid: 1, reason: 'forever' });
    expect((await a.reqPublic('STATUS')).runs_total).toBe(1);

    // A plain release (member's or root's) leaves process holds alone, as documented.
    await a.req('RELEASE');
    expect((await a.reqPublic('STATUS')).runs_total).toBe(1);

    // A member cannot end it through the public socket: the rule, not a parse error.
    const member = await refusal(a.reqPublic('RELEASE', { pid: 1 }));
    expect(member.code).toBe('FORBIDDEN');
    expect(member.message).toContain('sudo snooze release --pid 1');
    expect((await a.reqPublic('STATUS')).runs_total).toBe(1);

    if (isRoot) {
      // The member's CLI cannot reach the admin socket (0600 root): exit 6 and the cure.
      const asMember = await cli(['--socket', a.socket, 'release', '--pid', '1'], 65534);
      expect(asMember.code).toBe(6);
      expect(asMember.stderr).toContain('try: sudo snooze release --pid 1');
    }

    // Root ends it; the process (pid 1) keeps running, and history says who did it.
    const root = await cli(['--socket', a.socket, 'release', '--pid', '1']);
    expect(root.stderr).toBe('');
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/^Ended the hold on pid 1 \(.*\); the process keeps running, and the idle countdown resumes\.\n$/);
    const st = await a.reqPublic('STATUS');
    expect([st.runs_total, st.runs]).toEqual([0, []]);
    expect(JSON.stringify(st.blockers)).not.toContain('snooze run');
    const ev = (await a.reqPublic('HISTORY', { type: 'release', limit: 1, details: true })).events[0]!;
    expect(ev.message).toContain('Ended the hold on pid 1');
    expect(ev.details?.run_released).toMatchObject({ pid: 1, reason: 'forever' });

    // Asking again says there is nothing on that pid (exit 4), and a restart does not bring it back.
    const again = await cli(['--socket', a.socket, 'release', '--pid', '1']);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('No snooze run / --while hold is on pid 1; nothing changed');
    await a.stop();
    agents.splice(0);
    a = await startAgent({ dir, config });
    agents.push(a);
    expect((await a.reqPublic('STATUS')).runs_total).toBe(0);
  }, 60_000);
});
