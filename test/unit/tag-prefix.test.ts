/** tagging_prefix against EC2's tag-key rules, in the config file, over CONFIG_SET and in `snooze fleet --prefix`. */
import { describe, expect, it } from 'vitest';
import { applyPatch, ConfigError, CONFIG_KEYS, DEFAULT_CONFIG, parseConfig } from '../../agent/config.js';
import { LONGEST_TAG_SUFFIX, TAG_KEY_MAX, TAG_PREFIX_MAX, tagPrefixProblem } from '../../contract/config-schema.js';
import { TAG_NAMES, tagKey } from '../../contract/tags.js';
import { runFleet } from '../../agent/cli/fleet.js';

describe('tagging_prefix', () => {
  it('accepts what EC2 accepts as a key prefix', () => {
    for (const p of ['CloudSnooze', 'Acme', 'team/cloudsnooze', 'a', 'My Org:Snooze', 'x+y=z.w_v@q-1', 'A'.repeat(TAG_PREFIX_MAX)]) {
      expect(tagPrefixProblem(p), p).toBeNull();
      expect(parseConfig({ tagging_prefix: p }).tagging_prefix).toBe(p);
    }
  });

  it('refuses keys EC2 would refuse or misread, naming the key', () => {
    const cases: [string, RegExp][] = [
      ['', /tagging_prefix: Tag prefix must not be empty/],
      ['aws', /tagging_prefix: Tag prefix must not start with "aws:" and must not be "aws"/],
      ['AWS', /tagging_prefix: Tag prefix must not start with "aws:"/],
      ['aWs:mine', /tagging_prefix: Tag prefix must not start with "aws:"/],
      ['../../x', /tagging_prefix: Tag prefix must not look like a path/],
      ['a/../b', /tagging_prefix: Tag prefix must not look like a path/],
      ['/etc', /tagging_prefix: Tag prefix must not look like a path/],
      ['a//b', /tagging_prefix: Tag prefix must not look like a path/],
      ['x/', /tagging_prefix: Tag prefix must not look like a path/],
      ['A'.repeat(TAG_PREFIX_MAX + 1), new RegExp(`tagging_prefix: Tag prefix must be at most ${TAG_PREFIX_MAX} characters`)],
      ['bad\x1b[2J', /tagging_prefix: Tag prefix may hold letters, digits, spaces and/],
      ['semi;colon', /tagging_prefix: Tag prefix may hold letters/],
      ['tab\there', /tagging_prefix: Tag prefix may hold letters/],
      [' lead', /tagging_prefix: Tag prefix must not start or end with a space/],
    ];
    for (const [p, re] of cases) {
      expect(() => parseConfig({ tagging_prefix: p }), JSON.stringify(p)).toThrow(re);
      // CONFIG_SET goes through applyPatch: refused, nothing changes.
      let err: unknown;
      try {
        applyPatch(DEFAULT_CONFIG, { tagging_prefix: p });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(p)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).key).toBe('tagging_prefix');
    }
    expect(DEFAULT_CONFIG.tagging_prefix).toBe('CloudSnooze');
  });

  it('the length bound covers every key built from the prefix: stop tags and fleet-pinned settings', () => {
    const tails = [...Object.values(TAG_NAMES).map((n) => `:${n}`), ...CONFIG_KEYS.map((k) => `:Config:${k}`)];
    const longest = tails.reduce((a, b) => (b.length > a.length ? b : a));
    expect(LONGEST_TAG_SUFFIX.length).toBe(longest.length);
    const p = 'P'.repeat(TAG_PREFIX_MAX);
    for (const n of Object.values(TAG_NAMES)) expect(tagKey(p, n).length).toBeLessThanOrEqual(TAG_KEY_MAX);
    expect(`${p}${longest}`.length).toBe(TAG_KEY_MAX);
  });

  it('snooze fleet --prefix follows the same rule', async () => {
    const err: string[] = [];
    const code = await runFleet(['list', '--prefix', 'aws'], { out: () => undefined, err: (s) => err.push(s), env: {} });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--prefix "aws" is not a valid tag prefix: it must not start with "aws:"/);
  });
});
