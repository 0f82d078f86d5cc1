/** The dashboard shows a message's `commands` as code: no stray backticks on a page. */
import { describe, expect, it } from 'vitest';
import { codeSpans } from '../../renderer/code-spans.js';
import { DASHBOARD_READ_ONLY } from '../../agent/dashboard/relay.js';
import { SETTINGS_NEED_ROOT } from '../../agent/dispatch.js';

const shown = (m: string) => codeSpans(m).map((s) => (s.code ? `<code>${s.text}</code>` : s.text)).join('');

describe('code spans in messages', () => {
  it("turns the read-only notice's and the refusal's commands into code, leaving no backtick", () => {
    expect(shown(DASHBOARD_READ_ONLY)).toBe(
      'Settings are read-only in this dashboard: changing them needs root. Run <code>sudo snooze config set KEY VALUE</code>, or start <code>sudo snooze dashboard</code>.',
    );
    expect(shown(SETTINGS_NEED_ROOT)).not.toContain('`');
  });

  it('keeps plain text and an unpaired backtick as written', () => {
    expect(codeSpans('no commands here')).toEqual([{ code: false, text: 'no commands here' }]);
    expect(shown('a ` b')).toBe('a ` b');
    expect(shown('`x` and ` y')).toBe('<code>x</code> and ` y');
    expect(codeSpans('')).toEqual([]);
  });
});
