/**
 * The README's command lines against the CLI's own usage text: a flag the README names must
 * exist, and a flag the CLI has must be in the README, for `snooze` and `snooze fleet` alike;
 * the exit codes read the same in both. The README is what an operator reads before the
 * first command, so it may not drift from the code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP } from '../../agent/cli/help.js';
import { FLEET_USAGE, OPTIONS as FLEET_OPTIONS } from '../../agent/cli/fleet-args.js';
import { COMMANDS } from '../../agent/cli/main.js';

const README = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The first ``` block after `heading`. */
function blockAfter(heading: string): string[] {
  const at = README.indexOf(heading);
  expect(at, `README has "${heading}"`).toBeGreaterThan(-1);
  const open = README.indexOf('```\n', at) + 4;
  return README.slice(open, README.indexOf('```', open)).trim().split('\n');
}

const flagsOf = (lines: string[]) => new Set(lines.flatMap((l) => l.match(/--[a-z][a-z-]*/g) ?? []));

/** The entries of a usage text's command block, as `word -> its lines` (continuations joined). */
function entries(text: string, indent: RegExp): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string | null = null;
  for (const line of text.split('\n')) {
    const m = indent.exec(line);
    if (m) {
      current = m[1]!;
      out.set(current, [...(out.get(current) ?? []), line]);
    } else if (current && /^ {4,}\S/.test(line)) out.get(current)!.push(line);
    else current = null;
  }
  return out;
}

describe('README and the CLI agree', () => {
  it('snooze: the same commands, and each command the same flags', () => {
    const readme = blockAfter('## The CLI: `snooze`');
    const helpBlock = HELP.slice(HELP.indexOf('Commands:'), HELP.indexOf('\n\n', HELP.indexOf('Commands:')));
    const help = entries(helpBlock, /^ {2}([a-z-]+)/);
    const documented = new Map<string, string[]>();
    for (const line of readme) {
      const name = /^snooze ([a-z-]+)/.exec(line)?.[1];
      expect(name, `README line "${line}"`).toBeDefined();
      documented.set(name!, [...(documented.get(name!) ?? []), line]);
    }
    // `version` is in --help; the README names it nowhere else worth a line.
    expect([...documented.keys(), 'version'].sort()).toEqual([...help.keys()].sort());
    expect([...help.keys()].sort()).toEqual(Object.keys(COMMANDS).sort());
    // The syntax column only: a description may mention another command's flag ("not run / --while holds").
    const syntax = (lines: string[]) => lines.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/ {2,}/)[0]!);
    for (const [name, lines] of documented) expect([name, flagsOf(lines)]).toEqual([name, flagsOf(syntax(help.get(name)!))]);
    // Every fleet subcommand (policy included) is named on both command lines.
    const fleetWords = (line: string) => new Set(/fleet ([a-z|]+)/.exec(line)![1]!.split('|'));
    const subcommands = new Set(entries(FLEET_USAGE, /^ {2}([a-z]+)/).keys());
    expect(fleetWords(documented.get('fleet')![0]!)).toEqual(subcommands);
    expect(fleetWords(help.get('fleet')![0]!)).toEqual(subcommands);
  });

  it('snooze fleet: each subcommand the same flags', () => {
    const readme = blockAfter('### `snooze fleet`: the same, ready-made');
    const usage = entries(FLEET_USAGE, /^ {2}([a-z]+(?: [a-z]+)?)\s/);
    const documented = new Map<string, string[]>();
    for (const line of readme) {
      const name = /^snooze fleet ((?:policy )?[a-z]+)/.exec(line)![1]!;
      documented.set(name, [...(documented.get(name) ?? []), line]);
    }
    // FLEET_USAGE names `policy set` and `policy show` in one entry each, under "policy".
    const usageByName = new Map<string, Set<string>>();
    for (const [name, lines] of usage) usageByName.set(name, flagsOf(lines));
    expect([...documented.keys()].sort()).toEqual([...usageByName.keys()].sort());
    for (const [name, lines] of documented) expect([name, flagsOf(lines)]).toEqual([name, usageByName.get(name)]);
     // And the usage text names exactly the flags each subcommand takes.
    for (const [name, options] of Object.entries(FLEET_OPTIONS)) {
      expect([name, usageByName.get(name)]).toEqual([name, new Set(Object.keys(options).map((k) => `--${k}`))]);
    }
  });

  it('the exit codes read the same', () => {
    const codes = (text: string) =>
      [...text.replace(/\*\*/g, '').replace(/\s+/g, ' ').matchAll(/(\d) ([a-z][a-z ]*?)(?=[,(.]|$)/g)].map((m) => `${m[1]} ${m[2]!.trim()}`);
    const fromReadme = codes(/Exit codes: 0 ok[\s\S]*?\(/.exec(README)![0]);
    const fromHelp = codes(/Exit codes: 0 ok[\s\S]*?\(/.exec(HELP)![0]);
    expect(fromReadme).toEqual(['0 ok', '1 error', '2 usage', '3 agent not running', '4 value refused', '5 permission denied', '6 settings need root']);
    expect(fromHelp).toEqual(fromReadme);
  });
});
