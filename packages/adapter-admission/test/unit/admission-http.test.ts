import { afterEach, describe, expect, it } from 'vitest';
import { json, type Loopback, listen, send } from './admission-http.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('send (the admission tests’ HTTP client)', () => {
  // Node frames neither a GET's nor a DELETE's body by itself: sent bare, the server reads it as the next request.
  it.each(['GET', 'DELETE', 'POST', 'PUT'])(
    'delivers a %s body framed, as the server reads it',
    async (method) => {
      server = await listen((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString() }));
        });
      });
      const answer = await send(server.port, { method, path: '/echo', body: { review: 'é' } });
      expect(answer.status).toBe(200);
      expect(json(answer)).toEqual({ method, body: '{"review":"é"}' });
    },
  );
});
