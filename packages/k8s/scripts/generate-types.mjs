#!/usr/bin/env node
// Generates src/api/generated.ts from the CustomResourceDefinitions in crds/.
//
// The CRD YAML is the single source of truth for the wire format: the API server validates objects against it,
// so the TypeScript types are derived from the same schemas instead of being written a second time by hand.
//
//   node scripts/generate-types.mjs          rewrite src/api/generated.ts
//   node scripts/generate-types.mjs --check  exit 1 if the committed file differs from what would be written
//
// The output is piped through Biome so that the committed file passes `biome check` as it is.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { compile } from 'json-schema-to-typescript';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const crdDir = join(packageDir, 'crds');
const outFile = join(packageDir, 'src', 'api', 'generated.ts');
const outRel = relative(packageDir, outFile);
const fixCommand = 'pnpm --filter @nimbus-ts/k8s generate';

// Doc comments are wrapped to this many characters of text; Biome does not rewrap comments, and nested
// properties are indented further, so this leaves room under the 110-column line width.
const commentWidth = 90;

class GenerateError extends Error {}

/** Splits text into lines of at most `width` characters at spaces, keeping existing line breaks. */
function wrap(text, width) {
  const out = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(line);
  }
  return out;
}

/** Text that cannot end the surrounding block comment early. */
function commentSafe(text) {
  return text.replaceAll('*/', '*\\/');
}

/**
 * Prepares a copy of a schema for json-schema-to-typescript: descriptions are wrapped, and the validation
 * facts that TypeScript cannot express (default, pattern, format) are appended to them, so that an editor
 * tooltip shows what the API server will enforce.
 */
function annotate(schema) {
  if (Array.isArray(schema)) return schema.map(annotate);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy = {};
  for (const [key, value] of Object.entries(schema)) {
    // `properties` maps names to schemas; every other object-valued keyword here is itself a schema.
    if (key === 'properties') {
      copy[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, annotate(sub)]));
    } else if (key === 'items' || key === 'additionalProperties') {
      copy[key] = annotate(value);
    } else {
      copy[key] = value;
    }
  }
  const notes = [];
  if (typeof schema.pattern === 'string') notes.push(`Must match \`${schema.pattern}\`.`);
  if (typeof schema.format === 'string' && schema.type === 'string') notes.push(`Format: ${schema.format}.`);
  if (schema.default !== undefined) notes.push(`@defaultValue \`${JSON.stringify(schema.default)}\``);
  const parts = [];
  if (typeof schema.description === 'string') parts.push(wrap(schema.description, commentWidth).join('\n'));
  if (notes.length > 0) parts.push(notes.join('\n'));
  if (parts.length > 0) copy.description = commentSafe(parts.join('\n\n'));
  return copy;
}

/** Reads every CRD in crds/, sorted by file name so that the output does not depend on directory order. */
function readCRDs() {
  const files = readdirSync(crdDir)
    // kustomization.yaml lists the CRDs for `kubectl apply -k`; it is not one.
    .filter((name) => (name.endsWith('.yaml') || name.endsWith('.yml')) && !name.startsWith('kustomization.'))
    .sort();
  if (files.length === 0) throw new GenerateError(`no CRD files in ${relative(packageDir, crdDir)}/`);
  return files.map((name) => {
    const file = `crds/${name}`;
    const doc = load(readFileSync(join(crdDir, name), 'utf8'));
    if (doc?.kind !== 'CustomResourceDefinition') {
      throw new GenerateError(`${file}: not a CustomResourceDefinition (kind: ${doc?.kind})`);
    }
    const storage = (doc.spec?.versions ?? []).filter((v) => v.storage === true);
    if (storage.length !== 1) {
      throw new GenerateError(`${file}: expected exactly one storage version, found ${storage.length}`);
    }
    const version = storage[0];
    const schema = version.schema?.openAPIV3Schema;
    for (const part of ['spec', 'status']) {
      if (schema?.properties?.[part]?.type !== 'object') {
        throw new GenerateError(`${file}: the ${version.name} schema has no object property '${part}'`);
      }
    }
    if (typeof schema.description !== 'string') {
      throw new GenerateError(
        `${file}: the ${version.name} schema needs a description (it documents the type)`,
      );
    }
    return {
      file,
      kind: doc.spec.names.kind,
      plural: doc.spec.names.plural,
      scope: doc.spec.scope,
      apiVersion: `${doc.spec.group}/${version.name}`,
      schema,
    };
  });
}

