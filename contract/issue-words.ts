/**
 * Why a value or a request was refused, in the user's words: a zod issue becomes a sentence
 * that names the setting as the Settings page does, says what is allowed with its unit and
 * what was entered, and never shows a wire name or a parser's text. Its own file because it
 * is the part of the catalogue that reads the validator's issues.
 */
import { RATE_UNIT } from './sample.js';
import { entered, fieldLabel, unitOf } from './setting-words.js';
import { durationWords, fmtNumber, plural } from './time-format.js';

/** A bound with its unit: "3,600 seconds (1 hour)", "100 %", "1 character". */
function withUnit(n: number, unit: string | undefined): string {
  if (!unit) return fmtNumber(n);
  if (unit === '%' || unit === RATE_UNIT) return `${fmtNumber(n)} ${unit}`;
  const words = plural(n, unit);
  const secs = unit === 'second' ? n : unit === 'minute' ? n * 60 : null;
  // A large round bound also in the unit people count in ("10,080 minutes (7 days)").
  if (secs !== null && secs >= 3600 && Number.isInteger(secs)) return `${words} (${durationWords(secs)})`;
  if (secs !== null && secs < 60 && unit === 'minute') return `${words} (${durationWords(secs)})`;
  return words;
}

/** Fields whose value is (or holds) a secret: the notifications key and its URL and ARN, however it is labelled. */
function isSecretField(key: string): boolean {
  const bare = key.split('.').filter((p) => p !== 'values');
  return bare.includes('notifications') || bare.at(-1) === 'webhook_url' || bare.at(-1) === 'sns_topic_arn';
}

/**
 * A zod issue, by structure only (classic and mini produce the same ones): the fields the
 * catalogue reads to word a message.
 */
export interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  input?: unknown;
  expected?: string;
  format?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  keys?: string[];
  values?: readonly unknown[];
}

const EXPECTED_WORDS: Record<string, string> = {
  boolean: 'true or false',
  string: 'text',
  array: 'a list',
  object: 'a group of settings',
  nan: 'a number',
};

/**
 * One issue in the user's words. `key` is the dotted name the issue is about (a config key
 * or "POSTPONE.minutes"): its label and unit come from FIELDS.
 */
export function issueMessage(key: string, issue: IssueLike): string {
  const label = fieldLabel(key);
  const unit = unitOf(key);
  const input = issue.input;
  // A secret is never echoed: these messages reach the journal and the terminal of whoever
  // runs the agent, and a webhook URL is its own password (user:pw@, or a Slack path).
  const you = input === undefined || isSecretField(key) ? '' : ` (you entered ${entered(input)})`;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const names = (issue.keys ?? []).map((k) => `"${[key, k].filter(Boolean).join('.')}"`);
      return `There is no setting ${names.join(', ')}: see snooze config list for the names`;
    }
    case 'invalid_type': {
      if (input === undefined) return `${label} is missing`;
      if (issue.expected === 'int') return `${label} must be a whole number${unit ? ` of ${unit}s` : ''}${you}`;
      if (issue.expected === 'number') {
        const of = !unit ? '' : unit === '%' ? ' (a percentage)' : unit === RATE_UNIT ? ` of ${RATE_UNIT}` : ` of ${unit}s`;
        return `${label} must be a number${of}${you}`;
      }
      return `${label} must be ${EXPECTED_WORDS[issue.expected ?? ''] ?? `a ${issue.expected ?? 'value'}`}${you}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const n = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'string') {
        if (small && n === 1) return `${label} must not be empty`;
        return `${label} must be ${small ? 'at least' : 'at most'} ${plural(n, 'character')} long${typeof input === 'string' ? ` (yours has ${input.length})` : ''}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `${label} can hold ${small ? 'at least' : 'at most'} ${plural(n, 'entry').replace(/entrys$/, 'entries')}${Array.isArray(input) ? ` (yours has ${input.length})` : ''}`;
      }
      const which = issue.inclusive === false ? (small ? 'more than' : 'less than') : small ? 'at least' : 'at most';
      return `${label} must be ${which} ${withUnit(n, unit)}${you}`;
    }
    case 'invalid_value': {
      const vals = (issue.values ?? []).map((v) => String(v));
      if (vals.length === 1) return `${label} must be ${vals[0]}${you}`;
      return `${label} must be one of ${vals.slice(0, -1).join(', ')} or ${vals.at(-1)}${you}`;
    }
    case 'invalid_format':
    case 'custom':
    default: {
      // Schema messages are written to follow the field's name ("must be a time of day such as 09:00").
      const msg = issue.message && !/^Invalid/.test(issue.message) ? issue.message : 'is not valid';
      return `${label} ${msg}${you && !msg.includes('you entered') ? you : ''}`;
    }
  }
}

/** The dotted key an issue is about, after dropping leading path segments ("values"). */
export function issueKey(issue: IssueLike, drop = 0, prefix = ''): string {
  return [prefix, ...issue.path.slice(drop).map(String)].filter(Boolean).join('.');
}

/**
 * Per-field messages, key -> message (the first problem of each field), and one sentence
 * for all of them (for a terminal or a log line, each naming its key).
 */
export function describeIssues(issues: readonly IssueLike[], opts: { drop?: number; prefix?: string; labelPrefix?: string } = {}): { fields: Record<string, string>; message: string } {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issueKey(issue, opts.drop, opts.prefix);
    const labelKey = opts.labelPrefix ? `${opts.labelPrefix}.${key}` : key;
    const msg = issueMessage(labelKey, issue);
    const field = issue.code === 'unrecognized_keys' ? [key, issue.keys?.[0]].filter(Boolean).join('.') : key;
    if (!(field in fields)) fields[field] = msg;
  }
  return { fields, message: Object.values(fields).join('; ') };
}
