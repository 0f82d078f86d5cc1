// Types for fuse-wire.mjs (used by the unit test).
export type FuseKey =
  | 'runAsNode'
  | 'enableCookieEncryption'
  | 'enableNodeOptionsEnvironmentVariable'
  | 'enableNodeCliInspectArguments'
  | 'enableEmbeddedAsarIntegrityValidation'
  | 'onlyLoadAppFromAsar'
  | 'loadBrowserProcessSpecificV8Snapshot'
  | 'grantFileProtocolExtraPrivileges';
export const FUSE_KEYS: Record<FuseKey, number>;
export const REQUIRED_FUSES: Partial<Record<FuseKey, boolean>>;
export function configuredFuses(root: string): Partial<Record<string, boolean>>;
export function standInFuseWire(states?: number[]): Buffer;
export function fuseMismatches(binary: string, configured: Partial<Record<string, boolean>>): Promise<string[]>;
