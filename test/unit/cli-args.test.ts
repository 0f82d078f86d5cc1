/** agent/cli/args.ts: strict parseArgs with one-line usage errors that name the flag. */
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../agent/cli/args.js';
import { UsageError } from '../../agent/cli/io.js';

const options = { region: { type: 'string' }, tag: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;

describe('parseFlags', () => {
  it('parses flags, repeated flags and positionals', () => {
    const r = parseFlags(['i-1', '--region', 'eu-west-1', '--tag=a=b', '--tag', 'c=d', '--json', 'i-2'], options, Infinity);
    expect(r.values).toEqual({ region: 'eu-west-1', tag: ['a=b', 'c=d'], json: true });
    expect(r.positionals).toEqual(['i-1', 'i-2']);
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--bogus=1'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
    [['--region'], '--region needs a value'],
    [['--region', '--json'], '--region needs a value'],
    [['--json=yes'], '--json is a switch and takes no value'],
    [['extra'], 'unexpected argument "extra"'],
    [['--', '--json'], 'unexpected argument "--json"'],
  ])('%j → "%s"', (args, message) => {
    expect(() => parseFlags(args, options)).toThrow(new UsageError(message));
  });

  it('a negative number is a value, not an option: the command words the refusal, never the parser', () => {
    const limit = { limit: { type: 'string' } } as const;
    expect(parseFlags(['--limit', '-1'], limit).values.limit).toBe('-1');
    expect(parseFlags(['-5'], {}, 1).positionals).toEqual(['-5']);
    expect(parseFlags(['a', '-5', 'b'], {}, 3).positionals).toEqual(['a', '-5', 'b']);
    expect(() => parseFlags(['30', '-5'], {}, 1)).toThrow(new UsageError('unexpected argument "-5"'));
  });

  it('counts positionals against the limit', () => {
    expect(parseFlags(['a'], {}, 1).positionals).toEqual(['a']);
    expect(() => parseFlags(['a', 'b'], {}, 1)).toThrow(new UsageError('unexpected argument "b"'));
  });
});
