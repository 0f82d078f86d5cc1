/**
 * Flags of one CLI command, parsed by node:util `parseArgs` in strict mode, with usage
 * errors in one short line that names the flag ("unknown option --bogus", "--region needs
 * a value"). Node's own messages are long and explain `--`, which no command here needs;
 * scripts and tests match on these lines.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;
/** Named so the declaration build can refer to it. */
export type ParsedFlags<T extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>>;

/** `positionals`: how many plain arguments the command takes (Infinity: any number). */
export function parseFlags<T extends FlagOptions>(args: string[], options: T, positionals = 0): ParsedFlags<T> {
  let r: ParsedFlags<T>;
  try {
    r = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    throw new UsageError(explain(args, options, positionals) ?? (err as Error).message);
  }
  if (r.positionals.length > positionals) throw new UsageError(`unexpected argument "${r.positionals[positionals]}"`);
  return r;
}

/** The first thing wrong with `args`, read from parseArgs' tokens, in our words. */
function explain(args: string[], options: FlagOptions, positionals: number): string | null {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  let plain = 0;
  for (const t of tokens) {
    if (t.kind === 'positional') {
      if (++plain > positionals) return `unexpected argument "${t.value}"`;
      continue;
    }
    if (t.kind !== 'option') continue;
    const type = Object.hasOwn(options, t.name) ? options[t.name]!.type : null;
    if (type === null) return `unknown option ${t.rawName}`;
    if (type === 'boolean' && t.value !== undefined) return `${t.rawName} takes no value`;
    // A value that looks like an option is refused by strict parsing: most likely the value was left out.
    if (type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-')))) return `${t.rawName} needs a value`;
  }
  return null;
}
