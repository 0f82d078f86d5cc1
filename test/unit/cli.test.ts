/**
 * The `snooze` CLI through its injected IO (agent/cli/io.ts): a fake socket client with
 * canned replies, output captured. Usage errors and exit codes, status rendering, history
 * formats, `config set` value parsing, and the "agent not running" exit code.
 */
import { describe, expect, it } from 'vitest';
import { AgentError, type ClientErrorCode } from '../../lib/client.js';
import { DEFAULT_CONFIG, type Config } from '../../contract/config-schema.js';
import type { Command, CommandResults, HistoryEvent } from '../../contract/protocol.js';
import { dateTime, localStamp, zoneName } from '../../contract/time-format.js';
import { runCli } from '../../agent/cli/main.js';
import { asksHelp, commandHelp } from '../../agent/cli/help.js';
import { EXIT, type CliIO } from '../../agent/cli/io.js';
import { VERSION } from '../../agent/version.js';
import { counting, status } from '../helpers/status-fixtures.js';

const SOCKET = '/run/cloudsnooze-test/snooze.sock';
/** Where `config set` goes: the admin socket derived from --socket. */
const ADMIN_SOCKET = '/run/cloudsnooze-test/snooze.admin.sock';

type Reply<C extends Command> = CommandResults[C] | AgentError | ((params: Record<string, unknown>) => CommandResults[C]);
type Replies = { [C in Command]?: Reply<C> };

function fakeCli(replies: Replies = {}, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: Array<{ socketPath: string; command: Command; params: Record<string, unknown> }> = [];
  const request = (async (socketPath: string, command: Command, params?: Record<string, unknown>) => {
    calls.push({ socketPath, command, params: params ?? {} });
    const r = replies[command] as Reply<Command> | undefined;
    if (r === undefined) throw new Error(`the test gave no reply for ${command}`);
    if (r instanceof Error) throw r;
    return typeof r === 'function' ? r(params ?? {}) : structuredClone(r);
  }) as CliIO['request'];
  const subscribe: CliIO['subscribe'] = () => {
    throw new Error('subscribe is not used by these tests');
  };
  const run = (...argv: string[]) => runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s), env, isTTY: false, request, subscribe });
  return { run, calls, stdout: () => out.join('\n'), stderr: () => err.join('\n') };
}

const notRunning = () => new AgentError(`the CloudSnooze agent is not running (no answer on ${SOCKET})`, 'NOT_RUNNING');

