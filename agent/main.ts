/**
 * snoozed: the CloudSnooze agent. Parses flags, loads config, claims the socket,
 * wires the sampler, provider, history and daemon, and shuts down cleanly on signals.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLOUD_TASK_FLAG, selfCommand } from './aws/cloud-task-command.js';
import { chooseProvider } from './cloud.js';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, LOG_LEVELS, type Config } from './config.js';
import { Daemon } from './daemon.js';
import { History } from './history.js';
import { monoNowMs } from './mono-clock.js';
import { createLogger, type LogLevel } from './log.js';
import { createSampler, type Sampler } from './metrics/sampler.js';
import { AgentCounters } from './metrics-export/counters.js';
import type { Exporter } from './metrics-export/exporter.js';
import { parseListenAddress } from '../contract/metrics-listen.js';
import { PRIVILEGED_LISTENER, SocketServer } from './server.js';
import { claimSocketPath, listenPrivately, secureAdminSocket, secureSocket, SocketPathError } from './socket-path.js';
import { adminSocketPath } from '../contract/paths.js';
import { warnTerminals } from './terminal-warning.js';
import { VERSION } from './version.js';

const HELP = `Usage: snoozed [options]

The CloudSnooze agent: watches this instance and, once it has been idle for the
naptime, tags it and stops it (off EC2: records what it would have done).

Options:
  --config FILE       config file (default ${DEFAULT_CONFIG_PATH}; missing = defaults)
  --socket PATH       socket path (overrides socket_path)
  --dry-run           never stop: record what would be done (on EC2, prove permissions)
  --log-level LEVEL   ${LOG_LEVELS.join(' | ')} (overrides logging.log_level)
  --version           print the version and exit
  --help              print this help and exit
`;

/** SIGTERM to exit, at most: systemd's stop and upgrades never wait on a client or a hung call. */
const SHUTDOWN_DEADLINE_MS = 1500;

