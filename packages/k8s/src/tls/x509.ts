import { webcrypto } from 'node:crypto';

/** The `@peculiar/x509` module, as {@link loadX509} returns it. */
export type X509Module = typeof import('@peculiar/x509');

let loading: Promise<X509Module> | undefined;

/**
 * Loads `@peculiar/x509` on first use and points it at Node's WebCrypto.
 *
 * Lazy on purpose: the library and its polyfills cost about 0.6 s and 24 MB at import, and only a process
 * that actually issues a certificate needs them — reading and checking certificates is done with
 * `node:crypto` alone, so importing `@nimbus-ts/k8s` stays cheap.
 */
export function loadX509(): Promise<X509Module> {
  loading ??= (async () => {
    // The library resolves its internals through tsyringe, which needs the Reflect metadata polyfill first.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    // Node's WebCrypto is the standard one; the cast only bridges Node's and the DOM library's type names.
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loading;
}
