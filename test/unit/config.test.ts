import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatch, ConfigError, CONFIG_KEYS, DEFAULT_CONFIG, loadConfig, parseConfig, saveConfig } from '../../agent/config.js';
import { policyConfigFrom, warningLeadMs } from '../../agent/policy.js';

describe('config', () => {
  it('has every documented key with its default', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      check_interval_seconds: 60,
      naptime_minutes: 30,
      cpu_threshold_percent: 10,
      memory_threshold_percent: 30,
      network_threshold_kbps: 50,
      disk_io_threshold_kbps: 100,
      input_idle_threshold_secs: 900,
      gpu_monitoring_enabled: true,
      gpu_threshold_percent: 5,
      aws_region: '',
      enable_instance_tags: true,
      tagging_prefix: 'CloudSnooze',
      detailed_instance_tags: true,
      socket_path: '/var/run/cloudsnooze.sock',
      dry_run: false,
      warning_minutes: 5,
    });
    const shipped = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../config/snooze.json'), 'utf8'));
    expect(parseConfig(shipped)).toEqual(DEFAULT_CONFIG);
    expect(Object.keys(shipped).sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it('accepts demo values (naptime 0.05 min, 1 s interval) and refuses out-of-range ones naming the key and range', () => {
    expect(parseConfig({ naptime_minutes: 0.05, warning_minutes: 0.02, check_interval_seconds: 1 }).naptime_minutes).toBe(0.05);
    // The exact words a person reads (the file's line names the key; `fields` holds the bare message per key).
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ naptime_minutes: 0.01 }, 'naptime_minutes: Naptime must be at least 0.05 minutes (3 seconds) (you entered 0.01)'],
      [{ check_interval_seconds: 0 }, 'check_interval_seconds: Check interval must be at least 1 second (you entered 0)'],
      [{ check_interval_seconds: 1.5 }, 'check_interval_seconds: Check interval must be a whole number of seconds (you entered 1.5)'],
      [{ check_interval_seconds: 99999 }, 'check_interval_seconds: Check interval must be at most 3600 seconds (1 hour) (you entered 99999)'],
      [{ cpu_threshold_percent: 101 }, 'cpu_threshold_percent: CPU threshold must be at most 100 % (you entered 101)'],
      [{ memory_threshold_percent: 'lots' }, 'memory_threshold_percent: Memory threshold must be a number (a percentage) (you entered "lots")'],
      [{ tagging_prefix: 'aws:mine' }, 'tagging_prefix: Tag prefix must not start with "aws:" and must not be "aws" (EC2 reserves tag keys starting with "aws:") (you entered "aws:mine")'],
      [{ aws_region: 'mars' }, 'aws_region: AWS region must be empty or a region name such as us-east-1 (you entered "mars")'],
      [{ logging: { log_level: 'loud' } }, 'logging.log_level: Log level must be one of debug, info, warn or error (you entered "loud")'],
      [{ naptime: 5 }, 'naptime: There is no setting "naptime": see snooze config list for the names'],
      [{ history_path: '' }, 'history_path: History file must not be empty'],
      [{ gpu_monitoring_enabled: 'yes' }, 'gpu_monitoring_enabled: GPU monitoring must be true or false (you entered "yes")'],
      [{ keep_awake_processes: Array(40).fill('x') }, 'keep_awake_processes: Keep-awake processes can hold at most 32 entries (yours has 40)'],
      // The case: a warning as long as the naptime would warn at the first idle sample of every spell.
      [
        { warning_minutes: 45, naptime_minutes: 1 },
        'warning_minutes, naptime_minutes: Warning time (45 minutes) must be shorter than the naptime (1 minute): lower warning_minutes first, or raise naptime_minutes',
      ],
    ];
    for (const [raw, words] of cases) {
      let err: unknown;
      try {
        parseConfig(raw);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(raw)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toBe(words);
    }
  });

  it('per-field messages: one per key, in the user\'s words, without the key or a wire name', () => {
    let err: ConfigError | undefined;
    try {
      applyPatch(DEFAULT_CONFIG, { check_interval_seconds: 1.5, naptime_minutes: 0.001, tagging_prefix: '' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.fields).toEqual({
      check_interval_seconds: 'Check interval must be a whole number of seconds (you entered 1.5)',
      naptime_minutes: 'Naptime must be at least 0.05 minutes (3 seconds) (you entered 0.001)',
      tagging_prefix: 'Tag prefix must not be empty (you entered "")',
    });
    try {
      applyPatch({ ...DEFAULT_CONFIG, naptime_minutes: 10 }, { warning_minutes: 10 });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(Object.keys(err?.fields ?? {})).toEqual(['warning_minutes', 'naptime_minutes']);
    expect(err?.fields?.warning_minutes).toBe('Warning time (10 minutes) must be shorter than the naptime (10 minutes): lower warning_minutes first, or raise naptime_minutes');
  });

  it('a short naptime under the default warning still loads (files written before the rule) and warns at half the naptime', () => {
    const c = parseConfig({ naptime_minutes: 1 });
    expect(c.warning_minutes).toBe(5);
    const pcfg = policyConfigFrom(c);
    expect(warningLeadMs(pcfg)).toBe(30_000);
    expect(warningLeadMs(policyConfigFrom(parseConfig({ naptime_minutes: 10, warning_minutes: 2 })))).toBe(120_000);
    // A shorter naptime over the default warning is a change to the naptime only: accepted.
    expect(applyPatch(DEFAULT_CONFIG, { naptime_minutes: 3 }).changed).toEqual(['naptime_minutes']);
  });

  it('applyPatch changes only valid keys, reports what changed, and leaves the current config alone on error', () => {
    const cur = DEFAULT_CONFIG;
    const { config, changed } = applyPatch(cur, { naptime_minutes: 10, cpu_threshold_percent: 10 });
    expect(changed).toEqual(['naptime_minutes']);
    expect(config.naptime_minutes).toBe(10);
    expect(() => applyPatch(cur, { naptime_minutes: 10, gpu_threshold_percent: -1 })).toThrow(ConfigError);
    expect(cur.naptime_minutes).toBe(30);
  });

  it('missing file = defaults; bad JSON and bad values are ConfigErrors; saves atomically', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-cfg-'));
    const file = path.join(dir, 'snooze.json');
    expect(await loadConfig(file)).toEqual({ config: DEFAULT_CONFIG, fromFile: false });
    writeFileSync(file, '{"naptime_minutes": ');
    await expect(loadConfig(file)).rejects.toThrow(/not valid JSON/);
    writeFileSync(file, '{"naptime_minutes": -3}');
    await expect(loadConfig(file)).rejects.toThrow(/naptime_minutes: Naptime must be at least 0\.05 minutes/);
    await saveConfig(file, { ...DEFAULT_CONFIG, naptime_minutes: 12 });
    expect((await loadConfig(file)).config.naptime_minutes).toBe(12);
    expect(readdirSync(dir)).toEqual(['snooze.json']);
  });
});

describe('a config file that exposes its secrets', () => {
  it('loadConfig says so when a file holding notifications is readable by every local user, and names the cure', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-cfg-mode-'));
    const file = path.join(dir, 'snooze.json');
    writeFileSync(file, JSON.stringify({ notifications: { webhook_url: 'https://hooks.example.com/services/T/B/SECRET' } }), { mode: 0o644 });
    const open = await loadConfig(file);
    expect(open.exposed).toMatch(/every local user may read it \(mode 0644\): chmod 600 /);
    expect(open.exposed).not.toMatch(/SECRET/);
    const { chmodSync } = await import('node:fs');
    chmodSync(file, 0o600);
    expect((await loadConfig(file)).exposed).toBeUndefined();
    // Nothing secret in it: 0644 is fine.
    writeFileSync(file, JSON.stringify({ naptime_minutes: 45 }));
    chmodSync(file, 0o644);
    expect((await loadConfig(file)).exposed).toBeUndefined();
  });
});
