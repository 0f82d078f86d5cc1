/**
 * EC2 detection from DMI (no network): only a host that presents the EC2 signature
 * is ever allowed to talk to instance metadata.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DMI_DIR = '/sys/devices/virtual/dmi/id';
/** Xen-based (older) instance types expose their uuid here rather than in DMI. */
export const DEFAULT_HYPERVISOR_UUID_PATH = '/sys/hypervisor/uuid';
const EC2_VENDOR = 'amazon ec2';

export interface Ec2Detection {
  ec2: boolean;
  /** Which file showed the signature, e.g. "board_vendor=Amazon EC2"; null off EC2. */
  evidence: string | null;
  dmiDir: string;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    // Missing or root-only (product_uuid is 0400): simply no evidence.
    return null;
  }
}

/**
 * CLOUDSNOOZE_DMI_DIR presents another host (tests); the hypervisor uuid is then
 * read from `<dir>/hypervisor_uuid` so a presented host is described by one folder
 * and a test never picks up the real machine's signature.
 */
export function detectEc2(env: NodeJS.ProcessEnv = process.env): Ec2Detection {
  const custom = env.CLOUDSNOOZE_DMI_DIR;
  const dmiDir = custom && custom.length > 0 ? custom : DEFAULT_DMI_DIR;
  const hypervisorPath = custom ? join(dmiDir, 'hypervisor_uuid') : DEFAULT_HYPERVISOR_UUID_PATH;
  for (const name of ['board_vendor', 'sys_vendor']) {
    const v = read(join(dmiDir, name));
    if (v !== null && v.toLowerCase() === EC2_VENDOR) return { ec2: true, evidence: `${name}=${v}`, dmiDir };
  }
  for (const [label, path] of [
    ['product_uuid', join(dmiDir, 'product_uuid')],
    ['hypervisor uuid', hypervisorPath],
  ] as const) {
    const v = read(path);
    if (v !== null && v.toLowerCase().startsWith('ec2')) return { ec2: true, evidence: `${label}=${v}`, dmiDir };
  }
  return { ec2: false, evidence: null, dmiDir };
}

/** Synchronous on purpose: `if (isEc2Host())` and `await isEc2Host()` both read correctly. */
export function isEc2Host(env: NodeJS.ProcessEnv = process.env): boolean {
  return detectEc2(env).ec2;
}
