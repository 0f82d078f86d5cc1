/** Temporary DMI folders presenting an EC2 host (or not) through CLOUDSNOOZE_DMI_DIR. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type DmiPresentation = 'board_vendor' | 'sys_vendor' | 'product_uuid' | 'hypervisor_uuid' | 'none';

export interface FakeDmi {
  dir: string;
  remove(): void;
}

export function presentDmi(kind: DmiPresentation, extra: Record<string, string> = {}): FakeDmi {
  const dir = mkdtempSync(join(tmpdir(), 'cs-dmi-'));
  const files: Record<string, string> = {
    board_vendor: 'Intel Corporation',
    sys_vendor: 'QEMU',
    product_uuid: '4c4c4544-0042-3510-8051-b4c04f4d3232',
    ...extra,
  };
  if (kind === 'board_vendor') files.board_vendor = 'Amazon EC2';
  if (kind === 'sys_vendor') files.sys_vendor = 'Amazon EC2';
  if (kind === 'product_uuid') files.product_uuid = 'EC2E1916-9099-7CAF-FD21-012345678901';
  if (kind === 'hypervisor_uuid') files.hypervisor_uuid = 'ec2e1916-9099-7caf-fd21-012345678901';
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), `${value}\n`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
