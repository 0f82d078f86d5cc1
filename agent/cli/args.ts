/**
 * Flags of one CLI command, parsed by node:util `parseArgs` in strict mode, with usage
 * errors in one short line that names the flag ("unknown option --bogus", "--region needs
 * a value"). Node's own messages are long and explain `--`, which no command here needs;
 * scripts and tests match on these lines.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { USAGE } from '../../contract/messages.js';
import { UsageError } from './io.js';

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;
/** Named so the declaration build can refer to it. */
export type ParsedFlags<T extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>>;

/** `positionals`: how many plain arguments the command takes (Infinity: any number). */
export function parseFlags<T extends FlagOptions>(args: string[], options: T, positionals = 0): ParsedFlags<T> {
  // A negative number is a value ("--limit -1", "postpone -5"), not an option: it reaches the
  // command, which says in its own words why it is refused.
  const { args: plain, negatives } = negativesAsValues(args, options);
  let r: ParsedFlags<T>;
  try {
    r = parseArgs({ args: plain, options, strict: true, allowPositionals: positionals > 0 || negatives.size > 0 });
  } catch {
    throw new UsageError(explain(plain, options, positionals) ?? USAGE.unreadable);
  }
  if (negatives.size) r.positionals.splice(0, r.positionals.length, ...inOrder(args, negatives, r.positionals));
  if (r.positionals.length > positionals) throw new UsageError(USAGE.extraArgument(r.positionals[positionals]!));
  return r;
}

const NEGATIVE = /^-\d/;

/** "--limit -1" becomes "--limit=-1"; a negative positional is set aside (by index) and put back in order. */
function negativesAsValues(args: string[], options: FlagOptions): { args: string[]; negatives: Set<number> } {
  const out: string[] = [];
  const negatives = new Set<number>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null;
    if (name !== null && Object.hasOwn(options, name) && options[name]!.type === 'string' && NEGATIVE.test(args[i + 1] ?? '')) {
      out.push(`${a}=${args[++i]}`);
      continue;
    }
    if (NEGATIVE.test(a)) negatives.add(i);
    else out.push(a);
  }
  return { args: out, negatives };
}

function inOrder(args: string[], negatives: Set<number>, parsed: string[]): string[] {
  const out: string[] = [];
  let p = 0;
  for (let i = 0; i < args.length; i++) {
    if (negatives.has(i)) out.push(args[i]!);
    else if (parsed[p] === args[i]) out.push(parsed[p++]!);
  }
  return out.concat(parsed.slice(p));
}

/** The first thing wrong with `args`, read from parseArgs' tokens, in our words. */
function explain(args: string[], options: FlagOptions, positionals: number): string | null {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  let plain = 0;
  for (const t of tokens) {
    if (t.kind === 'positional') {
      if (++plain > positionals) return USAGE.extraArgument(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const type = Object.hasOwn(options, t.name) ? options[t.name]!.type : null;
    if (type === null) return USAGE.unknownOption(t.rawName);
    if (type === 'boolean' && t.value !== undefined) return USAGE.noValueTaken(t.rawName);
    // A value that looks like an option is refused by strict parsing: most likely the value was left out.
    if (type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-')))) return USAGE.needsValue(t.rawName);
  }
  return null;
}
