#!/usr/bin/env node
// Generates src/api/generated.ts (or the --out file) from the CustomResourceDefinitions in crds/.
//
// The CRD YAML is the single source of truth for the wire format: the API server validates objects against it,
// so the TypeScript types are derived from the same schemas instead of being written a second time by hand.
//
//   node scripts/generate-types.mjs          rewrite src/api/generated.ts
//   node scripts/generate-types.mjs --check  exit 1 if the committed file differs from what would be written
//
// Other workspace packages that define CRDs run this script too rather than keeping a copy of it:
//
//   --package-dir DIR  the package whose crds/ and src/api/generated.ts are meant (default: this script's own)
//   --union NAME       the name of the union of every generated kind (default: NimbusObject)
//   --out FILE         the generated file, relative to the package directory (default: src/api/generated.ts;
//                      @nimbus-ts/api, whose whole source is the API, writes src/generated.ts)
//
// Each top-level field of a schema besides apiVersion, kind and metadata becomes a `<Kind><Field>` interface:
// `spec` is always present on the object type, `status` never required (a controller writes it later), and any
// other field (data kept at the top level, as in report kinds) is required when the root schema requires it.
//
// The output is piped through Biome so that the committed file passes `biome check` as it is.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { compile } from 'json-schema-to-typescript';

const scriptFile = fileURLToPath(import.meta.url);

class GenerateError extends Error {}

/** Where one run reads and writes, and how its messages name the package. */
function targetOf(packageDir, unionName, out) {
  const outFile = join(packageDir, out);
  const packageName = packageNameOf(packageDir);
  return {
    packageDir,
    crdDir: join(packageDir, 'crds'),
    outFile,
    outRel: relative(packageDir, outFile),
    scriptRel: relative(packageDir, scriptFile),
    unionName,
    packageName,
    fixCommand: `pnpm --filter ${packageName} generate`,
  };
}

/** The name in the nearest package.json at or above `dir`: the package the generated file belongs to. */
function packageNameOf(dir) {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, 'package.json');
    if (existsSync(file)) {
      const { name } = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof name !== 'string') throw new GenerateError(`${file} has no name`);
      return name;
    }
    if (dirname(at) === at) throw new GenerateError(`no package.json at or above ${dir}`);
  }
}

/** Top-level schema fields that every object has and that are not generated as interfaces. */
const OBJECT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

// Doc comments are wrapped to this many characters of text; Biome does not rewrap comments, and nested
// properties are indented further, so this leaves room under the 110-column line width.
const commentWidth = 90;

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
function readCRDs({ packageDir, crdDir }) {
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
    const parts = Object.keys(schema?.properties ?? {}).filter((name) => !OBJECT_FIELDS.has(name));
    if (parts.length === 0) {
      throw new GenerateError(
        `${file}: the ${version.name} schema has no field besides apiVersion, kind, metadata`,
      );
    }
    for (const part of parts) {
      if (schema.properties[part].type !== 'object') {
        throw new GenerateError(`${file}: the ${version.name} schema's top-level '${part}' is not an object`);
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
      parts,
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

/** `spec` → `Spec`. */
const pascal = (name) => name.charAt(0).toUpperCase() + name.slice(1);

/** The object interface's member for one top-level field, with its doc comment if it needs one. */
function partMember(crd, part) {
  const type = `${crd.kind}${pascal(part)}`;
  if (part === 'spec') return [`  spec: ${type};`];
  if (part === 'status') return ['  /** Absent until a controller has written it. */', `  status?: ${type};`];
  const required = (crd.schema.required ?? []).includes(part);
  return [`  ${part}${required ? '' : '?'}: ${type};`];
}

/** TypeScript source for one kind: a `<Kind><Field>` interface per top-level field, and the `<Kind>` object. */
async function kindSource(crd) {
  const parts = [];
  for (const part of crd.parts) {
    parts.push(
      await compile(annotate(crd.schema.properties[part]), `${crd.kind}${pascal(part)}`, compileOptions),
    );
  }
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
    ...crd.parts.flatMap((part) => partMember(crd, part)),
    '}',
  ].join('\n');
  return `${object}\n\n${parts.join('\n')}`;
}

/** The whole generated file, before formatting. */
async function render(target, crds) {
  const header = [
    `// Generated by ${target.scriptRel} from crds/*.yaml — do not edit.`,
    `// Change the CRDs instead and run \`${target.fixCommand}\`.`,
  ].join('\n');
  const union = [
    '/** Any object of the kinds defined in crds/, discriminated by `kind`. */',
    `export type ${target.unionName} = ${crds.map((crd) => crd.kind).join(' | ')};`,
  ].join('\n');
  const kinds = [];
  for (const crd of crds) kinds.push(await kindSource(crd));
  return [header, "import type { V1ObjectMeta } from '@kubernetes/client-node';", union, ...kinds].join(
    '\n\n',
  );
}

/** Formats TypeScript with the repository's Biome configuration, exactly as `biome format --write` would. */
function formatWithBiome({ packageDir, outRel }, source) {
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

/** The command-line options; see the header of this file. */
function parseArguments(args) {
  const options = {
    check: false,
    packageDir: dirname(dirname(scriptFile)),
    unionName: 'NimbusObject',
    out: join('src', 'api', 'generated.ts'),
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new GenerateError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--check') options.check = true;
    else if (arg === '--package-dir') options.packageDir = resolve(value());
    else if (arg === '--union') options.unionName = value();
    else if (arg === '--out') options.out = value();
    else
      throw new GenerateError(
        `unknown argument: ${arg} (--check, --package-dir DIR, --union NAME, --out FILE)`,
      );
  }
  if (!/^[A-Z][A-Za-z0-9]*$/.test(options.unionName)) {
    throw new GenerateError(`--union needs a PascalCase type name, got ${options.unionName}`);
  }
  return options;
}

async function main() {
  const { check, packageDir, unionName, out } = parseArguments(process.argv.slice(2));
  const target = targetOf(packageDir, unionName, out);
  const { outFile, outRel, fixCommand } = target;

  const crds = readCRDs(target);
  const generated = formatWithBiome(target, await render(target, crds));
  const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : undefined;

  if (check) {
    if (current === generated) {
      console.log(`${outRel} is up to date with crds/ (${crds.length} kinds).`);
      return 0;
    }
    const what = current === undefined ? 'is missing' : 'is stale: it differs from what crds/*.yaml generate';
    console.error(`${target.packageName}: ${outRel} ${what}.`);
    console.error(`Fix: run \`${fixCommand}\` and commit the regenerated file together with the CRD change.`);
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
