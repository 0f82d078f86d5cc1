/**
 * Pure parsers for the /proc files the sampler reads. They take the file's text and return
 * numbers, or null when the text is not what the kernel writes (the caller then reports the
 * metric as unreadable). No I/O here, so every parser is tested on fixture text.
 */

export interface CpuTimes {
  /** Jiffies spent doing anything but idle/iowait, summed over all CPUs. */
  busy: number;
  /** All jiffies, summed over all CPUs. */
  total: number;
}

function isDigits(s: string): boolean {
  return s.length > 0 && /^\d+$/.test(s);
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes | null {
  const start = text.startsWith('cpu ') ? 0 : text.indexOf('\ncpu ') + 1;
  if (start < 0 || !text.startsWith('cpu ', start)) return null;
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const f = text.slice(start + 4, end).trim().split(/\s+/);
  // user nice system idle [iowait irq softirq steal guest guest_nice]; guest time is
  // already inside user/nice, so it is not added again.
  if (f.length < 4 || !f.every(isDigits)) return null;
  const n = f.map(Number);
  const user = n[0]!;
  const nice = n[1]!;
  const system = n[2]!;
  const idle = n[3]!;
  const iowait = n[4] ?? 0;
  const irq = n[5] ?? 0;
  const softirq = n[6] ?? 0;
  const steal = n[7] ?? 0;
  const idleAll = idle + iowait;
  // Steal is time the hypervisor gave to others: not our work, so it is not "busy".
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idleAll + steal };
}

/**
 * CPU ticks of a process from /proc/<pid>/stat: utime + stime + cutime + cstime.
 * Children count too: the agent's only children are its own GPU/X11 probes, and their cost
 * is the agent's, not the user's. The command name may contain spaces and parentheses,
 * so fields are counted from the last ')'.
 */
export function parseSelfStat(text: string): number | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // After the name: state(0) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  // cmajflt utime(11) stime(12) cutime(13) cstime(14).
  if (f.length < 15) return null;
  let sum = 0;
  for (let i = 11; i <= 14; i++) {
    const v = f[i]!;
    // cutime/cstime are signed in the kernel's format but never negative in practice.
    if (!/^-?\d+$/.test(v)) return null;
    sum += Math.max(0, Number(v));
  }
  return sum;
}

function meminfoKb(text: string, key: string): number | null {
  const at = text.startsWith(key + ':') ? 0 : text.indexOf('\n' + key + ':') + 1;
  if (at <= 0 && !text.startsWith(key + ':')) return null;
  const m = /^\s*(\d+)/.exec(text.slice(at + key.length + 1, at + key.length + 40));
  return m ? Number(m[1]) : null;
}

/**
 * Memory in use, percent: 1 - MemAvailable/MemTotal. Kernels before 3.14 have no
 * MemAvailable; MemFree + Buffers + Cached is the old approximation of it.
 */
export function parseMeminfo(text: string): number | null {
  const total = meminfoKb(text, 'MemTotal');
  if (total === null || total <= 0) return null;
  let avail = meminfoKb(text, 'MemAvailable');
  if (avail === null) {
    const free = meminfoKb(text, 'MemFree');
    if (free === null) return null;
    avail = free + (meminfoKb(text, 'Buffers') ?? 0) + (meminfoKb(text, 'Cached') ?? 0);
  }
  const pct = (1 - Math.min(avail, total) / total) * 100;
  return pct;
}

export interface NetCounters {
  name: string;
  rx: number;
  tx: number;
}

/** Byte counters per interface from /proc/net/dev, loopback left out. Null if malformed. */
export function parseNetDev(text: string): NetCounters[] | null {
  const lines = text.split('\n');
  if (lines.length < 2 || !lines[0]!.includes('Inter-') || !lines[1]!.includes('bytes')) return null;
  const out: NetCounters[] = [];
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon < 0) {
      if (line.trim() === '') continue;
      return null;
    }
    const name = line.slice(0, colon).trim();
    // Old kernels print "eth0:1234" with no space once the counter is wide.
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (f.length < 9 || !isDigits(f[0]!) || !isDigits(f[8]!)) return null;
    if (name === 'lo') continue;
    out.push({ name, rx: Number(f[0]), tx: Number(f[8]) });
  }
  return out;
}

export interface DiskCounters {
  name: string;
  /** Sectors of 512 bytes, whatever the device's real sector size (the kernel's unit). */
  sectorsRead: number;
  sectorsWritten: number;
}

/** Sector counters per block device from /proc/diskstats, every device (filter afterwards). */
export function parseDiskstats(text: string): DiskCounters[] | null {
  const out: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    // major minor name reads rmerged sectors_read ms_read writes wmerged sectors_written ...
    if (f.length < 10 || !isDigits(f[5]!) || !isDigits(f[9]!)) return null;
    out.push({ name: f[2]!, sectorsRead: Number(f[5]), sectorsWritten: Number(f[9]) });
  }
  return out;
}
