import type { SecurityIntent } from '@nimbus-ts/api';
import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { AdapterRegistry } from '../adapters.js';
import { closeMatches, quotedAlternatives } from '../close-matches.js';
import type { Manifest } from '../input/manifests.js';
import { type Diagnostic, diagnosticAt } from './diagnostic.js';

const ID_PATH = ['spec', 'intent', 'id'];
const PARAMS_PATH = ['spec', 'intent', 'params'];

function unknownId(id: string, registry: IntentRegistry): string {
  const names = registry.all().flatMap((d) => [d.id, ...(d.aliases ?? [])]);
  const close = closeMatches(id, names);
  const fix =
    close.length > 0
      ? `did you mean ${quotedAlternatives(close)}?`
      : `the ID pool has ${registry
          .all()
          .map((d) => d.id)
          .join(', ')}; if a third-party adapter enforces it, load the adapter with --adapter`;
  return `unknown intent ID "${id}": no adapter enforces it; ${fix}`;
}

/**
 * Checks a SecurityIntent against the intent ID pool: the ID must exist (close matches are named), an alias
 * is pointed out, the parameters must fit the intent, and an intent that none of the CLI's adapters enforces is
 * noted, since rendering it yields no engine policy.
 *
 * An ID outside the pool is accepted when one of the adapters enforces it (a third-party adapter loaded with
 * `--adapter`): its parameters are checked when the adapter's own registry defines it, and a note says so
 * when nothing does.
 */
export function checkIntent(
  { object, source }: Manifest<SecurityIntent>,
  pool: IntentRegistry,
  adapters: AdapterRegistry,
): Diagnostic[] {
  const { id, params } = object.spec.intent;
  const own = pool.resolve(id) ? undefined : adapters.definition(id);
  const registry = own?.registry ?? pool;
  const definition = own?.definition ?? pool.resolve(id);
  if (!definition) {
    const enforcing = adapters.enforcing(id).map((a) => a.name);
    if (enforcing.length === 0) return [diagnosticAt(source, ID_PATH, 'error', unknownId(id, pool))];
    return [
      diagnosticAt(
        source,
        ID_PATH,
        'note',
        `"${id}" is not in the ID pool; adapter ${enforcing.join(', ')} enforces it, and defines no parameters for nimbus to check`,
      ),
    ];
  }
  const found: Diagnostic[] = [];
  if (definition.id !== id) {
    found.push(
      diagnosticAt(
        source,
        ID_PATH,
        'note',
        `"${id}" is an alias of "${definition.id}"; adapters treat it as ${definition.id} and name their policies after it`,
      ),
    );
  }
  for (const issue of registry.validateParams(id, params)) {
    const written = params !== undefined && Object.hasOwn(params, issue.param);
    found.push(
      written
        ? diagnosticAt(source, [...PARAMS_PATH, issue.param], 'error', issue.message, 'key')
        : diagnosticAt(source, params ? PARAMS_PATH : ['spec', 'intent'], 'error', issue.message, 'key'),
    );
  }
  if (adapters.enforcing(definition.id).length === 0) {
    const engines = definition.engines.join(' or ');
    found.push(
      diagnosticAt(
        source,
        ID_PATH,
        'note',
        `${definition.id} is enforced by ${engines}; none of the adapters nimbus knows (${adapters.names().join(', ')}) does, so rendering it yields no engine policy`,
      ),
    );
  }
  return found;
}
