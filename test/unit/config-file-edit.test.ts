/** `config set` edits one member of the owner's snooze.json and leaves every other byte alone. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editConfigText, saveConfigChanges } from '../../agent/config-file-edit.js';
import { parseConfig } from '../../contract/config-schema.js';

// A user's 4-key file, in their own style: tabs, a key order of their choosing, no trailing newline.
const USER_FILE = '{\n\t"naptime_minutes": 45,\n\t"logging": { "log_level": "warn" },\n\t"cpu_threshold_percent":  12.5,\n\t"keep_awake_processes": ["rsync", "cmd:python train.py"]\n}';

describe('config file edit', () => {
  it('replaces one value in place: every other byte identical', () => {
    const out = editConfigText(USER_FILE, { cpu_threshold_percent: 20 });
    expect(out).toBe(USER_FILE.replace('12.5', '20'));
  });

  it('adds a key that was not there after the last one, in the file\'s indentation, and nothing else', () => {
    const out = editConfigText(USER_FILE, { check_interval_seconds: 30 });
    expect(out).toBe(USER_FILE.replace('"cmd:python train.py"]\n}', '"cmd:python train.py"],\n\t"check_interval_seconds": 30\n}'));
    // Still 5 keys, not 22: defaults are not pinned into the file.
    expect(Object.keys(JSON.parse(out) as object)).toHaveLength(5);
    expect(parseConfig(JSON.parse(out)).check_interval_seconds).toBe(30);
  });

  it('a nested setting (logging.log_level) replaces only its member', () => {
    const out = editConfigText(USER_FILE, { logging: { log_level: 'debug' } });
    expect(out).toBe(USER_FILE.replace('{ "log_level": "warn" }', '{\n\t\t"log_level": "debug"\n\t}'));
  });

  it('an empty or missing file becomes one member; the last duplicate (the one JSON.parse keeps) is edited', () => {
    expect(editConfigText('', { naptime_minutes: 10 })).toBe('{\n  "naptime_minutes": 10\n}\n');
    expect(editConfigText('{}', { naptime_minutes: 10 })).toBe('{\n  "naptime_minutes": 10\n}');
    expect(editConfigText('{"a": 1, "a": 2}', { a: 3 })).toBe('{"a": 1, "a": 3}');
    expect(editConfigText('{"s": "x\\"}", "n": 1}', { n: 2 })).toBe('{"s": "x\\"}", "n": 2}');
  });

  it('round trip on disk: other keys byte-identical after several sets', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-edit-'));
    const file = path.join(dir, 'snooze.json');
    writeFileSync(file, USER_FILE);
    await saveConfigChanges(file, { cpu_threshold_percent: 20 });
    await saveConfigChanges(file, { warning_minutes: 2 });
    await saveConfigChanges(file, { cpu_threshold_percent: 12.5 });
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(USER_FILE.replace('"cmd:python train.py"]\n}', '"cmd:python train.py"],\n\t"warning_minutes": 2\n}'));
  });

  it('refuses a file that is not a JSON object, leaving it alone', async () => {
    expect(() => editConfigText('[1, 2]', { a: 1 })).toThrow(/not a JSON object/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-edit-'));
    const file = path.join(dir, 'snooze.json');
    writeFileSync(file, '{"naptime_minutes": 5,}');
    await expect(saveConfigChanges(file, { naptime_minutes: 6 })).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('{"naptime_minutes": 5,}');
  });
});

describe('config file edit against tricky files', () => {
  const cases: [string, string][] = [
    ['a key inside a string value', '{"pre_stop_command": "echo \\"naptime_minutes\\": 1", "naptime_minutes": 5}'],
    ['the key only inside a nested object', '{"logging": {"naptime_minutes": 99, "log_level": "info"}}'],
    ['the key spelled with a unicode escape', '{"naptime\\u005fminutes": 5, "x": "}"}'],
    ['escaped backslash before a closing quote', '{"history_path": "C:\\\\", "naptime_minutes": 5}'],
    ['duplicates, the last one kept', '{"naptime_minutes": 5, "naptime_minutes": 7}'],
    ['brackets and braces inside strings', '{"keep_awake_processes": ["cmd:a]}{[", "b"], "naptime_minutes": 5}'],
    ['a __proto__ member', '{"__proto__": {"naptime_minutes": 1}, "naptime_minutes": 5}'],
    ['CRLF line ends and tabs', '{\r\n\t"naptime_minutes": 5\r\n}\r\n'],
  ];
  it.each(cases)('%s: the result is the old object with exactly the key changed', async (_name, text) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-edit-'));
    const file = path.join(dir, 'snooze.json');
    writeFileSync(file, text);
    await saveConfigChanges(file, { naptime_minutes: 42, 'quote"key': 'x"}, "pre_stop_command": "id' });
    const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const before = JSON.parse(text) as Record<string, unknown>;
    expect(after).toEqual({ ...before, naptime_minutes: 42, 'quote"key': 'x"}, "pre_stop_command": "id' });
    expect(after.pre_stop_command).toBe(before.pre_stop_command);
  });

  it('a file JSON.parse refuses is never reshaped into one it accepts (mismatched brackets), and stays as it was', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-edit-'));
    const file = path.join(dir, 'snooze.json');
    const broken = '{"naptime_minutes": [1}, "cpu_threshold_percent": {2]}';
    writeFileSync(file, broken);
    // The text scanner alone would replace both odd values and produce valid JSON.
    expect(() => JSON.parse(editConfigText(broken, { naptime_minutes: 5, cpu_threshold_percent: 6 }))).not.toThrow();
    await expect(saveConfigChanges(file, { naptime_minutes: 5, cpu_threshold_percent: 6 })).rejects.toThrow(/not valid JSON.*nothing changed/);
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });
});
