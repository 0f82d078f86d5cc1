/**
 * SNS Publish for notifications, through `@aws-sdk/client-sns` loaded on first use (its own
 * bundle chunk). Runs in a cloud-task child (cloud-task.ts, kind `sns_publish`), never in
 * the agent: the agent stays as lean as a bare `node`. One attempt per call; the agent's
 * notifier retries with backoff (agent/notify/notifier.ts).
 */
type Sdk = typeof import('@aws-sdk/client-sns');

let sdkPromise: Promise<Sdk> | null = null;

function loadSdk(): Promise<Sdk> {
  sdkPromise ??= import('@aws-sdk/client-sns').then((m) => {
    // As for EC2 (ec2.ts): a CommonJS bundle may offer the exports only on `default`.
    const sdk = (typeof m.SNSClient === 'function' ? m : (m as unknown as { default: Sdk }).default) as Sdk;
    if (typeof sdk?.SNSClient !== 'function') throw new Error('@aws-sdk/client-sns loaded without SNSClient');
    return sdk;
  });
  sdkPromise.catch(() => {
    sdkPromise = null;
  });
  return sdkPromise;
}

export const SNS_REQUEST_TIMEOUT_MS = 10_000;

/** The region in `arn:aws:sns:REGION:ACCOUNT:topic`: a topic is published to in its own region. */
export function topicRegion(topicArn: string): string | undefined {
  return topicArn.split(':')[3] || undefined;
}

export interface PublishInput {
  topicArn: string;
  message: string;
  /** Email subscribers see it as the subject: at most 100 printable ASCII characters. */
  subject?: string;
}

export async function publishSns(input: PublishInput): Promise<{ messageId: string | null }> {
  const sdk = await loadSdk();
  const client = new sdk.SNSClient({
    ...(topicRegion(input.topicArn) ? { region: topicRegion(input.topicArn) } : {}),
    maxAttempts: 1,
    requestHandler: { requestTimeout: SNS_REQUEST_TIMEOUT_MS, connectionTimeout: 3_000, throwOnRequestTimeout: true },
  });
  try {
    const subject = input.subject?.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
    const out = await client.send(new sdk.PublishCommand({ TopicArn: input.topicArn, Message: input.message, ...(subject ? { Subject: subject } : {}) }));
    return { messageId: out.MessageId ?? null };
  } finally {
    client.destroy();
  }
}
