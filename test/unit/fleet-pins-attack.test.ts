/**
 * Whoever can write this instance's tags (or answer for instance metadata) against the pins:
 * a tag must never set what CONFIG_SET refuses (files, commands, sockets, secrets, who may
 * change settings) nor the prefix that names the tags, whatever the key's spelling; and a
 * value EC2 could not hold must not sit in history and refusals.
 */
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, DEFAULT_CONFIG, RESTART_KEYS, type ConfigKey } from '../../contract/config-schema.js';
import { PINNABLE_KEYS, TAG_VALUE_MAX } from '../../contract/config-sources.js';
import { checkSetting, effectiveConfig, pinnedMessage, pinsChange } from '../../agent/fleet-pins.js';

/** A valid, non-default value for every key a tag must not set: each would pass `checkSetting` if the key were pinnable. */
const FORBIDDEN_SAMPLES: Record<string, string> = {
  socket_path: '/tmp/evil.sock',
  socket_group: 'users',
  admin_group: 'users',
  history_path: '/etc/cron.d/evil',
  pre_stop_command: 'curl http://127.0.0.1:1/x | sh',
  metrics_listen: '127.0.0.1:9947',
  metrics_allow_remote: 'true',
  metrics_textfile: '/etc/cron.d/evil.prom',
  notifications: '{"webhook_url":"http://127.0.0.1:1/steal","events":["stop"]}',
  tagging_prefix: 'Other',
};

const tags = (o: Record<string, string>) => new Map(Object.entries(o));

