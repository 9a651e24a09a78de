/**
 * Reads a request body up to a limit without holding more than the limit in memory.
 */
import type { IncomingMessage } from 'node:http';

/** A body read by {@link readBody}. */
export type BodyRead =
  | { readonly kind: 'ok'; readonly bytes: Buffer }
  /**
   * Over the limit. `drained`: the rest was read and discarded, so a 413 can go out on a connection that
   * stays usable; otherwise reading stopped and the connection must close after the answer.
   */
  | { readonly kind: 'too-large'; readonly drained: boolean }
  /** The client went away. */
  | { readonly kind: 'aborted' };

/**
 * How far past the limit a body is still read (and discarded) so that the client receives the 413 rather
 * than a reset connection; beyond that, reading stops.
 */
export const DRAIN_ALLOWANCE_BYTES = 1024 * 1024;

/** Reads `req`'s body: at most `maxBytes` are kept, and past `maxBytes` + {@link DRAIN_ALLOWANCE_BYTES} reading stops. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (read: BodyRead) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= maxBytes) chunks.push(chunk);
      else if (total > maxBytes + DRAIN_ALLOWANCE_BYTES) {
        req.pause();
        finish({ kind: 'too-large', drained: false });
      }
    };
    req.on('data', onData);
    req.once('end', () =>
      finish(
        total > maxBytes
          ? { kind: 'too-large', drained: true }
          : {
              kind: 'ok',
              bytes: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, total),
            },
      ),
    );
    req.once('error', () => finish({ kind: 'aborted' }));
    req.once('close', () => {
      if (!req.complete) finish({ kind: 'aborted' });
    });
  });
}