describe('usage and exit codes', () => {
  it('no command prints the help and exits 2; help and --help exit 0', async () => {
    const cli = fakeCli();
    expect(await cli.run()).toBe(EXIT.USAGE);
    expect(cli.stdout()).toMatch(/^Usage: snooze/);
    expect(await fakeCli().run('help')).toBe(EXIT.OK);
    expect(await fakeCli().run('--help')).toBe(EXIT.OK);
    expect(cli.calls).toEqual([]);
  });

  it.each(['status', 'config', 'history', 'postpone', 'stay-awake', 'run', 'release', 'doctor', 'version'])(
    '%s --help (and -h) prints that command\'s usage, exits 0 and asks the agent nothing',
    async (name) => {
      for (const flag of ['--help', '-h']) {
        const cli = fakeCli();
        expect(await cli.run('--socket', SOCKET, name, flag)).toBe(EXIT.OK);
        expect(cli.stderr()).toBe('');
        const text = cli.stdout();
        expect(text.split('\n')[0]).toBe(`Usage: snooze [--socket PATH] ${name}`);
        // Only the Commands block: the paragraphs below it are not this command's usage.
        expect(text).not.toContain('admin socket beside it');
        // The command's own lines of snooze --help, word for word, and nobody else's.
        const lines = text.split('\n').filter((l) => /^ {2}[a-z]/.test(l));
        expect(lines.length).toBeGreaterThan(0);
        for (const l of lines) expect(l.startsWith(`  ${name} `) || l === `  ${name}`).toBe(true);
        expect(text).toContain('snooze --help');
        expect(cli.calls).toEqual([]);
      }
    },
  );

  it('--help after a flag still answers; after -- (or after run\'s CMD) it belongs to the command', async () => {
    const cli = fakeCli();
    expect(await cli.run('--socket', SOCKET, 'history', '--limit', '5', '--help')).toBe(EXIT.OK);
    expect(cli.stdout()).toMatch(/history \[--limit N\]/);
    expect(asksHelp('run', ['python', 'train.py', '--help'])).toBe(false);
    expect(asksHelp('run', ['--reason', 'x', '--', 'python', '--help'])).toBe(false);
    expect(asksHelp('run', ['--help'])).toBe(true);
    expect(asksHelp('status', ['--', '--help'])).toBe(false);
    // dashboard and fleet print their own, fuller usage.
    expect(commandHelp('dashboard')).toBeNull();
    expect(commandHelp('fleet')).toBeNull();
  });

  it('version and --version need no agent', async () => {
    for (const argv of [['version'], ['--version']]) {
      const cli = fakeCli();
      expect(await cli.run(...argv)).toBe(EXIT.OK);
      expect(cli.stdout()).toBe(`snooze ${VERSION}`);
      expect(cli.calls).toEqual([]);
    }
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['--socket'], /--socket needs a PATH/],
    [['status', '--bogus'], /bogus/],
    [['status', 'extra'], /extra/],
    [['config', 'frob'], /unknown config subcommand "frob"/],
    [['config', 'get'], /config get needs a KEY/],
    [['config', 'get', 'no_such_key'], /There is no setting "no_such_key"/],
    [['config', 'set', 'naptime_minutes'], /config set needs KEY VALUE/],
    [['config', 'set', 'no_such_key', '1'], /There is no setting "no_such_key"/],
    [['history', '--limit', '0'], /--limit must be a whole number of events from 1 to 1000 \(you entered "0"\)/],
    [['history', '--limit', '2.5'], /--limit must be a whole number/],
    [['history', '--format', 'xml'], /^snooze: --format must be text, json or csv \(you entered "xml"\)$/],
    [['history', '--since', 'yesterday'], /^snooze: --since must be a duration like 24h or 7d, or a time like 2026-01-31T12:00:00Z \(you entered "yesterday"\)$/],
    [['stay-awake', '--while', 'abc'], /^snooze: --while needs a process id, a whole number such as 4242 \(you entered "abc"\)$/],
    [['history', '--type', 'nap'], /--type must be one of/],
    [['postpone'], /postpone needs a duration/],
    [['postpone', 'soon'], /postpone needs a duration/],
    [['postpone', '0'], /postpone needs a duration/],
    [['stay-awake', '--for', 'ever'], /--for needs a duration longer than zero, such as 30 \(minutes\), 90m or 2h \(you entered "ever"\)/],
    [['release', 'now'], /now/],
  ])('%j is a usage error (exit 2) and asks the agent nothing', async (argv, message) => {
    const cli = fakeCli();
    expect(await cli.run('--socket', SOCKET, ...argv)).toBe(EXIT.USAGE);
    expect(cli.stderr()).toMatch(/^snooze: /);
    expect(cli.stderr()).toMatch(message);
    expect(cli.stdout()).toBe('');
    expect(cli.calls).toEqual([]);
  });

  it.each([
    [['postpone', '99999h'], 'snooze: Postpone time must be at most 10,080 minutes (7 days) (you entered "99999h")'],
    [['postpone', '8d'], 'snooze: Postpone time must be at most 10,080 minutes (7 days) (you entered "8d")'],
    [['postpone', '999999999'], 'snooze: Postpone time must be at most 10,080 minutes (7 days) (you entered "999999999")'],
    [['stay-awake', '--for', '400d'], 'snooze: Stay-awake time must be at most 525,600 minutes (365 days) (you entered "400d")'],
  ])('%j over the agent\'s bound is refused as the agent would (exit 4), quoting what was typed', async (argv, message) => {
    const cli = fakeCli();
    expect(await cli.run('--socket', SOCKET, ...argv)).toBe(EXIT.REFUSED);
    expect(cli.stderr()).toBe(message);
    expect(cli.calls).toEqual([]);
    // The bound itself is accepted.
    const edge = fakeCli({ POSTPONE: status(), STAY_AWAKE: status() });
    expect(await edge.run('--socket', SOCKET, ...(argv[0] === 'postpone' ? ['postpone', '7d'] : ['stay-awake', '--for', '365d']))).toBe(EXIT.OK);
  });

  it('exits 3 with the reason when the agent is not running (or does not answer)', async () => {
    for (const [argv, command] of [
      [['status'], 'STATUS'],
      [['config', 'list'], 'CONFIG_GET'],
      [['history'], 'HISTORY'],
      [['postpone', '30'], 'POSTPONE'],
      [['release'], 'RELEASE'],
    ] as const) {
      const cli = fakeCli({ [command]: notRunning() });
      expect(await cli.run('--socket', SOCKET, ...argv)).toBe(EXIT.NOT_RUNNING);
      expect(cli.stderr()).toBe(`snooze: the CloudSnooze agent is not running (no answer on ${SOCKET})`);
      expect(cli.stdout()).toBe('');
    }
    const silent = fakeCli({ STATUS: new AgentError('the agent did not answer STATUS within 5000 ms', 'NO_REPLY') });
    expect(await silent.run('--socket', SOCKET, 'status')).toBe(EXIT.NOT_RUNNING);
  });

  it.each([
    ['PERMISSION_DENIED', EXIT.PERMISSION],
    ['INVALID_CONFIG', EXIT.REFUSED],
    ['INVALID_PARAMS', EXIT.REFUSED],
    ['PROTOCOL', EXIT.ERROR],
  ] as Array<[ClientErrorCode, number]>)('an agent error %s exits %i with its message', async (code, exit) => {
    const cli = fakeCli({ RELEASE: new AgentError(`it went wrong (${code})`, code) });
    expect(await cli.run('--socket', SOCKET, 'release')).toBe(exit);
    expect(cli.stderr()).toBe(`snooze: it went wrong (${code})`);
  });

  it('asks the socket from --socket (made absolute), else $CLOUDSNOOZE_SOCKET', async () => {
    const a = fakeCli({ STATUS: status() }, { CLOUDSNOOZE_SOCKET: '/tmp/from-env.sock' });
    await a.run('status', '--socket=relative/x.sock');
    expect(a.calls[0]!.socketPath).toBe(`${process.cwd()}/relative/x.sock`);
    const b = fakeCli({ STATUS: status() }, { CLOUDSNOOZE_SOCKET: '/tmp/from-env.sock' });
    await b.run('status');
    expect(b.calls[0]!.socketPath).toBe('/tmp/from-env.sock');
  });
});

