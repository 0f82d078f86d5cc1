import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatch, ConfigError, CONFIG_KEYS, DEFAULT_CONFIG, loadConfig, parseConfig, saveConfig } from '../../agent/config.js';

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
    expect(parseConfig({ naptime_minutes: 0.05, check_interval_seconds: 1 }).naptime_minutes).toBe(0.05);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ naptime_minutes: 0.01 }, /naptime_minutes must be at least 0\.05/],
      [{ check_interval_seconds: 0 }, /check_interval_seconds must be at least 1/],
      [{ check_interval_seconds: 1.5 }, /check_interval_seconds/],
      [{ cpu_threshold_percent: 101 }, /cpu_threshold_percent must be at most 100/],
      [{ memory_threshold_percent: 'lots' }, /memory_threshold_percent must be a number/],
      [{ tagging_prefix: 'aws:mine' }, /tagging_prefix must not start with "aws:"/],
      [{ aws_region: 'mars' }, /aws_region must be empty or a region name/],
      [{ logging: { log_level: 'loud' } }, /logging\.log_level/],
      [{ naptime: 5 }, /unknown key "naptime"/],
    ];
    for (const [raw, re] of cases) expect(() => parseConfig(raw)).toThrow(re);
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
    await expect(loadConfig(file)).rejects.toThrow(/naptime_minutes must be at least/);
    await saveConfig(file, { ...DEFAULT_CONFIG, naptime_minutes: 12 });
    expect((await loadConfig(file)).config.naptime_minutes).toBe(12);
    expect(readdirSync(dir)).toEqual(['snooze.json']);
  });
});