/** Options shared by every compile call: plain interfaces, no index signatures Kubernetes would prune anyway. */
const compileOptions = {
  bannerComment: '',
  format: false,
  additionalProperties: false,
  unknownAny: true,
  ignoreMinAndMaxItems: true,
  declareExternallyReferenced: true,
};

/** TypeScript source for one kind: `<Kind>Spec`, `<Kind>Status` and the `<Kind>` object interface. */
async function kindSource(crd) {
  const spec = await compile(annotate(crd.schema.properties.spec), `${crd.kind}Spec`, compileOptions);
  const status = await compile(annotate(crd.schema.properties.status), `${crd.kind}Status`, compileOptions);
  const doc = [
    ...wrap(crd.schema.description, commentWidth),
    '',
    `${crd.scope === 'Namespaced' ? 'Namespaced' : 'Cluster-scoped'}; resource \`${crd.plural}\`, schema from ${crd.file}.`,
  ];
  const object = [
    '/**',
    ...doc.map((line) => (line ? ` * ${commentSafe(line)}` : ' *')),
    ' */',
    `export interface ${crd.kind} {`,
    `  apiVersion: '${crd.apiVersion}';`,
    `  kind: '${crd.kind}';`,
    '  /** Standard Kubernetes object metadata. */',
    '  metadata: V1ObjectMeta;',
    `  spec: ${crd.kind}Spec;`,
    '  /** Absent until a controller has written it. */',
    `  status?: ${crd.kind}Status;`,
    '}',
  ].join('\n');
  return `${object}\n\n${spec}\n${status}`;
}

/** The whole generated file, before formatting. */
async function render(crds) {
  const header = [
    '// Generated by scripts/generate-types.mjs from crds/*.yaml — do not edit.',
    `// Change the CRDs instead and run \`${fixCommand}\`.`,
  ].join('\n');
  const union = [
    '/** Any object of the kinds defined in crds/, discriminated by `kind`. */',
    `export type NimbusObject = ${crds.map((crd) => crd.kind).join(' | ')};`,
  ].join('\n');
  const kinds = [];
  for (const crd of crds) kinds.push(await kindSource(crd));
  return [header, "import type { V1ObjectMeta } from '@kubernetes/client-node';", union, ...kinds].join(
    '\n\n',
  );
}

/** Formats TypeScript with the repository's Biome configuration, exactly as `biome format --write` would. */
function formatWithBiome(source) {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  const result = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=${outRel}`], {
    cwd: packageDir,
    input: source,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new GenerateError(
      `biome format failed on the generated source:\n${result.stderr || result.stdout}`,
    );
  }
  return result.stdout;
}

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length > 0) throw new GenerateError(`unknown argument(s): ${unknown.join(' ')} (only --check)`);
  const check = args.includes('--check');

  const crds = readCRDs();
  const generated = formatWithBiome(await render(crds));
  const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : undefined;

  if (check) {
    if (current === generated) {
      console.log(`${outRel} is up to date with crds/ (${crds.length} kinds).`);
      return 0;
    }
    const what = current === undefined ? 'is missing' : 'is stale: it differs from what crds/*.yaml generate';
    console.error(`@nimbus-ts/k8s: ${outRel} ${what}.`);
    console.error(`Fix: run \`${fixCommand}\` (or \`node scripts/generate-types.mjs\` in packages/k8s)`);
    console.error('and commit the regenerated file together with the CRD change.');
    return 1;
  }

  if (current === generated) {
    console.log(`${outRel} unchanged (${crds.length} kinds).`);
  } else {
    writeFileSync(outFile, generated);
    console.log(`wrote ${outRel} (${crds.length} kinds).`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`generate-types: ${error instanceof GenerateError ? error.message : error?.stack}`);
    process.exitCode = 2;
  },
);
