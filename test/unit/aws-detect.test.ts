import { describe, expect, it } from 'vitest';
import { detectEc2, isEc2Host, DEFAULT_DMI_DIR } from '../../agent/aws/detect.js';
import { dmiPerTest } from '../helpers/dmi.js';


const dmi = dmiPerTest();

describe('EC2 detection by DMI', () => {
  it.each(['board_vendor', 'sys_vendor', 'product_uuid', 'hypervisor_uuid'] as const)('recognises an EC2 signature in %s', (kind) => {
    const d = dmi(kind);
    const det = detectEc2({ CLOUDSNOOZE_DMI_DIR: d.dir });
    expect(det.ec2).toBe(true);
    expect(det.evidence).toMatch(kind === 'hypervisor_uuid' ? /^hypervisor uuid=ec2/ : new RegExp(`^${kind}=`));
    expect(isEc2Host({ CLOUDSNOOZE_DMI_DIR: d.dir })).toBe(true);
  });

  it('matches the uuid prefix case-insensitively and the vendor exactly', () => {
    expect(isEc2Host({ CLOUDSNOOZE_DMI_DIR: dmi('none', { product_uuid: 'Ec2aBcDe-0000-0000-0000-000000000000' }).dir })).toBe(true);
    expect(isEc2Host({ CLOUDSNOOZE_DMI_DIR: dmi('none', { sys_vendor: 'amazon ec2' }).dir })).toBe(true);
    expect(isEc2Host({ CLOUDSNOOZE_DMI_DIR: dmi('none', { sys_vendor: 'Amazon EC2 Lookalike' }).dir })).toBe(false);
    expect(isEc2Host({ CLOUDSNOOZE_DMI_DIR: dmi('none', { product_uuid: 'aec2-not-a-prefix' }).dir })).toBe(false);
  });

  it('reports no signature for other hosts and for a missing folder', () => {
    expect(detectEc2({ CLOUDSNOOZE_DMI_DIR: dmi('none').dir })).toMatchObject({ ec2: false, evidence: null });
    expect(isEc2Host({ CLOUDSNOOZE_DMI_DIR: '/nonexistent/cloudsnooze-dmi' })).toBe(false);
  });

  it('defaults to the kernel DMI folder', () => {
    expect(detectEc2({}).dmiDir).toBe(DEFAULT_DMI_DIR);
  });
});
