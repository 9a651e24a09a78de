import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_INTENTS } from '../../src/index.js';

// The README table is what people read to pick an intent, so it must not drift from the code. Each row's cells
// are reduced to the `code` spans they contain, which is all the test compares.

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8');

interface Row {
  id: string;
  aliases: string[];
  title: string;
  engines: string[];
  params: string[];
}

function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
}

const rows: Row[] = readme
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => {
    const [id = '', aliases = '', title = '', engines = '', params = ''] = line.split('|').slice(1, -1);
    return {
      id: codeSpans(id)[0] ?? '',
      aliases: codeSpans(aliases),
      title: title.trim(),
      engines: codeSpans(engines),
      // Parameter cells may show allowed values in a second span, e.g. `psaLevel` (`baseline` or `restricted`);
      // only spans outside parentheses are parameter names.
      params: codeSpans(params.replace(/\([^)]*\)/g, '')),
    };
  });

describe('README intent table', () => {
  it('lists every built-in ID once and nothing else', () => {
    expect(rows.map((row) => row.id)).toEqual(BUILTIN_INTENTS.map((definition) => definition.id));
  });

  it.each(BUILTIN_INTENTS.map((definition) => [definition.id, definition] as const))(
    '%s row matches its definition',
    (id, definition) => {
      const row = rows.find((candidate) => candidate.id === id);
      expect(row).toEqual({
        id,
        aliases: [...(definition.aliases ?? [])],
        title: definition.title,
        engines: [...definition.engines],
        params: definition.params.map((param) => param.name),
      });
    },
  );
});
