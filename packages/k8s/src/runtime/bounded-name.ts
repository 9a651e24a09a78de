import { createHash } from 'node:crypto';

/** The longest object name the API server accepts for most kinds (a DNS-1123 subdomain). */
export const MAX_OBJECT_NAME_LENGTH = 253;

/** The longest DNS-1123 label (names of kinds such as Namespace or Service) and the longest label value. */
export const MAX_LABEL_LENGTH = 63;

/** How many hex digits of the SHA-256 of the full name end a shortened name (40 bits). */
const HASH_DIGITS = 10;

// What may not end a name or a label value once it has been cut.
const TRAILING_SEPARATORS = /[-._]+$/;

/**
 * A name made of `parts` joined by `-` that the API server accepts: unchanged when it fits within `limit`
 * (so names stay equal to upstream Nimbus's wherever upstream's are valid), otherwise cut to make room for
 * `-` and the first 10 hex digits of the SHA-256 of the whole joined name. The cut drops trailing `-`, `.`
 * and `_`, so a shortened name still ends with a letter or digit.
 *
 * Deterministic (the same parts always give the same name, on every replica and after every restart) and
 * distinct for distinct joined names that need cutting, with the hash deciding; the kept head keeps the name
 * recognisable in `kubectl get`. Parts are not otherwise changed: pass parts that are already valid for the
 * kind (object names and lower-case IDs are).
 *
 * @param parts - e.g. `[policyName, 'dnsmanipulation']`.
 * @param limit - {@link MAX_OBJECT_NAME_LENGTH} for object names of most kinds (the default), or
 *   {@link MAX_LABEL_LENGTH} for kinds that need a DNS-1123 label and for label values.
 */
export function boundedName(parts: readonly string[], limit: number = MAX_OBJECT_NAME_LENGTH): string {
  const name = parts.join('-');
  if (name.length <= limit) return name;
  if (limit < HASH_DIGITS + 2) {
    throw new RangeError(
      `boundedName: a limit of ${limit} leaves no room for a hash suffix; use at least ${HASH_DIGITS + 2}`,
    );
  }
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_DIGITS);
  const head = name.slice(0, limit - HASH_DIGITS - 1).replace(TRAILING_SEPARATORS, '');
  return head === '' ? hash : `${head}-${hash}`;
}
