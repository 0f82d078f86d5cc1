import { describe, expect, it } from 'vitest';
import { buildStopTags, stopReason } from '../../contract/tags.js';
import type { Sample } from '../../contract/protocol.js';

const sample: Sample = {
  t: 0,
  cpu_percent: 2.5,
  memory_percent: 15.2,
  network_kbps: 0.8,
  disk_io_kbps: 0.3,
  gpu_percent: 0.05,
  gpu_memory_percent: 1,
  gpu_count: 2,
  gpu_cards: [],
  input_idle_secs: 1800.7,
  unreadable: [],
  keep_awake: [],
};

describe('stop tags (the integration guide table)', () => {
  it('has the guide keys and formats, in one set', () => {
    const tags = buildStopTags({
      prefix: 'CloudSnooze',
      detailed: true,
      now: Date.parse('2023-04-19T14:23:45.678Z'),
      reason: stopReason(30 * 60_000 + 20_000, 30),
      sample,
      naptimeMinutes: 30,
      instance: { id: 'i-1', type: 't3.medium', region: 'us-east-1', source: 'ec2' },
    });
    expect(tags).toEqual({
      'CloudSnooze:Status': 'Stopped',
      'CloudSnooze:StopTimestamp': '2023-04-19T14:23:45Z',
      'CloudSnooze:StopReason': 'System idle for 30 minutes (threshold: 30 minutes)',
      'CloudSnooze:CPUPercent': '2.50',
      'CloudSnooze:MemoryPercent': '15.20',
      'CloudSnooze:NetworkKBps': '0.80',
      'CloudSnooze:DiskIOKBps': '0.30',
      'CloudSnooze:InputIdleSecs': '1800',
      'CloudSnooze:GPUPercent': '0.05',
      'CloudSnooze:GPUCount': '2',
      'CloudSnooze:NaptimeMinutes': '30',
      'CloudSnooze:InstanceType': 't3.medium',
      'CloudSnooze:Region': 'us-east-1',
    });
  });

  it('writes only the three core tags without detailed tags, with the configured prefix', () => {
    const tags = buildStopTags({ prefix: 'Acme', detailed: false, now: 0, reason: 'r', sample, naptimeMinutes: 30, instance: { id: null, type: null, region: null, source: 'local' } });
    expect(Object.keys(tags)).toEqual(['Acme:Status', 'Acme:StopTimestamp', 'Acme:StopReason']);
  });

  it('formats the reason for fractional naptimes', () => {
    expect(stopReason(3000, 0.05)).toBe('System idle for 0.05 minutes (threshold: 0.05 minutes)');
  });
});