function fail(msg: string, code = 1): never {
  process.stderr.write(`snoozed: ${msg}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        socket: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message}\n${HELP}`, 2);
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  if (args.version) {
    process.stdout.write(`snoozed ${VERSION}\n`);
    return;
  }
  const levelArg = args['log-level'];
  if (levelArg !== undefined && !(LOG_LEVELS as readonly string[]).includes(levelArg)) {
    fail(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${levelArg}")`, 2);
  }

  const configPath = path.resolve(args.config ?? process.env.CLOUDSNOOZE_CONFIG ?? DEFAULT_CONFIG_PATH);
  let config: Config;
  let fromFile: boolean;
  let fileKeys: string[] | undefined;
  let exposed: string | undefined;
  try {
    ({ config, fromFile, keys: fileKeys, exposed } = await loadConfig(configPath));
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : `cannot load config: ${(err as Error).message}`, 78);
  }
  if (args.socket) config = { ...config, socket_path: path.resolve(args.socket) };
  const logger = createLogger((levelArg as LogLevel | undefined) ?? config.logging.log_level);
  const log = logger.log;
  log('info', fromFile ? `config: loaded ${configPath}` : `config: ${configPath} not found, using defaults (CONFIG_SET writes it)`);
  if (exposed) log('warn', `config: ${exposed}`);

  let history: History;
  try {
    history = await History.open(config.history_path, config.history_max_events, logger.child('history'));
  } catch (err) {
    fail(`cannot open history ${config.history_path}: ${(err as Error).message} (set history_path or run as root)`);
  }

  const dryRunFlag = args['dry-run'] === true;
  const providerLog = logger.child('cloud');
  // EC2 work runs in a short-lived `snoozed --cloud-task` child: the SDK never stays in the agent's memory.
  const cloudTaskCommand = selfCommand();
  const pick = (c: Config) => chooseProvider({ config: c, dryRun: dryRunFlag || c.dry_run, env: process.env, log: providerLog, cloudTaskCommand });
  const provider = await pick(config);
  const devRoot = process.env.CLOUDSNOOZE_DEV_DIR ?? '/dev';
  let liveConfig = config;
  const counters = new AgentCounters();
  const exportWanted = config.metrics_listen !== '' || config.metrics_textfile !== '';
  const rawSampler = createSampler({
    procRoot: process.env.CLOUDSNOOZE_PROC_DIR,
    sysRoot: process.env.CLOUDSNOOZE_SYS_DIR,
    devRoot,
    gpuEnabled: () => liveConfig.gpu_monitoring_enabled,
    keepAwakeProcesses: () => liveConfig.keep_awake_processes,
    env: process.env,
  });
  // Timed only for the exporter's histogram: without one, the sampler is used as is.
  const sampler: Sampler = exportWanted ? timedSampler(rawSampler, (s) => counters.onSample(s)) : rawSampler;

  let server: SocketServer | null = null;
  const daemon = new Daemon({
    config,
    configPath,
    sampler,
    provider,
    history,
    log: logger.child('agent'),
    dryRunFlag,
    configLoaded: fromFile,
    reselectProvider: pick,
    procDir: process.env.CLOUDSNOOZE_PROC_DIR,
    fileKeys: new Set(fileKeys ?? []),
    onNotifyAttempt: (target, ok) => counters.countNotification(target, ok),
    broadcast: (frame) => {
      if (frame.frame === 'event') counters.onEvent(frame.data);
      server?.broadcast(frame);
    },
    monoNow: monoNowMs,
    warnTerminals: (msg, kind) => (process.env.CLOUDSNOOZE_TTY_WARNINGS === '0' ? Promise.resolve(0) : warnTerminals(msg, devRoot, { hint: kind !== 'cancelled' })),
    onConfigApplied: (c, changed) => {
      liveConfig = c;
      if (changed.includes('logging') && !levelArg) logger.setLevel(c.logging.log_level);
    },
  });

  await daemon.restore();
  server = new SocketServer(daemon.handlers(), logger.child('socket'));
  const adminPath = adminSocketPath(config.socket_path);
  let listening = config.socket_path;
  try {
    const { replacedStale } = await claimSocketPath(config.socket_path);
    if (replacedStale) log('info', `socket: replaced a stale socket at ${config.socket_path}`);
    // The admin channel first: the only place settings change (docs/security.md, "Socket
    // authority"). Once the public socket answers, `snooze config set` works too.
    listening = adminPath;
    const admin = await claimSocketPath(adminPath);
    if (admin.replacedStale) log('info', `socket: replaced a stale socket at ${adminPath}`);
    const srv = server;
    await listenPrivately(() => srv.listen(adminPath, PRIVILEGED_LISTENER));
    const sec = await secureAdminSocket(adminPath, config.admin_group);
    log('info', `socket: admin channel on ${adminPath} (mode 0${sec.mode.toString(8)}${sec.gid !== null ? `, group ${config.admin_group}` : ', owner only'})`);
    if (config.admin_group && sec.gid === null) log('warn', `socket: admin_group "${config.admin_group}" does not exist; the admin channel is owner-only`);
    listening = config.socket_path;
    await server.listen(config.socket_path);
    const gid = await secureSocket(config.socket_path, config.socket_group);
    log('info', `socket: listening on ${config.socket_path} (mode 0660${gid !== null ? `, group ${config.socket_group}` : ''})`);
  } catch (err) {
    await server.close();
    await history.close();
    if (err instanceof SocketPathError) fail(err.message);
    const e = err as NodeJS.ErrnoException;
    fail(`cannot listen on ${listening}: ${e.message}${e.code === 'EACCES' ? ' (use --socket PATH or run as root)' : ''}`);
  }

  let exporter: Exporter | null = null;
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      // A second signal: the operator has stopped waiting, and so do we.
      process.exit(0);
    }
    shuttingDown = true;
    // Whatever hangs (a hung GPU tool in a sample, a slow disk, a cloud call), systemd must not need SIGKILL.
    setTimeout(() => {
      log('warn', `${signal}: shutdown took over ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS).unref();
    log('info', `${signal}: shutting down`);
    await server?.close();
    await exporter?.close();
    await daemon.close();
    await history.close();
    // server.close() has removed our socket file; whatever is at the path now is not ours to delete.
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // The logger never throws, but an error raised while reporting an error must not report itself again.
  let reporting = false;
  const report = (what: string, err: unknown) => {
    if (reporting) return;
    reporting = true;
    try {
      log('error', `${what}: ${(err as Error)?.stack ?? String(err)}`);
    } catch {
      // Nowhere left to say it.
    } finally {
      reporting = false;
    }
  };
  process.on('uncaughtException', (err) => report('uncaught', err));
  process.on('unhandledRejection', (err) => report('unhandled rejection', err));

  await daemon.start();
  if (exportWanted) exporter = await startMetrics(config, () => daemon.status(), counters, logger.child('metrics'));
  const st = daemon.status();
  log(
    'info',
    `agent: ${st.mode} mode, naptime ${config.naptime_minutes} min, sampling every ${config.check_interval_seconds} s, input sources: ${st.input_sources.join(', ') || 'none (input does not block)'}`,
  );
}

/**
 * prom-client and node:http are loaded here only (their own chunk), so an agent without
 * metrics_listen / metrics_textfile carries neither. A failure is logged: the agent keeps
 * watching and stopping without its exporter.
 */
async function startMetrics(config: Config, status: () => ReturnType<Daemon['status']>, counters: AgentCounters, log: (level: 'info' | 'warn' | 'error', msg: string) => void): Promise<Exporter | null> {
  try {
    const listen = config.metrics_listen ? parseListenAddress(config.metrics_listen) : null;
    if (typeof listen === 'string') throw new Error(listen); // parseConfig already refused it
    const { startExporter } = await import('./metrics-export/exporter.js');
    const exp = await startExporter({
      listen,
      textfile: config.metrics_textfile || null,
      textfileIntervalMs: Math.max(15, config.check_interval_seconds) * 1000,
      status,
      counters,
      log,
    });
    if (exp.address) log('info', `metrics: serving http://${exp.address.host.includes(':') ? `[${exp.address.host}]` : exp.address.host}:${exp.address.port}/metrics`);
    if (config.metrics_textfile) log('info', `metrics: writing ${config.metrics_textfile}`);
    return exp;
  } catch (err) {
    log('error', `metrics: exporter not started: ${(err as Error).message}`);
    return null;
  }
}

function timedSampler(inner: Sampler, took: (seconds: number) => void): Sampler {
  return {
    async sample(now) {
      const t0 = monoNowMs();
      try {
        return await inner.sample(now);
      } finally {
        took((monoNowMs() - t0) / 1000);
      }
    },
    reportInput: (source, idleSecs, now) => inner.reportInput(source, idleSecs, now),
    inputSources: () => inner.inputSources(),
    keepAwake: (now) => inner.keepAwake(now),
  };
}

if (process.argv[2] === CLOUD_TASK_FLAG) {
  // `snoozed --cloud-task`: one EC2 task for the agent, read from stdin (aws/cloud-task-main.ts), then exit.
  import('./aws/cloud-task-main.js').then((m) => m.cloudTaskMain()).catch((err: Error) => fail(err.stack ?? err.message));
} else {
  main().catch((err: Error) => fail(err.stack ?? err.message));
}
