import { describe, expect, it } from 'vitest';
import { parseReply } from '../../agent/aws/imds.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('IMDS reply reader', () => {
  it('reads a reply by its Content-Length, whatever follows, and waits for the rest of a short one', () => {
    expect(parseReply(b('HTTP/1.1 200 OK\r\nContent-Length: 19\r\nServer: EC2ws\r\n\r\ni-0123456789abcdef0'), false)).toEqual({ status: 200, body: 'i-0123456789abcdef0' });
    expect(parseReply(b('HTTP/1.1 200 OK\r\ncontent-length: 19\r\n\r\ni-0123'), false)).toBeNull();
    expect(parseReply(b('HTTP/1.1 200 OK\r\ncontent-length: 19\r\n\r\ni-0123'), true)).toBeNull();
    expect(parseReply(b('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), false)).toEqual({ status: 404, body: '' });
  });

  it('reads a chunked body, and a body that ends with the connection', () => {
    expect(parseReply(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nCl\u00e9\r\n5\r\nSnooz\r\n0\r\n\r\n'), false)).toEqual({ status: 200, body: 'CléSnooz' });
    expect(parseReply(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nCl'), true)).toBeNull();
    expect(parseReply(b('HTTP/1.0 200 OK\r\n\r\ntoken-value'), false)).toBeNull();
    expect(parseReply(b('HTTP/1.0 200 OK\r\n\r\ntoken-value'), true)).toEqual({ status: 200, body: 'token-value' });
  });

  it('refuses what is not an HTTP reply', () => {
    expect(parseReply(b('SSH-2.0-OpenSSH\r\n\r\n'), true)).toBeNull();
    expect(parseReply(b('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nabc'), true)).toBeNull();
    expect(parseReply(b('HTTP/1.1 200'), true)).toBeNull();
  });
});
