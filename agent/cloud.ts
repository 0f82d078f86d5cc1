/**
 * Picks the cloud provider at start: EC2 only when the host shows the EC2 DMI
 * signature (so no other host ever contacts instance metadata), local otherwise.
 */
import path from 'node:path';
import { detectEc2 } from './aws/detect.js';
import { PRICE_CACHE_FILE } from './aws/price-cache.js';
import type { CloudTaskCommand } from './aws/cloud-task-command.js';
import type { Config } from '../contract/config-schema.js';
import { LocalProvider, type CloudProvider } from './provider.js';

export interface ChooseProviderOptions {
  config: Config;
  /** Forced by --dry-run. */
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
  /**
   * How to start a child that runs one EC2 task (`snoozed --cloud-task`): the agent
   * passes its own command so the SDK is loaded there, never in the agent. Without it
   * the tasks run in this process.
   */
  cloudTaskCommand?: CloudTaskCommand;
}

export const STOP_MARKER_FILE = 'aws-stop-pending.json';

export async function chooseProvider(opts: ChooseProviderOptions): Promise<CloudProvider> {
  const det = detectEc2(opts.env);
  if (!det.ec2) {
    opts.log('info', `no EC2 signature in ${det.dmiDir}: local mode, no cloud calls`);
    return new LocalProvider('local');
  }
  const mode = opts.config.dry_run || opts.dryRun ? 'dry_run' : 'aws';
  opts.log('info', `EC2 host (${det.evidence}): ${mode === 'dry_run' ? 'dry run, permissions proven with DryRun' : 'tag then stop when idle'}`);
  // Loaded only on EC2: off EC2 the agent never carries the metadata client (node:http) or the task runner.
  const [{ AwsProvider }, { ChildProcessTasks }] = await Promise.all([import('./aws/provider.js'), import('./aws/child-tasks.js')]);
  const provider = new AwsProvider({
    mode,
    config: opts.config,
    env: opts.env,
    log: opts.log,
    // Beside the history (persistent, agent-owned): lets an agent that never stopped this host start without the SDK.
    stopMarkerPath: path.join(path.dirname(opts.config.history_path), STOP_MARKER_FILE),
    priceCachePath: path.join(path.dirname(opts.config.history_path), PRICE_CACHE_FILE),
    ...(opts.cloudTaskCommand ? { tasks: new ChildProcessTasks({ ...opts.cloudTaskCommand, env: opts.env }) } : {}),
  });
  // Identity first so STATUS shows it (or monitor_only) from the first sample; identify() never throws.
  await provider.identify();
  return provider;
}
