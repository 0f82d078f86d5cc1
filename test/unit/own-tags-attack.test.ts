/**
 * Tag keys come from the cloud and become instance-metadata paths (agent/aws/own-tags.ts):
 * whoever writes this instance's tags must not steer the agent's metadata reads elsewhere
 * (the role's credentials under meta-data/iam/ would then be recorded as a "tag value").
 */
import { describe, expect, it } from 'vitest';
import { MAX_OWN_TAGS, tagsFromMetadata } from '../../agent/aws/own-tags.js';
import { DEFAULT_IMDS_ENDPOINT, type ImdsClient } from '../../agent/aws/imds.js';

function fakeImds(list: string): { client: ImdsClient; asked: string[] } {
  const asked: string[] = [];
  const client = {
    async getOptional(p: string) {
      asked.push(p);
      if (p === 'meta-data/tags/instance') return list;
      return 'v';
    },
  } as unknown as ImdsClient;
  return { client, asked };
}

describe('tag keys as metadata paths', () => {
  it('every key read stays one path segment under meta-data/tags/instance/', async () => {
    const keys = [
      'CloudSnooze:Config:naptime_minutes',
      'CloudSnooze:../../iam/security-credentials/role',
      'CloudSnooze:%2e%2e%2f%2e%2e%2fiam',
      'CloudSnooze:x?y=../../iam',
      'CloudSnooze:x#/../../iam',
      'CloudSnooze:a\\..\\..\\iam',
      'CloudSnooze:sp ace',
      'CloudSnooze:Config:naptime_minutes?x',
      'CloudSnooze:Config:naptime_minutes#',
      'CloudSnooze:%',
      'CloudSnooze:\r\nX-Injected: 1',
      'Name',
      'Other:ignored',
    ];
    const { client, asked } = fakeImds(keys.join('\n'));
    const tags = await tagsFromMetadata(client, 'CloudSnooze');
    for (const p of asked.slice(1)) {
      expect(p.startsWith('meta-data/tags/instance/'), p).toBe(true);
      const rest = p.slice('meta-data/tags/instance/'.length);
      // What the client will send: one segment, nothing that ends or escapes the path (URL parsing only; nothing is contacted).
      const url = new URL(`/latest/${p}`, `${DEFAULT_IMDS_ENDPOINT}/`);
      expect(url.pathname.startsWith('/latest/meta-data/tags/instance/'), `${p} -> ${url.pathname}`).toBe(true);
      expect(url.pathname.slice('/latest/meta-data/tags/instance/'.length)).not.toContain('/');
      expect(url.search + url.hash, p).toBe('');
      expect(rest).not.toMatch(/[\r\n ]/);
    }
    expect(tags!.has('Other:ignored')).toBe(false);
    expect(tags!.has('CloudSnooze:../../iam/security-credentials/role')).toBe(false);
  });

  it('reads at most MAX_OWN_TAGS values, however long the list', async () => {
    const list = Array.from({ length: 5000 }, (_, i) => `CloudSnooze:Config:k${i}`).join('\n');
    const { client, asked } = fakeImds(list);
    await tagsFromMetadata(client, 'CloudSnooze');
    expect(asked.length).toBe(1 + MAX_OWN_TAGS);
  });
});
