// A loopback HTTP server around a request listener and a small client that can send anything (any method,
// content type or body, even a lying content-length), for the admission handler's tests.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening loopback server. */
export interface Loopback {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `listener` on 127.0.0.1 and a free port. */
export async function listen(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Loopback> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A request to send. */
export interface Call {
  readonly method?: string;
  readonly path?: string;
  /** Merged over `content-type: application/json`; an undefined value leaves the header out. */
  readonly headers?: Record<string, string | number | undefined>;
  /** A string or bytes are sent as they are; anything else as JSON. */
  readonly body?: unknown;
}

/** What came back. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** Sends `call` (default: POST /validate as application/json) and reads the whole answer. */
export function send(port: number, call: Call = {}): Promise<Answer> {
  const body =
    call.body === undefined
      ? undefined
      : typeof call.body === 'string' || Buffer.isBuffer(call.body)
        ? call.body
        : JSON.stringify(call.body);
  const headers = Object.fromEntries(
    Object.entries({ 'content-type': 'application/json', ...call.headers }).filter(
      ([, v]) => v !== undefined,
    ),
  ) as Record<string, string | number>;
  // Node frames neither a GET's nor a DELETE's body by itself, and the server would read it as the next request:
  // frame every body, unless the call sets its own (possibly lying) length or chunks it.
  if (body !== undefined && !('content-length' in headers) && !('transfer-encoding' in headers)) {
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: call.method ?? 'POST',
        path: call.path ?? '/validate',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer's body as JSON. */
export function json(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>;
}
