/** The lifecycle both fakes share: an HTTP server on 127.0.0.1:0 that can be closed with its keep-alive sockets. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface LoopbackHttp {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listenLoopback(handler: (req: IncomingMessage, res: ServerResponse) => void, setup?: (server: Server) => void): Promise<LoopbackHttp> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  setup?.(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = addr && typeof addr === 'object' ? addr.port : 0;
      let closed = false;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: async () => {
          if (closed) return;
          closed = true;
          for (const s of sockets) s.destroy();
          await new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
