#!/usr/bin/env node
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheRoot } from '@nimbus-ts/k8s/testing';
import { buildImages, gitHead } from './build.js';
import { DEFAULT_REGISTRY, selectComponents } from './components.js';
import { findCrane, imageReference, pushLayout } from './push.js';
import { relock } from './relock.js';
import { summaryLine } from './summary.js';

const USAGE = `Usage:
  ./scripts/images build [--component NAME]... [--push REGISTRY] [--insecure] [--out DIR] [--crane PATH]
  ./scripts/images lock

build   builds the OCI image of every component (or each --component: nimbus-core-operator, nimbus-kubearmor, nimbus-kyverno,
        nimbus-clair, nimbus-k8tls, nimbus-netpol) as an OCI image layout under --out (default
        ~/.cache/nimbus-ts/images/layouts), then prints each image's digest and compressed size. With --push,
        pushes each as REGISTRY/<image>:<version> with crane (e.g. --push ghcr.io/nimbus-ts, which deploy/ pulls
        from; log in with crane auth login or docker login first; --insecure for a plain-HTTP registry).
        SOURCE_DATE_EPOCH sets the images' creation time (default: the time of the last commit).
lock    re-pins the Debian packages and Node (tools/images/images.lock.json); as root on Debian 12.`;

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      component: { type: 'string', multiple: true, default: [] },
      push: { type: 'string' },
      insecure: { type: 'boolean', default: false },
      out: { type: 'string' },
      crane: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'lock') {
    await relock(REPO_ROOT, progress);
    return;
  }
  if (command !== 'build' || positionals.length > 1)
    throw new Error(`unknown command "${positionals.join(' ')}"\n${USAGE}`);

  const head = await gitHead(REPO_ROOT);
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && !/^\d+$/.test(epoch)) {
    throw new Error(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${epoch}"`);
  }
  const cache = join(cacheRoot(), 'images');
  const images = await buildImages({
    root: REPO_ROOT,
    components: selectComponents(values.component),
    outDir: values.out ? resolve(values.out) : join(cache, 'layouts'),
    cacheDir: join(cache, 'downloads'),
    sourceDateEpoch: epoch !== undefined ? Number(epoch) : (head?.time ?? 0),
    ...(head ? { revision: head.revision } : {}),
    progress,
  });
  const crane = values.push ? await findCrane(values.crane, progress) : undefined;
  for (const image of images) {
    process.stdout.write(`${summaryLine(image)}\n  layout: ${image.layoutDir}\n`);
    if (crane && values.push) {
      const reference = imageReference(values.push, image.image, image.tag);
      const pushed = await pushLayout(crane, image.layoutDir, reference, image.digest, {
        insecure: values.insecure,
      });
      process.stdout.write(`  pushed: ${reference} (${pushed})\n`);
    }
  }
  if (!values.push) {
    process.stdout.write(`Push with: ./scripts/images build --push ${DEFAULT_REGISTRY}\n`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
