/**
 * A fake EC2 endpoint speaking the EC2 Query API (form-encoded POST, XML replies in
 * the 2016-11-15 shapes) on 127.0.0.1, so the real `@aws-sdk/client-ec2` can be
 * pointed at it with AWS_ENDPOINT_URL_EC2. Faults, denied actions and seeded
 * fleets are injectable; every request is counted and logged with its parameters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, type LoopbackHttp } from './loopback-http.js';
import { randomUUID } from 'node:crypto';
import { ec2Requests, isAllowed, type PolicyDocument } from './iam.js';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface FakeInstance {
  id: string;
  type: string;
  state: InstanceStateName;
  az: string;
  launchTime: Date;
  /** Insertion-ordered, like the console shows them. */
  tags: Map<string, string>;
  hibernationConfigured: boolean;
}

export type FaultKind =
  /** 503 RequestLimitExceeded (EC2's throttling code) or 400 Throttling. */
  | { kind: 'throttle'; code?: 'RequestLimitExceeded' | 'Throttling' }
  | { kind: 'server_error'; status?: number }
  | { kind: 'slow'; ms: number }
  /** The TCP connection is destroyed without a reply. */
  | { kind: 'drop' };

export interface CallRecord {
  action: string;
  params: Record<string, string>;
  dryRun: boolean;
  /** "ok", an error code, or "fault:<kind>". */
  outcome: string;
  at: number;
  /** Region of the SigV4 credential scope the client signed with. */
  region: string | null;
}

interface PendingFault {
  fault: FaultKind;
  remaining: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeEc2Options {
  /** Region reported in availability zones of seeded instances. */
  region?: string;
  /** Milliseconds a stopping instance takes to become stopped (0 = at once). */
  stopDelayMs?: number;
}

export class FakeEc2 {
  readonly instances = new Map<string, FakeInstance>();
  readonly calls: CallRecord[] = [];
  /** Actions refused with UnauthorizedOperation (also for DryRun). */
  readonly denied = new Set<string>();
  /**
   * The IAM policy of the caller's credentials (null: every action allowed). With
   * `sourceInstanceId` set the credentials are an instance role's, carrying
   * ec2:SourceInstanceARN of that instance, as EC2 issues them; null for other credentials.
   */
  iam: { policy: PolicyDocument; sourceInstanceId: string | null } | null = null;
  /** Keep the full call log (turn off for huge benches to save memory). */
  logCalls = true;
  /** What DescribeRegions answers (FakeEc2Regions sets the whole account's); default this fake's region. */
  regionNames: string[] | null = null;
  private readonly counts = new Map<string, number>();
  private readonly faults = new Map<string, PendingFault[]>();
  private nextSeq = 1;
  private http: LoopbackHttp | null = null;
  url = '';
  port = 0;

  private constructor(private readonly opts: Required<FakeEc2Options>) {}

  static async start(opts: FakeEc2Options = {}): Promise<FakeEc2> {
    const fake = FakeEc2.create(opts);
    await fake.listen();
    return fake;
  }

  /** Not listening yet (url is empty until listen()): for fixtures that start it in a hook. */
  static create(opts: FakeEc2Options = {}): FakeEc2 {
    return new FakeEc2({ region: opts.region ?? 'us-east-1', stopDelayMs: opts.stopDelayMs ?? 0 });
  }

  async listen(): Promise<void> {
    this.http = await listenLoopback(
      (req, res) => void this.handle(req, res),
      (server) => (server.keepAliveTimeout = 5_000),
    );
    this.url = this.http.url;
    this.port = this.http.port;
  }

  async close(): Promise<void> {
    await this.http?.close();
    this.http = null;
  }

  /** Back to a clean fake between tests: no instances, denials, faults or recorded calls. */
  reset(): void {
    this.instances.clear();
    this.denied.clear();
    this.iam = null;
    this.clearFaults();
    this.resetCalls();
  }

  // -------------------------------------------------------------------------
  // Set-up

  addInstance(partial: Partial<Omit<FakeInstance, 'tags'>> & { tags?: Record<string, string> } = {}): FakeInstance {
    const seq = this.nextSeq++;
    const inst: FakeInstance = {
      id: partial.id ?? `i-${seq.toString(16).padStart(17, '0')}`,
      type: partial.type ?? 't3.micro',
      state: partial.state ?? 'running',
      az: partial.az ?? `${this.opts.region}a`,
      launchTime: partial.launchTime ?? new Date(Date.now() - 86_400_000),
      tags: new Map(Object.entries(partial.tags ?? {})),
      hibernationConfigured: partial.hibernationConfigured ?? false,
    };
    this.instances.set(inst.id, inst);
    return inst;
  }

