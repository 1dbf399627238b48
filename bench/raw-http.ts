/**
 * The floor under every other figure: node:http alone, no framework, no middleware, no database,
 * answering `GET /users/me` with a fixed JSON body shaped and sized like the app's (a `UserView` of
 * a bench user: the same fields, an email as long as the bench's). Anything else is a 404. Started
 * and measured by `run.ts` like the app's servers, over the same IPC channel (lib/ipc.ts), so its
 * CPU per request and its req/s are read the same way; it imports nothing of the app.
 */
import { createServer } from 'node:http';
import { failedToStart, serveOrchestrator } from './lib/ipc.js';

const BODY = Buffer.from(
  JSON.stringify({
    id: '6f1d3c2a-8b4e-4f0a-9c7d-2e5b8a1f4c3d',
    email: 'bench-fastify-hs256-embedded@example.com',
    displayName: null,
    roles: ['user'],
    createdAt: '2026-11-22T11:36:00.000Z',
  }),
);
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
