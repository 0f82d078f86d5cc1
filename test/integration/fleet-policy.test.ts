/**
 * `snooze fleet policy set|show` with the real SDK against the fake EC2: batched
 * CreateTags (at most 1000 resources a call), values validated before any tag is written.
 */
import { describe, expect, it } from 'vitest';
import { runFleet } from '../../agent/cli/fleet.js';
import { withFakeAws } from '../helpers/aws.js';
import { runWithBlockedDrain } from '../helpers/fleet-drain.js';

const { ec2 } = withFakeAws({ imds: false });
const fastRetry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 };

async function fleet(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runFleet(args, { out: (s) => out.push(s), err: (s) => err.push(s), env: process.env }, { retry: fastRetry });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const resourcesOf = (p: Record<string, string>) => Object.keys(p).filter((k) => /^ResourceId\.\d+$/.test(k)).length;

describe('snooze fleet policy', () => {
  it('set tags every selected instance in batches of at most 1000; others are untouched; show reads them back', async () => {
    const ml = ec2.seed(2100, (i) => ({ tags: { team: 'ml', Name: `gpu-${i}` } }));
    const web = ec2.seed(300, () => ({ tags: { team: 'web' } }));
    ec2.seed(5, () => ({ state: 'terminated', tags: { team: 'ml' } }));

    const r = await fleet(['policy', 'set', 'naptime_minutes', '45', '--filter', 'tag:team=ml']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^set CloudSnooze:Config:naptime_minutes = 45 on 2100 instances \(3 CreateTags calls\)/);
    const creates = ec2.callsOf('CreateTags');
    expect(creates.map((c) => resourcesOf(c.params))).toEqual([1000, 1000, 100]);
    expect(creates.every((c) => c.params['Tag.1.Key'] === 'CloudSnooze:Config:naptime_minutes' && c.params['Tag.1.Value'] === '45' && c.params['Tag.2.Key'] === undefined)).toBe(true);
    expect(ml.every((i) => i.tags.get('CloudSnooze:Config:naptime_minutes') === '45')).toBe(true);
    expect(web.some((i) => i.tags.has('CloudSnooze:Config:naptime_minutes'))).toBe(false);

    await fleet(['policy', 'set', 'disabled', 'true', '--filter', `instance-id=${web[0]!.id}`]);
    expect(web[0]!.tags.get('CloudSnooze:Disabled')).toBe('true');
    const show = await fleet(['policy', 'show', '--filter', 'tag:team=web', '--json']);
    const rows = JSON.parse(show.out) as { instance_id: string; policy: Record<string, string> }[];
    expect(rows).toHaveLength(300);
    expect(rows.find((x) => x.instance_id === web[0]!.id)!.policy).toEqual({ 'CloudSnooze:Disabled': 'true' });
    const text = await fleet(['policy', 'show', '--filter', `instance-id=${ml[0]!.id}`]);
    expect(text.out).toMatch(new RegExp(`${ml[0]!.id}\\s+gpu-0\\s+CloudSnooze:Config:naptime_minutes\\s+45`));
  });

  it('show prints each page, and waits for stdout to drain, before it asks for the next (issue 10); text and JSON', async () => {
    ec2.seed(2100, (i) => ({ tags: { team: 'ml', Name: `gpu-${i}`, 'CloudSnooze:Config:naptime_minutes': '45' } }));
    for (const json of [false, true]) {
      ec2.resetCalls();
      const { code, text } = await runWithBlockedDrain(['policy', 'show', '--filter', 'tag:team=ml', ...(json ? ['--json'] : [])], 3, (out) => {
        expect(ec2.countsByAction()).toEqual({ DescribeInstances: 1 });
        expect(out).toHaveLength(1);
      });
      expect(code).toBe(0);
      expect(ec2.countsByAction()).toEqual({ DescribeInstances: 3 });
      if (json) expect((JSON.parse(text) as { policy: Record<string, string> }[]).filter((r) => r.policy['CloudSnooze:Config:naptime_minutes'] === '45')).toHaveLength(2100);
      else expect(text.split('\n').filter((l) => /^i-\S+\s+gpu-\d+\s+CloudSnooze:Config:naptime_minutes\s+45$/.test(l))).toHaveLength(2100);
    }
  });

  it('a value the agent would refuse, a file-only key or a missing filter writes nothing', async () => {
    ec2.seed(3, () => ({ tags: { team: 'ml' } }));
    const cases: [string[], RegExp][] = [
      [['policy', 'set', 'naptime_minutes', 'soon', '--filter', 'tag:team=ml'], /Naptime must be a number of minutes.*no tag was written/],
      [['policy', 'set', 'cpu_threshold_percent', '150', '--filter', 'tag:team=ml'], /CPU threshold must be at most 100 %/],
      [['policy', 'set', 'pre_stop_command', 'reboot', '--filter', 'tag:team=ml'], /only be set in the config file/],
      [['policy', 'set', 'notifications', '{}', '--filter', 'tag:team=ml'], /only be set in the config file/],
      [['policy', 'set', 'no_such', '1', '--filter', 'tag:team=ml'], /not a config key/],
      [['policy', 'set', 'disabled', 'maybe', '--filter', 'tag:team=ml'], /disabled must be true or false/],
      [['policy', 'set', 'naptime_minutes', '45'], /needs at least one --filter/],
      [['policy', 'set', 'naptime_minutes', '45', '--filter', 'team'], /--filter needs NAME=VALUE/],
    ];
    for (const [args, msg] of cases) {
      const r = await fleet(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    // The value is named first, even where the region is missing too.
    const noRegion = { ...process.env, AWS_REGION: '', AWS_DEFAULT_REGION: '' };
    const errs: string[] = [];
    const io = { out: () => {}, err: (s: string) => errs.push(s), env: noRegion };
    expect(await runFleet(['policy', 'set', 'naptime_minutes', 'soon', '--filter', 'tag:team=ml'], io, { retry: fastRetry })).toBe(2);
    expect(await runFleet(['policy', 'set', 'naptime_minutes', '45', '--filter', 'tag:team=ml'], io, { retry: fastRetry })).toBe(2);
    expect(errs).toEqual([
      'snooze fleet policy set: Naptime must be a number of minutes (you entered "soon"); no tag was written',
      'snooze fleet policy: no AWS region: pass --region or set AWS_REGION',
    ]);
    expect(ec2.count('CreateTags')).toBe(0);
    expect(ec2.count()).toBe(0);
  });

  it('--dry-run lists what would be tagged and writes nothing', async () => {
    const [a, b] = ec2.seed(2, () => ({ tags: { team: 'ml' } }));
    const r = await fleet(['policy', 'set', 'gpu_monitoring_enabled', 'false', '--filter', 'tag:team=ml', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`would set CloudSnooze:Config:gpu_monitoring_enabled = false on 2 instances (dry run, nothing written):\n${a!.id}\n${b!.id}`);
    expect(ec2.count('CreateTags')).toBe(0);
  });
});
