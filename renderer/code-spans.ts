/**
 * The agent's and the dashboard server's messages mark commands with backticks, which a
 * terminal shows as they are; a page shows them as code instead of stray backticks. Pure.
 */
export interface Span {
  code: boolean;
  text: string;
}

/** "Run `sudo snooze config set`." -> text, code, text. An unpaired backtick stays as written. */
export function codeSpans(message: string): Span[] {
  const parts = message.split('`');
  // An even count of parts means an odd count of backticks: the last one has no partner.
  const paired = parts.length % 2 === 1 ? parts : [...parts.slice(0, -2), `${parts.at(-2)}\`${parts.at(-1)}`];
  return paired.map((text, i) => ({ code: i % 2 === 1, text })).filter((s) => s.text !== '');
}
