import { describe, expect, it } from 'vitest';
import { DEFAULT_JSON_SHAPE_LIMITS, jsonShapeProblem } from '../../src/admission/json-shape.js';
import { admissionRequest, admissionReview, pod } from './admission-fixtures.js';

const limits = { maxDepth: 3, maxContainers: 4, maxValues: 5 };
const problem = (text: string) => jsonShapeProblem(Buffer.from(text), limits);

describe('jsonShapeProblem', () => {
  it.each([
    ['an empty object', '{}'],
    ['three levels', '[[[]]]'],
    ['four containers', '[{},{},{}]'],
    ['five values', '[1,2,3,4,5]'],
    ['five members', '{"a":1,"b":2,"c":3,"d":4,"e":5}'],
    ['brackets and commas inside strings', '{"a":"[[[[{{{{,,,,,,,,"}'],
    ['an escaped quote before brackets in a string', '{"a":"\\"[[[[[,,,,,,"}'],
    ['an escaped backslash ending a string', '{"a":"\\\\","b":[]}'],
    ['white space between tokens', ' [ 1 , \n 2 ,\t3 ] '],
    ['scalars alone', '"x"'],
  ])('lets %s through', (_what, text) => {
    expect(problem(text)).toBeUndefined();
  });

  it.each([
    ['four levels', '[[[[]]]]', 'the body nests objects and arrays deeper than 3 levels'],
    ['an unclosed deep prefix', '{"a":[[[', 'the body nests objects and arrays deeper than 3 levels'],
    ['five containers', '[{},{},{},{}]', 'the body holds more than 4 objects and arrays'],
    ['six values', '[1,2,3,4,5,6]', 'the body holds more than 5 values'],
    ['six members', '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}', 'the body holds more than 5 values'],
    ['values across containers', '{"a":[1,2],"b":[3,4]}', 'the body holds more than 5 values'],
  ])('refuses %s', (_what, text, message) => {
    expect(problem(text)).toBe(message);
  });

  it('refuses the 4 MiB [{},{},…] body at the default limits, after reading only a prefix of it', () => {
    const body = Buffer.from(`[${'{},'.repeat(1_400_000)}{}]`);
    expect(jsonShapeProblem(body)).toBe(
      `the body holds more than ${DEFAULT_JSON_SHAPE_LIMITS.maxContainers} objects and arrays`,
    );
  });

  it('lets a real AdmissionReview of a large pod through at the default limits', () => {
    const env = Array.from({ length: 10_000 }, (_, i) => ({ name: `VAR_${i}`, value: String(i) }));
    const object = pod(['nginx:1.27']) as { spec: { containers: Record<string, unknown>[] } };
    for (const container of object.spec.containers) container.env = env;
    const review = admissionReview(admissionRequest({ operation: 'UPDATE', object, oldObject: object }));
    expect(jsonShapeProblem(Buffer.from(JSON.stringify(review)))).toBeUndefined();
  });
});
