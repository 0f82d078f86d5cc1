/** contract/text.ts and the places that print user- or cloud-supplied strings: nothing a terminal would act on gets through. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvField, inert, inertDeep, inertJson } from '../../contract/text.js';
import { renderHistoryCsv, renderHistoryText, renderStatus } from '../../agent/cli/format.js';
import { createLogger } from '../../agent/log.js';
import { warnTerminals } from '../../agent/terminal-warning.js';
import type { HistoryEvent, Status } from '../../contract/protocol.js';

/** What an attacker would put in a reason: clear screen, retitle, a hidden link, 8-bit CSI, DEL, bidi override. */
export const HOSTILE = 'build\x1b[2J\x1b]0;pwned\x07 \x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\ \x9b31m\x7f \u202eevil\u202c \u2066x\u2069';

/** Any byte or character a terminal could act on (TAB and LF aside, which callers handle). */
// eslint-disable-next-line no-control-regex -- the test looks for exactly these characters
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function assertInert(s: string, opts: { newlines?: boolean } = {}): void {
  expect(s).not.toMatch(ACTIVE);
  if (!opts.newlines) expect(s).not.toContain('\n');
}

describe('inert', () => {
  it('replaces every control, C1 and bidi character with its visible \\uXXXX escape', () => {
    const out = inert(HOSTILE);
    assertInert(out);
    expect(out).toBe(
      'build\\u001b[2J\\u001b]0;pwned\\u0007 \\u001b]8;;http://evil/\\u001b\\link\\u001b]8;;\\u001b\\ \\u009b31m\\u007f \\u202eevil\\u202c \\u2066x\\u2069',
    );
    for (const c of ['\u0000', '\b', '\r', '\v', '\f', '\u001f', '\u0085', '\u009d', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029', '\u202a', '\u202d', '\u2067', '\u2068']) {
      expect(inert(`a${c}b`)).toBe(`a\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}b`);
    }
  });

  it('leaves ordinary text alone (accents, CJK, emoji, symbols) and turns TAB into a space', () => {
    const plain = 'Ünïcødé 日本語 🚀 — “quotes” \\ backslash ✓ ×2';
    expect(inert(plain)).toBe(plain);
    expect(inert('a\tb')).toBe('a b');
  });

  it('keeps line breaks only when asked; CRLF becomes LF and a lone CR never passes', () => {
    expect(inert('one\ntwo')).toBe('one\\u000atwo');
    expect(inert('one\r\ntwo\rthree\n\x1b[1m', { newlines: true })).toBe('one\ntwo\\u000dthree\n\\u001b[1m');
    assertInert(inert(`${HOSTILE}\n${HOSTILE}`, { newlines: true }), { newlines: true });
  });

  it('inertDeep reaches every string of a nested value, keys included, and keeps other values', () => {
    const v = inertDeep({ a: ['x\x1b[0m', 3, null, true], 'k\x1b': { b: '\u202e' } });
    expect(v).toEqual({ a: ['x\\u001b[0m', 3, null, true], 'k\\u001b': { b: '\\u202e' } });
  });

  it('inertJson escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { reason: HOSTILE, tags: { 'K\u0085': 'v\u2028' } };
    const json = JSON.stringify(value, null, 2);
    expect(json).toMatch(ACTIVE); // JSON.stringify alone lets C1 and bidi through
    const safe = inertJson(json);
    assertInert(safe, { newlines: true });
    expect(JSON.parse(safe)).toEqual(value);
  });
});

