/**
 * Which /proc/diskstats entries are whole physical disks. Partitions repeat their disk's
 * I/O, and stacked or memory-backed devices (loop, device-mapper, md RAID, zram, ram) repeat
 * the I/O of the disks under them or do none at all, so counting them would double the rate.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Devices layered on other block devices, or backed by memory; nvmeXcYnZ are the hidden
 * per-path devices under a multipath nvmeXnZ, which already counts their I/O.
 */
const VIRTUAL = /^(loop|ram|zram|dm-|md|bcache|nbd)|^nvme\d+c\d+n\d+$/;
/** Partition names when /sys is not there to ask: sda1, xvdb2, nvme0n1p1, mmcblk0p1, md0p1. */
const PARTITION_NAME = /^((s|h|v|xv)d[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+|md\d+|nbd\d+|loop\d+)p\d+)$/;

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/**
 * A whole disk has a directory in /sys/block (partitions live below their disk's) and no
 * `partition` attribute. Without /sys (some containers) the name decides.
 */
export function isWholeDisk(name: string, sysRoot: string): boolean {
  if (VIRTUAL.test(name)) return false;
  const blockDir = join(sysRoot, 'block');
  if (!exists(blockDir)) return !PARTITION_NAME.test(name);
  const dev = join(blockDir, name);
  return exists(dev) && !exists(join(dev, 'partition'));
}

/** Remembers the decision per device name; forgets it now and then so hot-plugged disks are seen. */
export class WholeDiskFilter {
  private cache = new Map<string, boolean>();
  private clearedAt = 0;

  constructor(
    private readonly sysRoot: string,
    private readonly refreshMs = 60_000,
  ) {}

  isWhole(name: string, nowMs: number): boolean {
    if (nowMs - this.clearedAt > this.refreshMs || nowMs < this.clearedAt) {
      this.cache.clear();
      this.clearedAt = nowMs;
    }
    let v = this.cache.get(name);
    if (v === undefined) {
      v = isWholeDisk(name, this.sysRoot);
      this.cache.set(name, v);
    }
    return v;
  }
}