describe('status', () => {
  it('renders state, metrics against thresholds and what keeps the instance awake', async () => {
    const cli = fakeCli({ STATUS: status() });
    expect(await cli.run('--socket', SOCKET, 'status')).toBe(EXIT.OK);
    expect(cli.calls).toEqual([{ socketPath: SOCKET, command: 'STATUS', params: {} }]);
    const lines = cli.stdout().split('\n');
    expect(lines[0]).toBe('CloudSnooze 0.2.0 — i-0123456789abcdef0 (t3.medium, us-east-1), local mode (not on EC2): would stop, never stops');
    expect(lines[1]).toBe('State:    Active now: CPU 43 %');
    expect(lines[2]).toBe('Naptime:  30 minutes, warning 5 minutes before, sampling every 1 minute');
    expect(lines).toContain('CPU           43.0 %         10 %');
    expect(lines).toContain('GPU           none           5 %');
    expect(lines).toContain('Input idle    30 s           15 min');
    expect(lines.slice(-2)).toEqual(['Keeping it awake:', '  - CPU 43% (threshold 10%)']);
  });

  it('shows the countdown with the stop time, and "would stop" off EC2, "stops" on it', async () => {
    const s = counting('warning', 250);
    const local = fakeCli({ STATUS: s });
    await local.run('--socket', SOCKET, 'status');
    // Local time with its zone: the reader may be in another zone over SSH.
    expect(local.stdout()).toContain(`State:    Final warning: would stop in 04:10 (at ${localStamp(s.stop_at!, Date.parse(s.sampled_at!), { seconds: true })})`);
    expect(local.stdout()).toMatch(/\(at \d{2}:\d{2}:\d{2} [A-Z][\w+-]*\)/);
    expect(local.stdout()).toContain('Nothing keeps it awake: every metric is below its threshold.');
    const aws = fakeCli({ STATUS: counting('idle', 3700, { mode: 'aws' }) });
    await aws.run('--socket', SOCKET, 'status');
    expect(aws.stdout()).toMatch(/State: {4}Idle — counting down: stops in 1:01:40 \(at /);
  });

  it('holds win over the countdown in the state line; errors are shown', async () => {
    const cli = fakeCli({ STATUS: status({ state: 'stay_awake', stay_awake: { until: null, reason: 'training run' }, error: 'DescribeTags: throttled' }) });
    await cli.run('--socket', SOCKET, 'status');
    expect(cli.stdout()).toContain('State:    Staying awake until released — training run');
    expect(cli.stdout()).toContain('Error:    DescribeTags: throttled');
  });

  it('monitor_only puts its reason on the state line, never as an "Error:", whatever hold is in force', async () => {
    const why = 'instance tag CloudSnooze:Disabled = true: CloudSnooze watches but never warns or stops this instance';
    const cli = fakeCli({ STATUS: status({ state: 'monitor_only', error: why, postponed_until: '2025-03-01T11:00:00Z' }) });
    await cli.run('--socket', SOCKET, 'status');
    expect(cli.stdout()).toContain(`State:    Monitor only (cannot act) — ${why}\n`);
    expect(cli.stdout()).not.toMatch(/^Error:/m);
    const bare = fakeCli({ STATUS: status({ state: 'monitor_only' }) });
    await bare.run('--socket', SOCKET, 'status');
    expect(bare.stdout()).toContain('State:    Monitor only (cannot act)\n');
    // The header does not promise a stop the state line says will not come.
    const onAws = fakeCli({ STATUS: status({ state: 'monitor_only', mode: 'aws', error: why }) });
    await onAws.run('--socket', SOCKET, 'status');
    expect(onAws.stdout().split('\n')[0]).toMatch(/, AWS, watching only \(stops nothing now\)$/);
    expect(onAws.stdout()).not.toContain('will tag and stop');
  });

  it('--json prints the agent’s reply as it is', async () => {
    const cli = fakeCli({ STATUS: status() });
    await cli.run('--socket', SOCKET, 'status', '--json');
    expect(JSON.parse(cli.stdout())).toEqual(status());
  });
});

describe('history', () => {
  // The agent answers newest first; the CLI prints oldest first.
  const events: HistoryEvent[] = [
    { id: 3, time: '2026-01-31T12:10:00Z', type: 'stop', message: 'Stopped, "idle", 30 min', details: { tags: 3 } },
    { id: 2, time: '2026-01-31T12:05:00Z', type: 'warning', message: 'Stopping in 5 minutes' },
    { id: 1, time: '2026-01-31T11:40:00Z', type: 'agent_start', message: 'Agent started' },
  ];
  const reply = { events, truncated: false };

  it('text: one line per event, oldest first; asks for 10 events without details', async () => {
    const cli = fakeCli({ HISTORY: reply });
    expect(await cli.run('--socket', SOCKET, 'history')).toBe(EXIT.OK);
    expect(cli.calls[0]!.params).toEqual({ limit: 10, since: undefined, type: undefined, details: false });
    // People read local time with the zone; --format json/csv keep the agent's UTC RFC 3339.
    const local = (iso: string) => `${dateTime(iso)} ${zoneName(Date.parse(iso))}`;
    expect(cli.stdout()).toBe(
      [
        `${local('2026-01-31T11:40:00Z')}  agent_start         Agent started`,
        `${local('2026-01-31T12:05:00Z')}  warning             Stopping in 5 minutes`,
        `${local('2026-01-31T12:10:00Z')}  stop                Stopped, "idle", 30 min`,
      ].join('\n'),
    );
    const none = fakeCli({ HISTORY: { events: [], truncated: false } });
    await none.run('--socket', SOCKET, 'history');
    expect(none.stdout()).toBe('No history events.');
  });

  it('json: the events oldest first, with details', async () => {
    const cli = fakeCli({ HISTORY: reply });
    await cli.run('--socket', SOCKET, 'history', '--format', 'json', '--limit', '3', '--type', 'stop');
    expect(cli.calls[0]!.params).toEqual({ limit: 3, since: undefined, type: 'stop', details: true });
    expect(JSON.parse(cli.stdout())).toEqual([...events].reverse());
  });

  it('csv: a header, then quoted cells where a comma or quote needs it', async () => {
    const cli = fakeCli({ HISTORY: reply });
    await cli.run('--socket', SOCKET, 'history', '--format', 'csv');
    expect(cli.stdout().split('\n')).toEqual([
      'id,time,type,message,details',
      '1,2026-01-31T11:40:00Z,agent_start,Agent started,',
      '2,2026-01-31T12:05:00Z,warning,Stopping in 5 minutes,',
      '3,2026-01-31T12:10:00Z,stop,"Stopped, ""idle"", 30 min","{""tags"":3}"',
    ]);
  });

  it('--json and --csv, as status --json and config list --json, are --format json|csv; two choices are a usage error', async () => {
    for (const [flag, format] of [['--json', 'json'], ['--csv', 'csv']] as const) {
      const short = fakeCli({ HISTORY: reply });
      expect(await short.run('--socket', SOCKET, 'history', flag, '--limit', '3')).toBe(EXIT.OK);
      const long = fakeCli({ HISTORY: reply });
      await long.run('--socket', SOCKET, 'history', '--format', format, '--limit', '3');
      expect(short.stdout()).toBe(long.stdout());
      expect(short.calls[0]!.params).toEqual({ limit: 3, since: undefined, type: undefined, details: true });
    }
    for (const argv of [['--json', '--csv'], ['--json', '--format', 'text']]) {
      const cli = fakeCli({ HISTORY: reply });
      expect(await cli.run('--socket', SOCKET, 'history', ...argv)).toBe(EXIT.USAGE);
      expect(cli.stderr()).toBe('snooze: --json, --csv and --format each choose the output: give one of them');
      expect(cli.calls).toEqual([]);
    }
  });

  it('--since takes a duration back from now or a time', async () => {
    const cli = fakeCli({ HISTORY: reply });
    const before = Date.now();
    await cli.run('--socket', SOCKET, 'history', '--since', '24h');
    const since = Date.parse(cli.calls[0]!.params.since as string);
    expect(since).toBeGreaterThanOrEqual(before - 86_400_000 - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() - 86_400_000);
    await cli.run('--socket', SOCKET, 'history', '--since', '2026-01-31T12:00:00+01:00');
    expect(cli.calls[1]!.params.since).toBe('2026-01-31T11:00:00Z');
  });
});

describe('config', () => {
  const echo = (params: Record<string, unknown>): Config => ({ ...DEFAULT_CONFIG, ...(params.values as Partial<Config>) });

  it.each([
    ['naptime_minutes', '45', 45],
    ['cpu_threshold_percent', '2.5', 2.5],
    ['enable_instance_tags', 'false', false],
    ['tagging_prefix', 'CloudSnooze', 'CloudSnooze'],
    // String keys stay strings even when they read as JSON.
    ['tagging_prefix', '123', '123'],
    ['aws_region', 'eu-central-1', 'eu-central-1'],
    // Not JSON: sent as typed, for the agent to refuse with a message naming the key.
    ['naptime_minutes', 'forty', 'forty'],
  ] as Array<[string, string, unknown]>)('config set %s %s sends %j', async (key, raw, value) => {
    const cli = fakeCli({ CONFIG_SET: echo });
    expect(await cli.run('--socket', SOCKET, 'config', 'set', key, raw)).toBe(EXIT.OK);
    expect(cli.calls).toEqual([{ socketPath: ADMIN_SOCKET, command: 'CONFIG_SET', params: { values: { [key]: value } } }]);
    expect(cli.stdout()).toBe(`${key} = ${JSON.stringify(value)}`);
  });

  it('a refused value exits 4 with the agent’s message', async () => {
    const cli = fakeCli({ CONFIG_SET: new AgentError('naptime_minutes must be a number from 1 to 1440', 'INVALID_CONFIG') });
    expect(await cli.run('--socket', SOCKET, 'config', 'set', 'naptime_minutes', 'forty')).toBe(EXIT.REFUSED);
    expect(cli.stderr()).toBe('snooze: naptime_minutes must be a number from 1 to 1440');
  });

  it('config set refused by the admin socket exits 6, says how, and sends nothing to the public socket', async () => {
    const cli = fakeCli({ CONFIG_SET: new AgentError(`permission denied on ${ADMIN_SOCKET}`, 'PERMISSION_DENIED') });
    expect(await cli.run('--socket', SOCKET, 'config', 'set', 'naptime_minutes', '0.05')).toBe(EXIT.NOT_ADMIN);
    expect(EXIT.NOT_ADMIN).toBe(6);
    expect(cli.stderr()).toBe('snooze: only root (or members of admin_group) can change settings; try: sudo snooze config set naptime_minutes 0.05');
    expect(cli.calls.map((c) => c.socketPath)).toEqual([ADMIN_SOCKET]);
  });

  it('a FORBIDDEN answer (an agent reached on its public socket) also exits 6', async () => {
    const cli = fakeCli({ CONFIG_SET: new AgentError('Changing settings needs root', 'FORBIDDEN') });
    expect(await cli.run('--socket', SOCKET, 'config', 'set', 'dry_run', 'false')).toBe(EXIT.NOT_ADMIN);
  });

  it('config get and list stay on the public socket; the help documents exit code 6', async () => {
    const cli = fakeCli({ CONFIG_GET: DEFAULT_CONFIG });
    await cli.run('--socket', SOCKET, 'config', 'get', 'naptime_minutes');
    expect(cli.calls[0]!.socketPath).toBe(SOCKET);
    const help = fakeCli();
    await help.run('--help');
    expect(help.stdout()).toMatch(/6 settings need root/);
  });

  it('get prints strings bare and other values as JSON; list prints every key', async () => {
    const cli = fakeCli({ CONFIG_GET: DEFAULT_CONFIG });
    await cli.run('--socket', SOCKET, 'config', 'get', 'tagging_prefix');
    await cli.run('--socket', SOCKET, 'config', 'get', 'naptime_minutes');
    expect(cli.stdout()).toBe(`${DEFAULT_CONFIG.tagging_prefix}\n${DEFAULT_CONFIG.naptime_minutes}`);
    const list = fakeCli({ CONFIG_GET: DEFAULT_CONFIG });
    await list.run('--socket', SOCKET, 'config');
    const lines = list.stdout().split('\n');
    expect(lines).toHaveLength(Object.keys(DEFAULT_CONFIG).length);
    expect(lines).toContain(`${'naptime_minutes'.padEnd(28)} ${'default'.padEnd(8)} ${DEFAULT_CONFIG.naptime_minutes}`);
    // Each value's source: a tag pin and a file value are named; an unlisted key is the default.
    const sourced = fakeCli({ CONFIG_GET: { ...DEFAULT_CONFIG, naptime_minutes: 45, cpu_threshold_percent: 20, sources: { naptime_minutes: 'tag', cpu_threshold_percent: 'file' } } });
    await sourced.run('--socket', SOCKET, 'config', 'list');
    expect(sourced.stdout().split('\n')).toEqual(expect.arrayContaining([`${'naptime_minutes'.padEnd(28)} ${'tag'.padEnd(8)} 45`, `${'cpu_threshold_percent'.padEnd(28)} ${'file'.padEnd(8)} 20`]));
    const json = fakeCli({ CONFIG_GET: DEFAULT_CONFIG });
    await json.run('--socket', SOCKET, 'config', 'list', '--json');
    expect(JSON.parse(json.stdout())).toEqual(DEFAULT_CONFIG);
  });
});

describe('holds', () => {
  it.each([
    ['30', 30],
    ['90m', 90],
    ['2h', 120],
    ['1h30m', 90],
  ])('postpone %s asks for %i minutes', async (arg, minutes) => {
    const cli = fakeCli({ POSTPONE: status({ state: 'postponed', postponed_until: '2026-01-31T13:00:00Z' }) });
    expect(await cli.run('--socket', SOCKET, 'postpone', arg)).toBe(EXIT.OK);
    expect(cli.calls[0]!.params).toEqual({ minutes });
    // Another day than the status's: the date, then the local time and its zone.
    expect(cli.stdout()).toMatch(/^Postponed: no stop before \d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Z][\w+-]*\.$/);
    // With the agent's outcome, the reply is the agent's own sentence (the one history records).
    const told = fakeCli({ POSTPONE: { ...status({ state: 'postponed', postponed_until: '2026-01-31T13:00:00Z' }), outcome: { changed: false, message: 'Postpone by 1 hour 30 minutes changed nothing: the stop was already postponed until 13:00 UTC, which is later' } } });
    await told.run('--socket', SOCKET, 'postpone', arg);
    expect(told.stdout()).toBe('Postpone by 1 hour 30 minutes changed nothing: the stop was already postponed until 13:00 UTC, which is later.');
  });

  it('stay-awake sends its duration and reason; release reports the state', async () => {
    const cli = fakeCli({
      STAY_AWAKE: status({ state: 'stay_awake', stay_awake: { until: null, reason: 'x' } }),
      RELEASE: counting('idle', 600),
    });
    await cli.run('--socket', SOCKET, 'stay-awake');
    await cli.run('--socket', SOCKET, 'stay-awake', '--for', '2h', '--reason', 'backup');
    await cli.run('--socket', SOCKET, 'release');
    expect(cli.calls.map((c) => c.params)).toEqual([{ minutes: undefined, reason: 'snooze stay-awake' }, { minutes: 120, reason: 'backup' }, {}]);
    expect(cli.stdout().split('\n')).toEqual(['Staying awake until you run: snooze release.', 'Staying awake until you run: snooze release.', 'Released.', 'Now: would stop in 10 minutes if nothing becomes active.']);
  });

  it('release says what it released, or that there was nothing to release, in history\'s words', async () => {
    const none = fakeCli({ RELEASE: { ...status(), outcome: { changed: false, message: 'Nothing to release: there was no postponement or stay-awake' } } });
    expect(await none.run('--socket', SOCKET, 'release')).toBe(EXIT.OK);
    expect(none.stdout()).toBe('Nothing to release: there was no postponement or stay-awake.');
    const some = fakeCli({ RELEASE: { ...counting('idle', 60), outcome: { changed: true, message: 'Released the postponement until 15:54 UTC: the idle countdown resumes' } } });
    await some.run('--socket', SOCKET, 'release');
    expect(some.stdout()).toBe('Released the postponement until 15:54 UTC: the idle countdown resumes.\nNow: would stop in 1 minute if nothing becomes active.');
  });

  it('release with process holds left says so once: the agent\'s sentence names them (an older agent\'s reply gets the CLI\'s line)', async () => {
    const message = 'Nothing to release: there was no postponement or stay-awake; 2 snooze run holds stay until their commands end';
    const cli = fakeCli({ RELEASE: { ...status({ runs_total: 2 }), outcome: { changed: false, message } } });
    expect(await cli.run('--socket', SOCKET, 'release')).toBe(EXIT.OK);
    expect(cli.stdout()).toBe(`${message}.\nRoot may end a process hold without ending its process: sudo snooze release --pid PID.`);
    const old = fakeCli({ RELEASE: status({ runs_total: 2 }) });
    await old.run('--socket', SOCKET, 'release');
    expect(old.stdout()).toBe(
      'Released.\nStill kept awake by 2 snooze run / --while holds: release does not end them, their process ending does (root may end one: sudo snooze release --pid PID).',
    );
  });
});

