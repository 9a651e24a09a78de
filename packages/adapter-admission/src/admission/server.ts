import { listen } from '@nimbus-ts/k8s';
/**
 * The HTTPS server for the admission handler. The apiserver only calls webhooks over TLS, and serving
 * certificates are short-lived (cert-manager renews them, a Secret's projection changes), so the
 * certificate is read through a function and can be swapped with {@link AdmissionServer.reloadTls} without
 * a restart: new connections get the new certificate, open ones keep theirs.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** A PEM private key and certificate chain (leaf first). */
export interface AdmissionTlsMaterial {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

/**
 * Who may call: only TLS clients presenting a certificate that `ca` signed (the API server's, from the
 * `kubeConfigFile` of its admission configuration), and, with `names`, only those whose subject common name is
 * one of them. A client without such a certificate fails the TLS handshake; one with another name gets 403.
 */
export interface AdmissionClientAuth {
  /** Reads the PEM CA bundle that signs the callers' certificates; called at start and on every reload. */
  readonly ca: () => string | Buffer;
  /** Common names allowed (e.g. `kube-apiserver`); empty or absent: any certificate `ca` signed. */
  readonly names?: readonly string[];
}

/** Options of {@link startAdmissionServer}. */
export interface AdmissionServerOptions {
  /** Default `0.0.0.0`. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Reads the current key and certificate; called at start and on every {@link AdmissionServer.reloadTls}. */
  readonly tls: () => AdmissionTlsMaterial;
  /** Authenticate callers by client certificate; default: any client may call. */
  readonly clientAuth?: AdmissionClientAuth;
  /** The request listener, usually from `createAdmissionHandler`. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** How long {@link AdmissionServer.close} lets requests in flight finish before cutting them, in ms. Default 10 s. */
  readonly closeGraceMs?: number;
}

/** A listening admission server. */
export interface AdmissionServer {
  /** `https://host:port`, without a path. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting connections, lets requests in flight finish (up to the grace period) and resolves when closed. */
  close(): Promise<void>;
  /**
   * Reads the key and certificate again and serves them on new connections. Throws, keeping the current
   * ones, when they are not a valid key and certificate.
   */
  reloadTls(): void;
}

/**
 * Starts an HTTPS server with `handler`.
 *
 * @example
 * ```ts
 * const server = await startAdmissionServer({
 *   port: 8443,
 *   tls: () => ({ key: readFileSync('/tls/tls.key'), cert: readFileSync('/tls/tls.crt') }),
 *   handler: createAdmissionHandler({ policiesIn, verdicts }),
 * });
 * watch('/tls', () => server.reloadTls());
 * ```
 */
export async function startAdmissionServer(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const clientAuth = options.clientAuth;
  const names = new Set(clientAuth?.names ?? []);
  const context = (material: AdmissionTlsMaterial) => ({
    key: material.key,
    cert: material.cert,
    minVersion: 'TLSv1.2' as const,
    ...(clientAuth ? { ca: clientAuth.ca() } : {}),
  });
  const handler =
    names.size === 0
      ? options.handler
      : (req: IncomingMessage, res: ServerResponse) => {
          const name = (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN;
          if (typeof name === 'string' && names.has(name)) return options.handler(req, res);
          const body = JSON.stringify({
            code: 403,
            message: `client certificate ${JSON.stringify(name ?? '')} is not one of the allowed callers`,
          });
          res.writeHead(403, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        };
  const server = createServer(
    {
      ...context(options.tls()),
      ...(clientAuth ? { requestCert: true, rejectUnauthorized: true } : {}),
    },
    handler,
  );
  // A client trickling headers or a body must not hold a connection forever; the apiserver gives up
  // after at most 30 s anyway.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const { port, urlHost: host } = await listen(server, options.port ?? 0, options.host ?? '0.0.0.0');
  let closed: Promise<void> | undefined;
  return {
    url: `https://${host}:${port}`,
    port,
    server,
    reloadTls() {
      server.setSecureContext(context(options.tls()));
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 10_000);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