  /** Adds `n` instances; `make(i)` customises each one. */
  seed(n: number, make: (i: number) => Partial<Omit<FakeInstance, 'tags'>> & { tags?: Record<string, string> } = () => ({})): FakeInstance[] {
    const out: FakeInstance[] = [];
    for (let i = 0; i < n; i++) out.push(this.addInstance(make(i)));
    return out;
  }

  instance(id: string): FakeInstance {
    const inst = this.instances.get(id);
    if (!inst) throw new Error(`fake EC2: no instance ${id}`);
    return inst;
  }

  /** The next `times` requests for `action` ("*" = any action) get this fault instead of a reply. */
  fault(action: string, fault: FaultKind, times = 1): void {
    const list = this.faults.get(action) ?? [];
    list.push({ fault, remaining: times });
    this.faults.set(action, list);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  count(action?: string): number {
    if (action) return this.counts.get(action) ?? 0;
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  countsByAction(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  callsOf(action: string): CallRecord[] {
    return this.calls.filter((c) => c.action === action);
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.counts.clear();
  }

  // -------------------------------------------------------------------------
  // HTTP

  /** One request, from this fake's own server or a region router (FakeEc2Regions). */
  serve(req: IncomingMessage, res: ServerResponse): void {
    void this.handle(req, res);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    if (req.method === 'GET' && req.url) {
      for (const [k, v] of new URL(req.url, 'http://x').searchParams) params[k] = v;
    }
    const action = params.Action ?? '';
    const dryRun = params.DryRun === 'true';
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/ec2\//.exec(String(req.headers.authorization ?? ''));
    const record: CallRecord = { action, params, dryRun, outcome: 'ok', at: Date.now(), region: scope?.[1] ?? null };
    if (this.logCalls) this.calls.push(record);

    const fault = this.takeFault(action);
    if (fault) {
      record.outcome = `fault:${fault.kind}`;
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'slow') {
        await sleep(fault.ms);
      } else if (fault.kind === 'throttle') {
        const code = fault.code ?? 'RequestLimitExceeded';
        this.sendError(res, code === 'Throttling' ? 400 : 503, code, code === 'Throttling' ? 'Rate exceeded' : 'Request limit exceeded.');
        return;
      } else {
        this.sendError(res, fault.status ?? 500, 'InternalError', 'An internal error has occurred');
        return;
      }
    }

    try {
      if (req.method !== 'POST' && req.method !== 'GET') throw new ApiError(400, 'InvalidAction', 'Only POST and GET are supported');
      if (params.Version !== '2016-11-15') throw new ApiError(400, 'InvalidParameterValue', `Unsupported API version: ${params.Version ?? '(none)'}`);
      const handler = this.handlers[action];
      if (!handler) throw new ApiError(400, 'InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
      if (this.denied.has(action)) {
        throw new ApiError(
          403,
          'UnauthorizedOperation',
          `You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/test/i-test is not authorized to perform: ec2:${action}`,
        );
      }
      if (this.iam) this.authorize(action, params);
      const xml = handler(params, dryRun);
      if (dryRun) throw new ApiError(412, 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
      const requestId = randomUUID();
      const out = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">\n    <requestId>${requestId}</requestId>\n${xml}</${action}Response>`;
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId });
      res.end(out);
    } catch (err) {
      if (err instanceof ApiError) {
        record.outcome = err.code;
        this.sendError(res, err.status, err.code, err.message);
      } else {
        record.outcome = 'InternalError';
        this.sendError(res, 500, 'InternalError', String(err));
      }
    }
  }

  /** Every resource of the call must be allowed by `iam.policy`, as in IAM; DryRun is checked the same way. */
  private authorize(action: string, params: Record<string, string>): void {
    const { policy, sourceInstanceId } = this.iam!;
    const reqs = ec2Requests(action, params, { region: this.opts.region, sourceInstanceId, tagsOf: (id) => this.instances.get(id)?.tags });
    const refused = reqs.find((r) => !isAllowed(policy, r));
    if (refused) {
      throw new ApiError(403, 'UnauthorizedOperation', `You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/test/i-test is not authorized to perform: ${refused.action} on resource: ${refused.resource}`);
    }
  }

  private takeFault(action: string): FaultKind | null {
    for (const key of [action, '*']) {
      const list = this.faults.get(key);
      const first = list?.[0];
      if (list && first) {
        first.remaining--;
        if (first.remaining <= 0) list.shift();
        return first.fault;
      }
    }
    return null;
  }

  private sendError(res: ServerResponse, status: number, code: string, message: string): void {
    const requestId = randomUUID();
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
    res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId });
    res.end(xml);
  }

