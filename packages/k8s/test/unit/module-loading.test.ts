import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// What a component's process loads is part of its memory: every module it evaluates stays resident. These tests
// list what a fresh Node process has loaded after using the built package (dist/, as components run it), so a
// saving cannot quietly come undone; they check module listings, never memory figures.

const INDEX = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Node's internal modules a fresh process has loaded after running `script` (an ES module body). */
function builtinsLoadedBy(script: string): string[] {
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `${script}\nprocess.stdout.write(JSON.stringify(process.moduleLoadList));`],
    { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as string[];
}

/** The files (file: URLs) a fresh process has loaded, through either module system, after running `script`. */
function filesLoadedBy(script: string, env: Readonly<Record<string, string>> = {}): string[] {
  // Registered before the script's first import, so every load of the script's module graph passes through it.
  const hook = `import { registerHooks } from 'node:module';
    const files = [];
    registerHooks({ load(url, context, next) { if (url.startsWith('file:')) files.push(url); return next(url, context); } });
    process.on('exit', () => process.stdout.write(JSON.stringify(files)));`;
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, '--input-type=module', '-e', script],
    { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as string[];
}

/** Node's bundled undici (its fetch and WebSocket): some 10 MB resident, and no component uses it. */
const UNDICI = 'NativeModule internal/deps/undici/undici';

describe('modules a component process loads', () => {
  it('the package is built', () => {
    expect(existsSync(INDEX), `${INDEX} is missing: build the package first (pnpm turbo run build)`).toBe(
      true,
    );
  });

  it("serving probes and metrics does not load Node's undici", () => {
    const loaded = builtinsLoadedBy(`
      const { startProbeServer, ControllerMetrics } = await import(${JSON.stringify(pathToFileURL(INDEX).href)});
      const server = await startProbeServer({ port: 0, host: '127.0.0.1', ready: () => true, metrics: new ControllerMetrics('t') });
      const res = await new Promise((resolve, reject) =>
        (process.getBuiltinModule('node:http')).get(\`http://127.0.0.1:\${server.port}/metrics\`, resolve).on('error', reject));
      res.resume();
      if (res.statusCode !== 200) throw new Error(\`/metrics answered \${res.statusCode}\`);
      await server.close();`);
    // The script ran (the http module is there), so the listing is of a process that served a request.
    expect(loaded).toContain('NativeModule http');
    expect(loaded).not.toContain(UNDICI);
  });

  it('@kubernetes/client-node is only types to the package: importing it loads none of its files', () => {
    const files = filesLoadedBy(`await import(${JSON.stringify(pathToFileURL(INDEX).href)});`);
    // The listing saw the package's own modules, so an import of client-node would have been listed too.
    expect(files.some((f) => f.endsWith('/k8s/dist/runtime/reflector.js'))).toBe(true);
    expect(files.filter((f) => f.includes('/@kubernetes/client-node/'))).toEqual([]);
  });

  it('the TLS primitives load @peculiar/x509 on first use, not at import', () => {
    // The library, reflect-metadata and tsyringe are some 9 MB resident; only a process issuing a certificate
    // needs them, and the core operator and the engine adapters never do.
    const x509 = (f: string) => /\/(@peculiar|reflect-metadata|tsyringe|@peculiar\/asn1-[^/]+)\//.test(f);
    const atImport = filesLoadedBy(`await import(${JSON.stringify(pathToFileURL(INDEX).href)});`);
    expect(atImport.some((f) => f.endsWith('/k8s/dist/tls/issue-certificate.js'))).toBe(true);
    expect(atImport.filter(x509)).toEqual([]);
    // The same listing sees the library once a certificate is issued, so the check above can fail.
    const afterUse = filesLoadedBy(`
      const { createAuthority, validityFrom } = await import(${JSON.stringify(pathToFileURL(INDEX).href)});
      await createAuthority('test-ca', validityFrom(Date.now(), 60_000));`);
    expect(afterUse.filter(x509)).not.toEqual([]);
  });

  it("under the images' NODE_ENV=production, logging loads none of winston's debug colour stack", () => {
    // winston's debug helper (@dabh/diagnostics) loads colorspace, kuler and enabled only in its development
    // build; the images set NODE_ENV=production (tools/images), so a deployed component never carries them.
    const colours = (f: string) => /\/node_modules\/(@so-ric\/colorspace|kuler|enabled)\//.test(f);
    const script = `const { createLogger } = await import(${JSON.stringify(pathToFileURL(INDEX).href)});
      createLogger('t', { stream: process.stderr }).info('logged');`;
    expect(filesLoadedBy(script, { NODE_ENV: 'production' }).filter(colours)).toEqual([]);
    // Outside production the same listing sees them, so the check above can fail.
    expect(filesLoadedBy(script).filter(colours)).not.toEqual([]);
  });
});
