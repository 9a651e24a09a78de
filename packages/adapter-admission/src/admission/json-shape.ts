/**
 * Bounds the shape of a JSON body before it is parsed. `JSON.parse` allocates every object and array it reads:
 * a 4 MiB body of `[{},{},…]` is 1.4 million objects, hundreds of MiB of heap for one request, and a body nesting
 * arrays a million deep costs as much. A byte limit cannot catch either, so the raw bytes are scanned first (no
 * allocation, one pass) for nesting depth, the number of objects and arrays, and the number of values in them,
 * and a body past any bound is refused before `JSON.parse` sees it.
 *
 * The scan is not a validator: it tracks only strings (so that brackets and commas inside them do not count) and
 * brackets. A body it lets through may still be invalid JSON; `JSON.parse` says so then.
 */

/** Bounds of {@link jsonShapeProblem}. */
export interface JsonShapeLimits {
  /** The deepest nesting of objects and arrays. */
  readonly maxDepth: number;
  /** The most objects and arrays in the whole body. */
  readonly maxContainers: number;
  /** The most values in objects and arrays together (array elements and object members). */
  readonly maxValues: number;
}

/**
 * Defaults far above any AdmissionReview or ImageReview the API server sends, and far below what hurts. A Pod or
 * a workload nests about 15 deep, managedFields add a few levels; an UPDATE of a Pod whose containers set ten
 * thousand environment variables holds about 20,000 objects and arrays and 60,000 values. At the defaults one
 * body parses to at most about 30 MiB, so the handler's four body slots fit the webhook's memory limit with
 * room (test/integration/webhook-memory.test.ts measures it).
 */
export const DEFAULT_JSON_SHAPE_LIMITS: JsonShapeLimits = Object.freeze({
  maxDepth: 64,
  maxContainers: 100_000,
  maxValues: 250_000,
});

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Why `bytes` (a JSON text) must not be parsed: it nests deeper, or holds more objects and arrays or more values,
 * than `limits` allow; undefined when it is within them. Stops at the first bound crossed, so a hostile body
 * costs one pass over a prefix of it.
 *
 * @example
 * ```ts
 * jsonShapeProblem(Buffer.from('[[[[1]]]]'), { maxDepth: 2, maxContainers: 10, maxValues: 10 });
 * // 'the body nests objects and arrays deeper than 2 levels'
 * ```
 */
export function jsonShapeProblem(
  bytes: Uint8Array,
  limits: JsonShapeLimits = DEFAULT_JSON_SHAPE_LIMITS,
): string | undefined {
  let depth = 0;
  let containers = 0;
  // Values are counted as commas, plus one for each container that holds anything: `[]` none, `[1,2]` two.
  let values = 0;
  let inString = false;
  // The last byte that was not white space opened a container.
  let justOpened = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === SPACE || byte === TAB || byte === LF || byte === CR) continue;
    if (justOpened && byte !== CLOSE_OBJECT && byte !== CLOSE_ARRAY) values++;
    justOpened = false;
    if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > limits.maxDepth) {
        return `the body nests objects and arrays deeper than ${limits.maxDepth} levels`;
      }
      if (++containers > limits.maxContainers) {
        return `the body holds more than ${limits.maxContainers} objects and arrays`;
      }
      justOpened = true;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    } else if (byte === COMMA) {
      values++;
    }
    if (values > limits.maxValues) return `the body holds more than ${limits.maxValues} values`;
  }
  return undefined;
}