  // -------------------------------------------------------------------------
  // Actions: each returns the XML between <requestId> and the closing tag.

  private readonly handlers: Record<string, (p: Record<string, string>, dryRun: boolean) => string> = {
    CreateTags: (p, dryRun) => {
      const ids = list(p, 'ResourceId');
      const tags = tagList(p);
      if (ids.length === 0) throw new ApiError(400, 'MissingParameter', 'The request must contain the parameter resourceIdSet');
      if (tags.length === 0) throw new ApiError(400, 'MissingParameter', 'The request must contain the parameter tagSet');
      for (const t of tags) {
        if (t.key.toLowerCase().startsWith('aws:')) throw new ApiError(400, 'InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`);
        if (t.key.length > 128 || t.value.length > 256) throw new ApiError(400, 'InvalidParameterValue', `Tag key or value too long: ${t.key}`);
      }
      const insts = this.resolve(ids);
      for (const inst of insts) if (inst.tags.size + tags.filter((t) => !inst.tags.has(t.key)).length > 50) throw new ApiError(400, 'TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
      if (!dryRun) for (const inst of insts) for (const t of tags) inst.tags.set(t.key, t.value);
      return '    <return>true</return>\n';
    },
    DeleteTags: (p, dryRun) => {
      const insts = this.resolve(list(p, 'ResourceId'));
      const tags = tagList(p);
      if (!dryRun) {
        for (const inst of insts) {
          for (const t of tags) {
            // A value given means "only if it matches", as in the API.
            if (p[`Tag.${t.index}.Value`] === undefined || inst.tags.get(t.key) === t.value) inst.tags.delete(t.key);
          }
        }
      }
      return '    <return>true</return>\n';
    },
    DescribeRegions: () => {
      const items = (this.regionNames ?? [this.opts.region])
        .map((r) => `        <item>\n            <regionName>${esc(r)}</regionName>\n            <regionEndpoint>ec2.${esc(r)}.amazonaws.com</regionEndpoint>\n            <optInStatus>opt-in-not-required</optInStatus>\n        </item>\n`)
        .join('');
      return `    <regionInfo>\n${items}    </regionInfo>\n`;
    },
    DescribeTags: (p) => {
      const filters = filterList(p);
      for (const f of filters) {
        if (!['resource-id', 'resource-type', 'key', 'value', 'tag'].includes(f.name) && !f.name.startsWith('tag:')) {
          throw new ApiError(400, 'InvalidParameterValue', `The filter '${f.name}' is invalid`);
        }
      }
      const max = pageSize(p, 5, 1000, 1000);
      const start = tokenOffset(p);
      const ridFilter = filters.find((f) => f.name === 'resource-id');
      // Exact resource ids are looked up directly so per-instance polls over a huge seed stay cheap.
      const candidates =
        ridFilter && ridFilter.values.every((v) => !/[*?]/.test(v))
          ? ridFilter.values.map((id) => this.instances.get(id)).filter((i): i is FakeInstance => i !== undefined)
          : [...this.instances.values()];
      const items: string[] = [];
      let index = 0;
      let nextToken: string | null = null;
      outer: for (const inst of candidates) {
        if (inst.state === 'terminated') continue;
        for (const [key, value] of inst.tags) {
          if (!filters.every((f) => tagFilterMatches(f, inst, key, value))) continue;
          if (index >= start) {
            if (items.length === max) {
              nextToken = encodeToken(index);
              break outer;
            }
            items.push(
              `        <item>\n            <resourceId>${inst.id}</resourceId>\n            <resourceType>instance</resourceType>\n            <key>${esc(key)}</key>\n            <value>${esc(value)}</value>\n        </item>\n`,
            );
          }
          index++;
        }
      }
      return `    <tagSet>\n${items.join('')}    </tagSet>\n${nextToken ? `    <nextToken>${nextToken}</nextToken>\n` : ''}`;
    },
    DescribeInstances: (p) => {
      const ids = list(p, 'InstanceId');
      const filters = filterList(p);
      if (ids.length > 0 && p.MaxResults !== undefined) {
        throw new ApiError(400, 'InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
      }
      const max = ids.length > 0 ? Number.MAX_SAFE_INTEGER : pageSize(p, 5, 1000, 1000);
      const start = tokenOffset(p);
      const source = ids.length > 0 ? this.resolve(ids) : [...this.instances.values()];
      const matched = source.filter((inst) => filters.every((f) => instanceFilterMatches(f, inst)));
      const page = matched.slice(start, start + max);
      const nextToken = start + max < matched.length ? encodeToken(start + max) : null;
      const reservations = page.map((inst) => `        <item>\n            <reservationId>r-${inst.id.slice(2)}</reservationId>\n            <ownerId>123456789012</ownerId>\n            <groupSet/>\n            <instancesSet>\n${instanceXml(inst)}            </instancesSet>\n        </item>\n`);
      return `    <reservationSet>\n${reservations.join('')}    </reservationSet>\n${nextToken ? `    <nextToken>${nextToken}</nextToken>\n` : ''}`;
    },
    StopInstances: (p, dryRun) => {
      const insts = this.resolve(list(p, 'InstanceId'));
      const hibernate = p.Hibernate === 'true';
      for (const inst of insts) {
        if (inst.state === 'terminated' || inst.state === 'shutting-down' || inst.state === 'pending') {
          throw new ApiError(400, 'IncorrectInstanceState', `The instance '${inst.id}' is not in a state from which it can be stopped.`);
        }
        if (hibernate && !inst.hibernationConfigured) {
          throw new ApiError(400, 'UnsupportedHibernationConfiguration', `The instance '${inst.id}' is not enabled for hibernation.`);
        }
      }
      const items = insts.map((inst) => {
        const prev = inst.state;
        const next: InstanceStateName = prev === 'stopped' ? 'stopped' : 'stopping';
        if (!dryRun && prev !== 'stopped') {
          inst.state = 'stopping';
          const finish = () => {
            if (inst.state === 'stopping') inst.state = 'stopped';
          };
          if (this.opts.stopDelayMs > 0) setTimeout(finish, this.opts.stopDelayMs).unref();
          else finish();
        }
        return stateChangeXml(inst.id, next, prev);
      });
      return `    <instancesSet>\n${items.join('')}    </instancesSet>\n`;
    },
    StartInstances: (p, dryRun) => {
      const insts = this.resolve(list(p, 'InstanceId'));
      for (const inst of insts) {
        if (inst.state === 'terminated' || inst.state === 'shutting-down' || inst.state === 'stopping') {
          throw new ApiError(400, 'IncorrectInstanceState', `The instance '${inst.id}' is not in a state from which it can be started.`);
        }
      }
      const items = insts.map((inst) => {
        const prev = inst.state;
        if (!dryRun && prev === 'stopped') {
          // EC2 reports the last start as the launch time.
          inst.state = 'running';
          inst.launchTime = new Date();
        }
        return stateChangeXml(inst.id, prev === 'stopped' ? 'pending' : prev, prev);
      });
      return `    <instancesSet>\n${items.join('')}    </instancesSet>\n`;
    },
  };

  private resolve(ids: string[]): FakeInstance[] {
    const missing: string[] = [];
    const out: FakeInstance[] = [];
    for (const id of ids) {
      if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new ApiError(400, 'InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
      const inst = this.instances.get(id);
      if (inst) out.push(inst);
      else missing.push(id);
    }
    if (missing.length === 1) throw new ApiError(400, 'InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
    if (missing.length > 1) throw new ApiError(400, 'InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
    return out;
  }
}

// ---------------------------------------------------------------------------
// Query-API parameter helpers

function list(p: Record<string, string>, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; p[`${name}.${i}`] !== undefined; i++) out.push(p[`${name}.${i}`]!);
  return out;
}

function tagList(p: Record<string, string>): { index: number; key: string; value: string }[] {
  const out: { index: number; key: string; value: string }[] = [];
  for (let i = 1; p[`Tag.${i}.Key`] !== undefined; i++) out.push({ index: i, key: p[`Tag.${i}.Key`]!, value: p[`Tag.${i}.Value`] ?? '' });
  return out;
}

interface Filter {
  name: string;
  values: string[];
}

function filterList(p: Record<string, string>): Filter[] {
  const out: Filter[] = [];
  for (let i = 1; p[`Filter.${i}.Name`] !== undefined; i++) out.push({ name: p[`Filter.${i}.Name`]!, values: list(p, `Filter.${i}.Value`) });
  return out;
}

const patternCache = new Map<string, RegExp>();
/** EC2 filter values: `*` any run of characters, `?` one character; case-sensitive. */
function wildcard(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
    patternCache.set(pattern, re);
  }
  return re.test(value);
}

const anyOf = (values: string[], v: string) => values.some((pattern) => wildcard(pattern, v));

function tagFilterMatches(f: Filter, inst: FakeInstance, key: string, value: string): boolean {
  switch (f.name) {
    case 'resource-id':
      return anyOf(f.values, inst.id);
    case 'resource-type':
      return anyOf(f.values, 'instance');
    case 'key':
      return anyOf(f.values, key);
    case 'value':
      return anyOf(f.values, value);
    default:
      if (f.name.startsWith('tag:')) return key === f.name.slice(4) && anyOf(f.values, value);
      return false;
  }
}

function instanceFilterMatches(f: Filter, inst: FakeInstance): boolean {
  switch (f.name) {
    case 'instance-id':
      return anyOf(f.values, inst.id);
    case 'instance-state-name':
      return anyOf(f.values, inst.state);
    case 'instance-type':
      return anyOf(f.values, inst.type);
    case 'availability-zone':
      return anyOf(f.values, inst.az);
    case 'tag-key':
      return [...inst.tags.keys()].some((k) => anyOf(f.values, k));
    case 'tag-value':
      return [...inst.tags.values()].some((v) => anyOf(f.values, v));
    default:
      if (f.name.startsWith('tag:')) {
        const v = inst.tags.get(f.name.slice(4));
        return v !== undefined && anyOf(f.values, v);
      }
      throw new ApiError(400, 'InvalidParameterValue', `The filter '${f.name}' is invalid`);
  }
}

function pageSize(p: Record<string, string>, min: number, max: number, def: number): number {
  if (p.MaxResults === undefined) return def;
  const n = Number(p.MaxResults);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(400, 'InvalidParameterValue', `Value ( ${p.MaxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`);
  }
  return n;
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64');
}

function tokenOffset(p: Record<string, string>): number {
  if (!p.NextToken) return 0;
  try {
    const o = (JSON.parse(Buffer.from(p.NextToken, 'base64').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && o >= 0) return o;
  } catch {
    // fall through to the API's error
  }
  throw new ApiError(400, 'InvalidParameterValue', 'The specified NextToken is not valid');
}

// ---------------------------------------------------------------------------
// XML

/** Text content only (no attributes are built from data), so quotes stay literal as in EC2's replies. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function stateXml(tag: string, name: InstanceStateName): string {
  return `<${tag}>\n                    <code>${STATE_CODES[name]}</code>\n                    <name>${name}</name>\n                </${tag}>`;
}

function stateChangeXml(id: string, current: InstanceStateName, previous: InstanceStateName): string {
  return `        <item>\n            <instanceId>${id}</instanceId>\n            ${stateXml('currentState', current)}\n            ${stateXml('previousState', previous)}\n        </item>\n`;
}

function instanceXml(inst: FakeInstance): string {
  const tags = [...inst.tags].map(([k, v]) => `                        <item>\n                            <key>${esc(k)}</key>\n                            <value>${esc(v)}</value>\n                        </item>\n`);
  const stopped = inst.state === 'stopped' || inst.state === 'stopping';
  return `                <item>
                    <instanceId>${inst.id}</instanceId>
                    <imageId>ami-0abcdef1234567890</imageId>
                    ${stateXml('instanceState', inst.state)}
                    <privateDnsName>ip-10-0-0-1.ec2.internal</privateDnsName>
                    <dnsName/>
                    <reason>${stopped ? 'User initiated' : ''}</reason>
                    <amiLaunchIndex>0</amiLaunchIndex>
                    <productCodes/>
                    <instanceType>${esc(inst.type)}</instanceType>
                    <launchTime>${inst.launchTime.toISOString()}</launchTime>
                    <placement>
                        <availabilityZone>${esc(inst.az)}</availabilityZone>
                        <groupName/>
                        <tenancy>default</tenancy>
                    </placement>
                    <monitoring>
                        <state>disabled</state>
                    </monitoring>
                    <architecture>x86_64</architecture>
                    <rootDeviceType>ebs</rootDeviceType>
                    <rootDeviceName>/dev/xvda</rootDeviceName>
                    <virtualizationType>hvm</virtualizationType>
${tags.length ? `                    <tagSet>\n${tags.join('')}                    </tagSet>\n` : ''}                    <hibernationOptions>
                        <configured>${inst.hibernationConfigured}</configured>
                    </hibernationOptions>
                </item>
`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
