/**
 * `config set` keeps snooze.json as its owner wrote it: only the changed top-level members
 * are replaced (or appended); every other byte (order, spacing, keys left at their
 * defaults) stays, so a default changed in a later release still reaches keys the owner
 * never set. The loader reads plain JSON (JSON.parse), so this is a minimal textual edit of
 * JSON, not a rewrite.
 */
import * as fs from '../lib/fs-async.js';
import { writeFileAtomic } from '../lib/fs-atomic.js';

export class ConfigEditError extends Error {}

interface Member {
  key: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

/** The top-level members of a JSON object text, with where each one's value lies. */
function scanObject(text: string): { open: number; close: number; members: Member[] } {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new ConfigEditError(`the file is not a JSON object (${what} at character ${i})`);
  };
  const skipString = () => {
    if (text[i] !== '"') fail('expected a string');
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const skipValue = () => {
    if (text[i] === '"') return skipString();
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '"') {
          skipString();
          continue;
        }
        if (c === '{' || c === '[') depth++;
        if (c === '}' || c === ']') depth--;
        i++;
        if (depth === 0) return;
      }
      fail('unbalanced brackets');
    }
    const start = i;
    while (i < text.length && /[^\s,}\]]/.test(text[i]!)) i++;
    if (i === start) fail('expected a value');
  };
  ws();
  if (text[i] !== '{') fail('expected "{"');
  const open = i++;
  const members: Member[] = [];
  for (;;) {
    ws();
    if (text[i] === '}') break;
    if (members.length) {
      if (text[i] !== ',') fail('expected ","');
      i++;
      ws();
    }
    const keyStart = i;
    skipString();
    const key = JSON.parse(text.slice(keyStart, i)) as string;
    ws();
    if (text[i] !== ':') fail('expected ":"');
    i++;
    ws();
    const valueStart = i;
    skipValue();
    members.push({ key, keyStart, valueStart, valueEnd: i });
  }
  return { open, close: i, members };
}

/** The indentation the file uses for its members ("  " when it has none to copy). */
function memberIndent(text: string, m: Member | undefined): string {
  if (!m) return '  ';
  const lineStart = text.lastIndexOf('\n', m.keyStart) + 1;
  const lead = text.slice(lineStart, m.keyStart);
  return /^[ \t]*$/.test(lead) ? lead : '  ';
}

function valueText(v: unknown, indent: string): string {
  return JSON.stringify(v, null, indent || '  ').replace(/\n/g, `\n${indent}`);
}

/**
 * `text` with each key of `changes` set: its value replaced where the key is (the last
 * occurrence, the one JSON.parse keeps), else appended as a new member. The result parses
 * to the old object with these keys changed.
 */
export function editConfigText(text: string, changes: Record<string, unknown>): string {
  if (text.trim() === '') text = '{}\n';
  let out = text;
  for (const [key, value] of Object.entries(changes)) {
    const { close, members } = scanObject(out);
    const existing = members.filter((m) => m.key === key).at(-1);
    const indent = memberIndent(out, existing ?? members[0]);
    if (existing) {
      out = out.slice(0, existing.valueStart) + valueText(value, indent) + out.slice(existing.valueEnd);
      continue;
    }
    const member = `${JSON.stringify(key)}: ${valueText(value, indent)}`;
    const last = members.at(-1);
    if (last) {
      out = `${out.slice(0, last.valueEnd)},\n${indent}${member}${out.slice(last.valueEnd)}`;
    } else {
      const before = out.slice(0, close).replace(/\s*$/, '');
      out = `${before}\n${indent}${member}\n${out.slice(close)}`;
    }
  }
  return out;
}

/** Writes `changes` into the config file (created when missing), atomically. */
export async function saveConfigChanges(file: string, changes: Record<string, unknown>): Promise<void> {
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const next = editConfigText(text, changes);
  // Never write what the agent could not read back at its next start.
  JSON.parse(next);
  await writeFileAtomic(file, next);
}