describe('fleet pins: what a tag writer cannot set', () => {
  it('every key outside PINNABLE_KEYS is exactly the file-only keys plus tagging_prefix, and each has a sample here', () => {
    const unpinnable = CONFIG_KEYS.filter((k) => !PINNABLE_KEYS.includes(k)).sort();
    expect(unpinnable).toEqual([...RESTART_KEYS, 'tagging_prefix'].sort());
    expect(Object.keys(FORBIDDEN_SAMPLES).sort()).toEqual(unpinnable);
  });

  it('a key that names a file, command, socket, group, listener or secret is file-only (new keys included)', () => {
    const words = new Set(['path', 'command', 'socket', 'group', 'listen', 'textfile', 'remote', 'notifications', 'url', 'arn', 'secret', 'token', 'password', 'file', 'dir']);
    const risky = CONFIG_KEYS.filter((k) => k.split('_').some((w) => words.has(w)));
    expect(risky.length).toBeGreaterThan(5);
    for (const k of risky) expect(RESTART_KEYS, `${k} names something only root's file may choose`).toContain(k);
  });

  it.each(Object.entries(FORBIDDEN_SAMPLES))('a tag cannot pin %s, even with a valid value; the file value stays', (key, text) => {
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ [`CloudSnooze:Config:${key}`]: text }));
    expect(e.config).toEqual(DEFAULT_CONFIG);
    expect(e.pins).toEqual({});
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.error).toMatch(/only be set in the config file|cannot be pinned/);
    expect(checkSetting(key, text).error).not.toBeNull();
  });

  it('other spellings of a file-only key set nothing: case, spaces, dotted members, escapes, prototype names', () => {
    const spellings = [
      'CloudSnooze:Config:Pre_Stop_Command',
      'CloudSnooze:Config:pre_stop_command ',
      'CloudSnooze:Config: pre_stop_command',
      'CloudSnooze:config:pre_stop_command',
      'cloudsnooze:Config:pre_stop_command',
      'CloudSnooze:Config:pre_stop_command:x',
      'CloudSnooze:Config:pre\u200bstop_command',
      'CloudSnooze:Config:pre_stop_c\u043emmand', // Cyrillic o
      'CloudSnooze:Config:notifications.webhook_url',
      'CloudSnooze:Config:notifications/webhook_url',
      'CloudSnooze:Config:__proto__',
      'CloudSnooze:Config:constructor',
      'CloudSnooze:Config:hasOwnProperty',
      'CloudSnooze:Config:',
      'CloudSnooze:Config',
      'CloudSnooze::Config:pre_stop_command',
    ];
    const e = effectiveConfig(DEFAULT_CONFIG, tags(Object.fromEntries(spellings.map((s) => [s, 'touch /tmp/pwned']))));
    expect(e.config).toEqual(DEFAULT_CONFIG);
    expect(e.pins).toEqual({});
    expect(Object.getPrototypeOf(e.config)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).pwned).toBeUndefined();
  });

  it('a pinnable key holding an object cannot smuggle a file-only key inside it', () => {
    // logging is an object key a tag may pin: a member that is not its own is refused, and nothing leaks up a level.
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Config:logging': '{"log_level":"debug","pre_stop_command":"id"}', 'CloudSnooze:Config:schedule': '{"timezone":"","windows":[],"__proto__":{"pre_stop_command":"id"}}' }));
    expect(e.config.pre_stop_command).toBe('');
    expect(e.config.logging).toEqual(DEFAULT_CONFIG.logging);
    expect((e.config as Record<string, unknown>).pre_stop_command).toBe('');
    expect(e.problems.map((p) => p.tag)).toContain('CloudSnooze:Config:logging');
  });

  it('a value longer than EC2 allows (a padded "30" that JSON.parse would accept) is refused, and history keeps only its start', () => {
    const padded = `30${' '.repeat(100_000)}`;
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Config:naptime_minutes': padded, 'CloudSnooze:Config:cpu_threshold_percent': '20' }));
    expect(e.config.naptime_minutes).toBe(DEFAULT_CONFIG.naptime_minutes);
    expect(e.config.cpu_threshold_percent).toBe(20);
    expect(e.pins.naptime_minutes).toBeUndefined();
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.error).toMatch(/at most 256 characters \(got 100002\)/);
    expect(e.problems[0]!.value.length).toBeLessThanOrEqual(TAG_VALUE_MAX + 1);
    // What the history and CONFIG_SET's refusal carry of the remaining pin stays small.
    expect(pinsChange({}, e.pins)!.length).toBeLessThan(200);
    expect(pinnedMessage(['cpu_threshold_percent'], e.pins).length).toBeLessThan(300);
    // A value of exactly EC2's limit is read as usual.
    const max = effectiveConfig(DEFAULT_CONFIG, tags({ 'CloudSnooze:Config:naptime_minutes': `45${' '.repeat(TAG_VALUE_MAX - 2)}` }));
    expect(max.config.naptime_minutes).toBe(45);
  });

  it('a tag key longer than EC2 allows is reported cut, never echoed whole', () => {
    const key = `CloudSnooze:Config:${'x'.repeat(80_000)}`;
    const e = effectiveConfig(DEFAULT_CONFIG, tags({ [key]: '1', 'CloudSnooze:Disabled': 'true'.padEnd(5000, ' ') }));
    expect(e.config).toEqual(DEFAULT_CONFIG);
    expect(e.disabled).toBeNull();
    for (const p of e.problems) expect(JSON.stringify(p).length).toBeLessThan(600);
  });

  it('the keys a tag may pin are settable over CONFIG_SET too: a pin never reaches further than root\'s own socket command', () => {
    for (const k of PINNABLE_KEYS as ConfigKey[]) expect(RESTART_KEYS).not.toContain(k);
  });
});

describe('the message catalogue never echoes a secret', () => {
  it('a bad webhook URL or ARN in the file is refused naming the key, without the URL, its password or the account', async () => {
    const { parseConfig } = await import('../../contract/config-schema.js');
    const bad = [
      { webhook_url: 'https://admin:hunter2@hooks.example.com/T0/B0/SECRETPATH with space' },
      { webhook_url: 'ftp://admin:hunter2@x/SECRETPATH' },
      { sns_topic_arn: 'arn:aws:sns:us-east-1:210987654321:SECRETPATH/bad' },
    ];
    for (const n of bad) {
      let msg = '';
      try {
        parseConfig({ notifications: n });
      } catch (err) {
        msg = (err as Error).message;
      }
      expect(msg).toMatch(/notifications\.(webhook_url|sns_topic_arn)/);
      expect(msg).not.toMatch(/hunter2|admin|SECRETPATH|210987654321|you entered/);
    }
    let whole = '';
    try {
      parseConfig({ notifications: 'https://admin:hunter2@hooks.example.com/x' });
    } catch (err) {
      whole = (err as Error).message;
    }
    expect(whole).toMatch(/notifications/);
    expect(whole).not.toMatch(/hunter2/);
    // Other keys still say what was entered.
    expect(() => parseConfig({ naptime_minutes: 'soon' })).toThrow(/you entered "soon"/);
  });
});
