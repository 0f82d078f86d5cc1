/**
 * A fake SNS endpoint on 127.0.0.1 speaking the Query API the real `@aws-sdk/client-sns`
 * uses (form-encoded POST, XML reply): Publish only, every message kept. Point the SDK at
 * it with AWS_ENDPOINT_URL_SNS.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, type LoopbackHttp } from './loopback-http.js';

export interface Published {
  topicArn: string;
  message: string;
  subject: string | null;
  /** Region of the SigV4 credential scope the client signed with. */
  region: string | null;
  at: number;
}

export class FakeSns {
  readonly published: Published[] = [];
  /** Publish answers 500 this many more times. */
  failNext = 0;
  private http: LoopbackHttp | null = null;
  url = '';

  static async start(): Promise<FakeSns> {
    const f = new FakeSns();
    f.http = await listenLoopback((req, res) => void f.handle(req, res));
    f.url = f.http.url;
    return f;
  }

  async close(): Promise<void> {
    await this.http?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const p = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const requestId = randomUUID();
    const error = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    };
    if (p.get('Action') !== 'Publish') return error(400, 'InvalidAction', 'only Publish');
    if (this.failNext > 0) {
      this.failNext--;
      return error(500, 'InternalError', 'fake failure');
    }
    const topicArn = p.get('TopicArn') ?? '';
    if (!/^arn:aws:sns:/.test(topicArn)) return error(400, 'InvalidParameter', 'Invalid parameter: TopicArn');
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/sns\//.exec(String(req.headers.authorization ?? ''));
    this.published.push({ topicArn, message: p.get('Message') ?? '', subject: p.get('Subject'), region: scope?.[1] ?? null, at: Date.now() });
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  }
}
