import type { IntentDefinition, ParamDefinition } from './intent-id.js';

// Definitions are shared by every consumer of a registry, so they are copied and frozen all the way down: a caller
// that edits the object it registered, or one it got back, cannot change what other adapters see.

function frozenList<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list === undefined ? undefined : Object.freeze([...list]);
}

function freezeParam(param: ParamDefinition): ParamDefinition {
  const copy: { -readonly [K in keyof ParamDefinition]: ParamDefinition[K] } = {
    name: param.name,
    description: param.description,
    required: param.required,
  };
  const values = frozenList(param.values);
  if (values !== undefined) copy.values = values;
  const example = frozenList(param.example);
  if (example !== undefined) copy.example = example;
  return Object.freeze(copy);
}

/**
 * Returns a deeply frozen copy of `definition`, leaving out optional fields that were not given.
 *
 * @internal
 */
export function freezeDefinition(definition: IntentDefinition): IntentDefinition {
  const copy: { -readonly [K in keyof IntentDefinition]: IntentDefinition[K] } = {
    id: definition.id,
    title: definition.title,
    description: definition.description,
    params: Object.freeze(definition.params.map(freezeParam)),
    engines: Object.freeze([...definition.engines]),
  };
  const aliases = frozenList(definition.aliases);
  if (aliases !== undefined) copy.aliases = aliases;
  const subPolicies = frozenList(definition.subPolicies);
  if (subPolicies !== undefined) copy.subPolicies = subPolicies;
  const notes = frozenList(definition.notes);
  if (notes !== undefined) copy.notes = notes;
  return Object.freeze(copy);
}