describe('the words of issue 12 (CLI snapshots)', () => {
  it.each([
    [['postpone', '-5'], 'snooze: postpone needs a duration longer than zero, such as 30 (minutes), 90m or 2h (you entered "-5")'],
    [['history', '--limit', '-1'], 'snooze: --limit must be a whole number of events from 1 to 1000 (you entered "-1")'],
    [['release', 'now'], 'snooze: unexpected argument "now"'],
    [['postpone', '30', 'extra'], 'snooze: unexpected argument "extra"'],
    [['history', 'extra'], 'snooze: unexpected argument "extra"'],
    [['config', 'get', 'logging.nope'], 'snooze: There is no setting "logging.nope": see snooze config list for the names (nested ones with a dot, such as logging.log_level)'],
  ])('%j: exit 2, one plain line, nothing sent', async (argv, line) => {
    const cli = fakeCli();
    expect(await cli.run('--socket', SOCKET, ...argv)).toBe(EXIT.USAGE);
    expect(cli.stderr()).toBe(line);
    expect(cli.calls).toEqual([]);
  });

  it('config set prints the field\'s own message from the agent, exit 4, no wire names', async () => {
    const fields = { check_interval_seconds: 'Check interval must be a whole number of seconds (you entered 1.5)' };
    const cli = fakeCli({ CONFIG_SET: new AgentError(`check_interval_seconds: ${fields.check_interval_seconds}`, 'INVALID_PARAMS', fields) });
    expect(await cli.run('--socket', SOCKET, 'config', 'set', 'check_interval_seconds', '1.5')).toBe(EXIT.REFUSED);
    expect(cli.stderr()).toBe('snooze: Check interval must be a whole number of seconds (you entered 1.5)');
    const both = 'Warning time (45 minutes) must be shorter than the naptime (1 minute): lower warning_minutes first, or raise naptime_minutes';
    const cross = fakeCli({ CONFIG_SET: new AgentError(both, 'INVALID_CONFIG', { warning_minutes: both, naptime_minutes: both }) });
    expect(await cross.run('--socket', SOCKET, 'config', 'set', 'warning_minutes', '45')).toBe(EXIT.REFUSED);
    expect(cross.stderr()).toBe(`snooze: ${both}`);
  });

  it('dotted keys: config get logging.log_level, and config set sends the whole logging object', async () => {
    const cfg: Config = { ...DEFAULT_CONFIG, logging: { log_level: 'warn' } };
    const get = fakeCli({ CONFIG_GET: cfg });
    expect(await get.run('--socket', SOCKET, 'config', 'get', 'logging.log_level')).toBe(EXIT.OK);
    expect(get.stdout()).toBe('warn');
    const set = fakeCli({ CONFIG_GET: cfg, CONFIG_SET: (p) => ({ ...cfg, ...(p.values as Partial<Config>) }) });
    expect(await set.run('--socket', SOCKET, 'config', 'set', 'logging.log_level', 'debug')).toBe(EXIT.OK);
    expect(set.calls.at(-1)).toEqual({ socketPath: ADMIN_SOCKET, command: 'CONFIG_SET', params: { values: { logging: { log_level: 'debug' } } } });
    expect(set.stdout()).toBe('logging.log_level = "debug"');
  });

  it('config list shows the mode and --dry-run from the agent\'s command line', async () => {
    const cli = fakeCli({ CONFIG_GET: DEFAULT_CONFIG, STATUS: status({ mode: 'local', dry_run_flag: true, config_path: '/etc/cloudsnooze/snooze.json', config_loaded: false }) });
    await cli.run('--socket', SOCKET, 'config', 'list');
    expect(cli.stdout().split('\n').slice(0, 3)).toEqual([
      'mode                         local (not on EC2): would stop, never stops',
      '--dry-run (command line)     on: the agent never stops, whatever dry_run says',
      'config file                  /etc/cloudsnooze/snooze.json (not found: defaults in use)',
    ]);
  });

  it('status shows a postponement while the metrics keep the box awake, and the countdown ticks between samples', async () => {
    const busy = fakeCli({ STATUS: status({ state: 'active', postponed_until: '2026-01-31T15:54:00Z' }) });
    await busy.run('--socket', SOCKET, 'status');
    expect(busy.stdout().split('\n')[1]).toBe(`State:    Postponed until ${localStamp('2026-01-31T15:54:00Z', Date.parse('2025-03-01T10:00:00Z'), { seconds: true })} — and active now: CPU 43 %`);
    const { renderStatus } = await import('../../agent/cli/format.js');
    const s = counting('idle', 120);
    expect(renderStatus(s, { elapsedSecs: 0 }).split('\n')[1]).toMatch(/would stop in 02:00 /);
    expect(renderStatus(s, { elapsedSecs: 7 }).split('\n')[1]).toMatch(/would stop in 01:53 /);
  });

  it('a postponement the stop waits for is said once: "would stop then if still idle", not the same time twice', async () => {
    const { renderStatus } = await import('../../agent/cli/format.js');
    const end = '2025-03-01T11:30:00Z';
    const s = counting('idle', 5400, { state: 'postponed', postponed_until: end, stop_at: end });
    expect(renderStatus(s).split('\n')[1]).toBe(`State:    Postponed until ${localStamp(end, Date.parse(s.sampled_at!), { seconds: true })} — would stop then if still idle`);
    expect(renderStatus(s).split('\n')[2]).toBe('Naptime:  30 minutes, warning 5 minutes before, sampling every 1 minute; idle since ' + localStamp(s.idle_since!, Date.parse(s.sampled_at!), { seconds: true }));
  });

  it('doctor without an agent: the documented exit 3, and a missing config file is information, not a pass', async () => {
    const cli = fakeCli();
    const code = await cli.run('--socket', '/nonexistent-cs/snooze.sock', 'doctor', '--config', '/nonexistent-cs/snooze.json');
    expect(code).toBe(EXIT.NOT_RUNNING);
    expect(cli.stdout()).toContain('ℹ config /nonexistent-cs/snooze.json does not exist: defaults are in use (config set creates it)');
    expect(cli.stdout()).toContain('✗ no socket at /nonexistent-cs/snooze.sock: the agent is not running');
    expect(cli.stdout()).toMatch(/\n1 problem found\.$/);
  });
});
