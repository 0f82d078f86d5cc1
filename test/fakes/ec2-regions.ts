/**
 * Several fake EC2 regions behind one loopback endpoint, for the fleet tools' multi-region
 * paths: the SDK signs each request with its region (SigV4 credential scope), and the router
 * hands it to that region's FakeEc2. A region not in the account answers AuthFailure, as EC2
 * does for a region that is not enabled.
 */
import { listenLoopback, type LoopbackHttp } from './loopback-http.js';
import { FakeEc2 } from './ec2.js';

export class FakeEc2Regions {
  readonly regions = new Map<string, FakeEc2>();
  private http: LoopbackHttp | null = null;

  static async start(names: string[]): Promise<FakeEc2Regions> {
    const f = new FakeEc2Regions();
    for (const name of names) {
      const fake = FakeEc2.create({ region: name });
      fake.regionNames = names;
      f.regions.set(name, fake);
    }
    f.http = await listenLoopback(
      (req, res) => {
        const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/ec2\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
        const fake = f.regions.get(region);
        if (fake) return fake.serve(req, res);
        res.writeHead(401, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors><RequestID>fake</RequestID></Response>`);
      },
      (server) => (server.keepAliveTimeout = 5_000),
    );
    return f;
  }

  get url(): string {
    return this.http?.url ?? '';
  }

  region(name: string): FakeEc2 {
    const f = this.regions.get(name);
    if (!f) throw new Error(`no fake region ${name}`);
    return f;
  }

  /** Calls made across all regions. */
  count(): number {
    return [...this.regions.values()].reduce((n, f) => n + f.count(), 0);
  }

  async close(): Promise<void> {
    await this.http?.close();
  }
}
