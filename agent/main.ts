/**
 * snoozed: the CloudSnooze agent. Parses flags, loads config, claims the socket,
 * wires the sampler, provider, history and daemon, and shuts down cleanly on signals.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chooseProvider } from './cloud.js';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, LOG_LEVELS, type Config } from './config.js';
import { Daemon } from './daemon.js';
import { History } from './history.js';
import { createLogger, type LogLevel } from './log.js';
import { createSampler } from './metrics/sampler.js';
import { SocketServer } from './server.js';
import { claimSocketPath, secureSocket, SocketPathError } from './socket-path.js';
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
  try {
    ({ config, fromFile } = await loadConfig(configPath));
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : `cannot load config: ${(err as Error).message}`, 78);
  }
  if (args.socket) config = { ...config, socket_path: path.resolve(args.socket) };
  const logger = createLogger((levelArg as LogLevel | undefined) ?? config.logging.log_level);
  const log = logger.log;
  log('info', fromFile ? `config: loaded ${configPath}` : `config: ${configPath} not found, using defaults (CONFIG_SET writes it)`);

  let history: History;
  try {
    history = await History.open(config.history_path, config.history_max_events, logger.child('history'));
  } catch (err) {
    fail(`cannot open history ${config.history_path}: ${(err as Error).message} (set history_path or run as root)`);
  }

  const dryRunFlag = args['dry-run'] === true;
  const providerLog = logger.child('cloud');
  const pick = (c: Config) => chooseProvider({ config: c, dryRun: dryRunFlag || c.dry_run, env: process.env, log: providerLog });
  const provider = await pick(config);
  const devRoot = process.env.CLOUDSNOOZE_DEV_DIR ?? '/dev';
  let liveConfig = config;
  const sampler = createSampler({
    procRoot: process.env.CLOUDSNOOZE_PROC_DIR,
    sysRoot: process.env.CLOUDSNOOZE_SYS_DIR,
    devRoot,
    gpuEnabled: () => liveConfig.gpu_monitoring_enabled,
    keepAwakeProcesses: () => liveConfig.keep_awake_processes,
    env: process.env,
  });

  let server: SocketServer | null = null;
  const daemon = new Daemon({
    config,
    configPath,
    sampler,
    provider,
    history,
    log: logger.child('agent'),
    dryRunFlag,
    reselectProvider: pick,
    broadcast: (frame) => server?.broadcast(frame),
    warnTerminals: (msg) => (process.env.CLOUDSNOOZE_TTY_WARNINGS === '0' ? Promise.resolve(0) : warnTerminals(msg, devRoot)),
    onConfigApplied: (c, changed) => {
      liveConfig = c;
      if (changed.includes('logging') && !levelArg) logger.setLevel(c.logging.log_level);
    },
  });

  await daemon.restore();
  server = new SocketServer(daemon.handlers(), logger.child('socket'));
  try {
    const { replacedStale } = await claimSocketPath(config.socket_path);
    if (replacedStale) log('info', `socket: replaced a stale socket at ${config.socket_path}`);
    await server.listen(config.socket_path);
    const gid = await secureSocket(config.socket_path, config.socket_group);
    log('info', `socket: listening on ${config.socket_path} (mode 0660${gid !== null ? `, group ${config.socket_group}` : ''})`);
  } catch (err) {
    await history.close();
    if (err instanceof SocketPathError) fail(err.message);
    const e = err as NodeJS.ErrnoException;
    fail(`cannot listen on ${config.socket_path}: ${e.message}${e.code === 'EACCES' ? ' (use --socket PATH or run as root)' : ''}`);
  }

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('info', `${signal}: shutting down`);
    await server?.close();
    await daemon.close();
    await history.close();
    // server.close() has removed our socket file; whatever is at the path now is not ours to delete.
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('uncaughtException', (err) => log('error', `uncaught: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log('error', `unhandled rejection: ${(err as Error)?.stack ?? String(err)}`));

  await daemon.start();
  const st = daemon.status();
  log(
    'info',
    `agent: ${st.mode} mode, naptime ${config.naptime_minutes} min, sampling every ${config.check_interval_seconds} s, input sources: ${st.input_sources.join(', ') || 'none (input does not block)'}`,
  );
}

main().catch((err: Error) => fail(err.stack ?? err.message));