describe('csvField', () => {
  it('prefixes would-be formulas with a quote, also after spaces', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvField('+1+1')).toBe("'+1+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('  =1')).toBe("'  =1");
    expect(csvField('System idle for 30 minutes')).toBe('System idle for 30 minutes');
  });

  it('is one line, inert, and quoted when it holds a separator', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line\nbreak\x1b[2J')).toBe('line\\u000abreak\\u001b[2J');
    // A leading tab hides a formula from a naive check; it becomes a space and the guard still applies.
    expect(csvField('\t=1')).toBe("' =1");
  });

  it('OWASP\'s formula starters (= + - @ TAB CR), after any leading whitespace, never reach a cell as a formula', () => {
    for (const lead of ['=', '+', '-', '@', '\t=', '\r=', '\r\n=', ' \t =', '\u00a0=', '\ufeff=', '\u3000+']) {
      const cell = csvField(`${lead}cmd|' /C calc'!A0`);
      // Unquoted per RFC 4180, the cell must not start (after blanks) with a formula character.
      const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
      expect(unquoted, JSON.stringify(lead)).not.toMatch(/^\s*[=+\-@\t\r]/);
      // eslint-disable-next-line no-control-regex -- a cell is one line
      expect(unquoted).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

function status(reason: string): Status {
  return {
    version: '0.2.0',
    mode: 'local',
    state: 'stay_awake',
    instance: { id: 'i-0123456789abcdef0', type: 't3.micro\x1b[5m', region: 'us-east-1' },
    seconds_until_stop: null,
    stop_at: null,
    postponed_until: null,
    stay_awake: { until: null, reason },
    naptime_minutes: 30,
    warning_minutes: 5,
    check_interval_seconds: 60,
    idle_since: null,
    metrics: { cpu_percent: 1, memory_percent: 2, network_kbps: 0, disk_io_kbps: 0, gpu_percent: null, gpu_count: 0, input_idle_secs: null },
    thresholds: { cpu_percent: 10, memory_percent: 30, network_kbps: 50, disk_io_kbps: 100, gpu_percent: 5, input_idle_secs: 900 },
    blockers: [{ reason: `stay awake: ${reason}` }],
    error: 'EC2 said \x1b]0;title\x07',
  } as unknown as Status;
}

describe('CLI renderings', () => {
  it('snooze status: reason, blockers, instance facts and errors are inert, one line each', () => {
    const out = renderStatus(status(`${HOSTILE}\nState:    Active (forged line)`));
    assertInert(out, { newlines: true });
    expect(out).toContain('\\u001b[2J');
    expect(out.split('\n').filter((l) => l.startsWith('State:'))).toHaveLength(1);
  });

  it('snooze history: text lines and CSV cells are inert and one event per line', () => {
    const events: HistoryEvent[] = [
      { id: 1, time: '2026-01-01T00:00:00Z', type: 'stay_awake', message: `Stay awake until released: ${HOSTILE}\nforged` },
      { id: 2, time: '2026-01-01T00:01:00Z', type: 'stay_awake', message: '=cmd|\' /C calc\'!A0', details: { reason: HOSTILE } },
    ];
    const text = renderHistoryText(events);
    assertInert(text, { newlines: true });
    expect(text.split('\n')).toHaveLength(2);
    const csv = renderHistoryCsv(events);
    assertInert(csv, { newlines: true });
    expect(csv.split('\n')).toHaveLength(3);
    expect(csv.split('\n')[2]).toContain(`,'=cmd|' /C calc'!A0,`);
  });
});

describe('agent log and terminal warnings', () => {
  it('the log writes one inert line per event', () => {
    const lines: string[] = [];
    const log = createLogger('info', (_s, l) => lines.push(l));
    log.child('daemon')('info', `stay awake: ${HOSTILE}\nsecond line`);
    expect(lines).toHaveLength(1);
    assertInert(lines[0]!);
    expect(lines[0]).toMatch(/^info: daemon: stay awake: build\\u001b\[2J/);
  });

  it('the tty banner keeps its own CR LF and bell, and the message is inert', async () => {
    const dev = mkdtempSync(path.join(os.tmpdir(), 'cs-tty-'));
    mkdirSync(path.join(dev, 'pts'));
    writeFileSync(path.join(dev, 'pts', '0'), '');
    expect(await warnTerminals(`stops in 5 minutes: ${HOSTILE}`, dev)).toBe(1);
    const written = readFileSync(path.join(dev, 'pts', '0'), 'utf8');
    const [before, message, after] = written.split('***');
    expect(before).toBe('\r\n\x07');
    assertInert(message!);
    expect(message).toContain('\\u001b]0;pwned\\u0007');
    expect(after!.startsWith('\r\n(postpone')).toBe(true);
  });
});
