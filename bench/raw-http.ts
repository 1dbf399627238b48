/**
 * The floor under every other figure: node:http alone, no framework, no middleware, no database,
 * answering `GET /users/me` with a fixed JSON body shaped and sized like the app's (lib/fixed-body.ts,
 * serialised once). Anything else is a 404. Started and measured by `run.ts` like the app's
 * servers, over the same IPC channel (lib/ipc.ts), so its CPU per request and its req/s are read
 * the same way; it imports nothing of the app. bare-nest.ts answers the same body through Nest.
 */
import { createServer } from 'node:http';
import { FIXED_USER_VIEW } from './lib/fixed-body.js';
import { failedToStart, serveOrchestrator } from './lib/ipc.js';

const BODY = Buffer.from(JSON.stringify(FIXED_USER_VIEW));
const NOT_FOUND = Buffer.from(JSON.stringify({ statusCode: 404, error: 'Not Found' }));

const server = createServer((req, res) => {
  const found = req.method === 'GET' && req.url === '/users/me';
  const body = found ? BODY : NOT_FOUND;
  res.writeHead(found ? 200 : 404, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
});

server.on('error', (err) => failedToStart('raw node:http server', err));
server.listen(0, '127.0.0.1', () =>
  serveOrchestrator({
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  }),
);
