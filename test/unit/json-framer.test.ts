import { describe, expect, it } from 'vitest';
import { JsonFramer } from '../../agent/json-framer.js';

describe('JsonFramer', () => {
  it('cuts objects with or without newlines, across chunks, ignoring braces in strings', () => {
    const f = new JsonFramer();
    expect(f.push('{"command":"STA')).toEqual([]);
    expect(f.push('TUS","params":{"x":"}{\\"}"}}{"command":"X"}\n  ')).toEqual([
      { kind: 'json', text: '{"command":"STATUS","params":{"x":"}{\\"}"}}' },
      { kind: 'json', text: '{"command":"X"}' },
    ]);
    expect(f.pending).toBe(0);
  });

  it('reports garbage per line and deep nesting', () => {
    const f = new JsonFramer();
    expect(f.push('hello\n{"a":1}\n')).toEqual([{ kind: 'garbage', text: 'hello' }, { kind: 'json', text: '{"a":1}' }]);
    expect(f.push('junk')).toEqual([]);
    expect(f.flushGarbage()).toEqual({ kind: 'garbage', text: 'junk' });
    const deep = `{"a":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect(new JsonFramer().push(deep)).toEqual([{ kind: 'too_deep' }]);
  });
});
