/**
 * Guards for reading parsed request bodies. Bodies come from the network and are read, never trusted: a
 * field may be any JSON value, so every read checks the type it needs and falls back rather than throwing.
 */

/** A parsed JSON object (not an array, not null). */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Whether `value` is a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `object[key]` when it is an own property that is a JSON object; own only, so `__proto__` is never read. */
export function objectAt(object: JsonObject, key: string): JsonObject | undefined {
  const value = Object.hasOwn(object, key) ? object[key] : undefined;
  return isJsonObject(value) ? value : undefined;
}

/** `object[key]` when it is an own property that is a string. */
export function stringAt(object: JsonObject, key: string): string | undefined {
  const value = Object.hasOwn(object, key) ? object[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** `object[key]` when it is an own property that is an array; otherwise an empty array. */
export function arrayAt(object: JsonObject, key: string): readonly unknown[] {
  const value = Object.hasOwn(object, key) ? object[key] : undefined;
  return Array.isArray(value) ? value : [];
}
