/**
 * Picks the cloud provider at start. Replaced by EC2 detection in the AWS work:
 * until then every host is local.
 */
import type { Config } from './config-schema.js';
import { LocalProvider, type CloudProvider } from './provider.js';

export interface ChooseProviderOptions {
  config: Config;
  /** Forced by --dry-run. */
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

export async function chooseProvider(_opts: ChooseProviderOptions): Promise<CloudProvider> {
  return new LocalProvider('local');
}
