/**
 * Output longer than a pipe holds (64 KiB on Linux) reaches the reader whole: the real CLI,
 * piped as `snooze history --json | jq` would be, against a real agent with a long history.
 * The CLI used to exit the moment its command returned, dropping whatever stdout had not
 * yet taken: a thousand rows came out as the first 64 or 128 KiB, cut mid-line.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNOOZE, startAgent, tempDir, type AgentHandle } from '../helpers/agent.js';

const ROWS = 1200;
/** Not ASCII, so a reply cut between the bytes of one character would show too. */
const message = (i: number) => `Stay awake for 10 minutes: Überprüfung ß 日本語テキスト — Büro ${i}`;

/**
 * The built CLI piped into a reader that looks away for a moment, as `| less` or a busy `jq`
 * does: the pipe fills, and whatever the CLI could not write yet must wait for the reader.
 */
function runCliSlowReader(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // `set -o pipefail` is not in every sh: the CLI's exit status comes back on fd 3.
    const script = '{ "$0" "$@"; echo $? >&3; } | { sleep 0.7; cat; }';
    const p = spawn('/bin/sh', ['-c', script, process.execPath, SNOOZE, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let status = '';
    p.stdout!.on('data', (d) => (stdout += d));
    p.stderr!.on('data', (d) => (stderr += d));
    p.stdio[3]!.on('data', (d) => (status += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`snooze ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, 15_000);
    p.on('close', () => {
      clearTimeout(t);
      resolve({ code: Number(status.trim()), stdout, stderr });
    });
  });
}

describe('snooze history, more than a pipe holds', () => {
  let a: AgentHandle;
  beforeAll(async () => {
    const dir = tempDir();
    const rows = Array.from({ length: ROWS }, (_, k) => ({ id: k + 1, time: '2026-01-05T10:00:00Z', type: 'stay_awake', message: message(k + 1), by: 'socket group member' }));
    writeFileSync(path.join(dir, 'history.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    a = await startAgent({ dir });
  });
  afterAll(async () => {
    await a?.stop();
  });

  it('--json: every one of 1000 events, parsed whole', async () => {
    const r = await runCliSlowReader(['--socket', a.socket, 'history', '--limit', '1000', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(128 * 1024);
    const events = JSON.parse(r.stdout) as { message: string }[];
    expect(events).toHaveLength(1000);
    expect(events.some((e) => e.message === message(ROWS))).toBe(true);
  });

  it('text and csv: one line per event, none cut', async () => {
    const text = await runCliSlowReader(['--socket', a.socket, 'history', '--limit', '1000']);
    expect(text.code).toBe(0);
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(1000);
    expect(text.stdout).toContain(message(ROWS));
    const csv = await runCliSlowReader(['--socket', a.socket, 'history', '--limit', '1000', '--csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.trimEnd().split('\n')).toHaveLength(1001); // the header, then the rows
  });
});
