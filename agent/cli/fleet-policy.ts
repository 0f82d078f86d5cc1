/**
 * `snooze fleet policy set|show`: settings pinned by tags across a fleet (docs/fleet.md,
 * "Set policy with tags"). Values are validated like `snooze config set` before any tag is
 * written; `--dry-run` lists what would be tagged.
 */
import { tagPrefixProblem, configSchema } from '../../contract/config-schema.js';
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';
import { inert, inertJson } from '../../contract/text.js';
import type { Filter } from '@aws-sdk/client-ec2';
import { Ec2 } from '../aws/ec2.js';
import { errorText } from '../aws/errors.js';
import { parseFilter, policyTag, PolicyError, setPolicy, showPolicyPages } from '../aws/fleet-policy.js';
import type { RetryOptions } from '../aws/retry.js';
import { parseFlags } from './args.js';
import { NO_REGION } from './fleet-format.js';
import { JsonArrayStream, TableStream } from './fleet-output.js';
import { EXIT, UsageError } from './io.js';

export const POLICY_USAGE = `  policy set KEY VALUE --filter NAME=VALUE... [--dry-run] [--json] [--region R] [--prefix P]
           pin a setting on every instance the filters select (tag <prefix>:Config:KEY; KEY "disabled": <prefix>:Disabled)
  policy show [--filter NAME=VALUE]... [--json] [--region R] [--prefix P]
           the settings pinned on each selected instance`;

export interface PolicyIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** See CliIO.drain. */
  drain?: () => Promise<void>;
  env: NodeJS.ProcessEnv;
}

const OPTIONS = {
  filter: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  region: { type: 'string' },
  prefix: { type: 'string' },
} as const;

export async function runFleetPolicy(args: string[], io: PolicyIo, internals: { retry?: RetryOptions } = {}): Promise<number> {
  const [sub, ...rest] = args;
  let filters: Filter[];
  let prefix = DEFAULT_TAG_PREFIX;
  let region: string | undefined;
  let values;
  let positionals: string[];
  try {
    if (sub !== 'set' && sub !== 'show') throw new UsageError(`policy needs set or show (got "${inert(sub ?? '')}")\n${POLICY_USAGE}`);
    ({ values, positionals } = parseFlags(rest, OPTIONS, sub === 'set' ? 2 : 0));
    filters = (values.filter ?? []).map(parseFilter);
    if (values.prefix !== undefined) {
      const problem = tagPrefixProblem(values.prefix);
      if (problem) throw new UsageError(`--prefix "${inert(values.prefix)}" is not a valid tag prefix: it ${problem}`);
      prefix = values.prefix;
    }
    if (values.region !== undefined && (values.region === '' || !configSchema.shape.aws_region.safeParse(values.region).success)) {
      throw new UsageError(`--region "${inert(values.region)}" is not a region name such as us-east-1`);
    }
    region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    if (sub === 'set' && positionals.length < 2) throw new UsageError('policy set needs KEY VALUE');
  } catch (err) {
    if (err instanceof UsageError || err instanceof PolicyError) {
      io.err(`snooze fleet policy: ${inert(err.message, { newlines: true })}`);
      return EXIT.USAGE;
    }
    throw err;
  }

  let tag;
  if (sub === 'set') {
    try {
      tag = policyTag(prefix, positionals[0]!, positionals[1]!);
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      io.err(`snooze fleet policy set: ${inert(err.message)}; no tag was written`);
      return EXIT.USAGE;
    }
  }
  // After the value's own check, so a wrong value is named first whatever else is missing.
  const usage = (problem: string) => {
    io.err(`snooze fleet policy: ${problem}`);
    return EXIT.USAGE;
  };
  // Never the whole account by accident: writing needs a filter that says which instances.
  if (sub === 'set' && filters.length === 0) return usage('policy set needs at least one --filter (e.g. --filter tag:team=ml); to select every instance, say so: --filter instance-state-name=running,stopped');
  if (!region) return usage(NO_REGION);
  const ec2 = new Ec2({ region, env: io.env, ...(internals.retry ? { retry: internals.retry } : {}) });
  try {
    if (tag) {
      const dryRun = values['dry-run'] === true;
      const r = await setPolicy(ec2, { prefix, filters, tag, dryRun });
      if (values.json) {
        io.out(inertJson(JSON.stringify({ tag: r.tag, dry_run: dryRun, instances: r.instances, create_tags_calls: r.stats.createTagsCalls })));
      } else {
        const what = `${inert(tag.key)} = ${inert(tag.value)}`;
        if (dryRun) io.out(`would set ${what} on ${r.instances.length} instance${r.instances.length === 1 ? '' : 's'} (dry run, nothing written)${r.instances.length ? `:\n${r.instances.join('\n')}` : ''}`);
        else io.out(`set ${what} on ${r.instances.length} instance${r.instances.length === 1 ? '' : 's'} (${r.stats.createTagsCalls} CreateTags call${r.stats.createTagsCalls === 1 ? '' : 's'}); agents apply it within fleet_refresh_minutes`);
      }
      return EXIT.OK;
    }
    // A page printed, then stdout drained, before the next is asked for: memory holds a page.
    const json = values.json ? new JsonArrayStream(io.out) : null;
    const table = new TableStream(['INSTANCE', 'NAME', 'TAG', 'VALUE'], io.out);
    for await (const page of showPolicyPages(ec2, { prefix, filters })) {
      if (json) json.write(page.map((i) => ({ instance_id: i.id, name: i.name, state: i.state, policy: i.policy })));
      else {
        const rows = page.flatMap((i) => {
          const tags = Object.entries(i.policy).sort(([a], [b]) => (a < b ? -1 : 1));
          return tags.length ? tags.map(([k, v]) => [i.id, i.name ?? '-', k, v]) : [[i.id, i.name ?? '-', '-', '-']];
        });
        table.write(rows.map((row) => row.map((c) => inert(c))));
      }
      await io.drain?.();
    }
    if (json) json.end();
    else if (table.rows === 0) io.out('no instances match');
    return EXIT.OK;
  } catch (err) {
    io.err(`snooze fleet policy ${sub}: ${inert(errorText(err))}`);
    return EXIT.ERROR;
  } finally {
    ec2.destroy();
  }
}
