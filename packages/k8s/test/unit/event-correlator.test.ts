import { describe, expect, it } from 'vitest';
import {
  EventCorrelator,
  type EventCorrelatorOptions,
  type EventOccurrence,
} from '../../src/runtime/event-correlator.js';

const MINUTE = 60_000;

const occurrence = (overrides: Partial<EventOccurrence> = {}): EventOccurrence => ({
  source: 'nimbus-core-operator',
  involvedObject: {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'SecurityIntentBinding',
    namespace: 'shop',
    name: 'web',
    uid: 'uid-web',
  },
  namespace: 'shop',
  type: 'Normal',
  reason: 'PolicyUpdated',
  message: 'updated shop/web',
  ...overrides,
});

/** One step of a table: at `at` ms, observe `occurrences` (in a burst), then ask for and acknowledge one write. */
interface Step {
  readonly at: number;
  readonly occurrences?: readonly EventOccurrence[];
  /** The Event object disappeared before this step's write (a patch would answer 404). */
  readonly lostBefore?: boolean;
}

/**
 * Runs `steps` and describes each write decision as text: `create 1`, `patch e1 3`, `drop 26`, `none`. A write is
 * acknowledged as the API server would: a create names the Event `e<n>`.
 */
function decisions(steps: readonly Step[], options: EventCorrelatorOptions = {}): string[] {
  let now = 0;
  let created = 0;
  const correlator = new EventCorrelator({ ...options, clock: () => now });
  const out: string[] = [];
  let lastKey: string | undefined;
  let lastSeries = 0;
  for (const step of steps) {
    now = step.at;
    if (step.lostBefore && lastKey) correlator.lost(lastKey, lastSeries);
    for (const o of step.occurrences ?? [occurrence()]) lastKey = correlator.observe(o);
    if (!lastKey) continue;
    const write = correlator.nextWrite(lastKey);
    switch (write.kind) {
      case 'none':
        out.push('none');
        break;
      case 'drop':
        out.push(`drop ${write.count}`);
        break;
      case 'create': {
        const name = `e${++created}`;
        correlator.written(lastKey, write.series, name, write.count);
        lastSeries = write.series;
        out.push(`create ${write.count}`);
        break;
      }
      case 'patch':
        correlator.written(lastKey, write.series, write.name, write.count);
        lastSeries = write.series;
        out.push(`patch ${write.name} ${write.count}`);
        break;
    }
  }
  return out;
}

const times = (n: number, o: EventOccurrence = occurrence()) => Array.from({ length: n }, () => o);

describe('EventCorrelator decisions', () => {
  it.each<[string, Step[], string[]]>([
    ['a first occurrence creates the Event with count 1', [{ at: 0 }], ['create 1']],
    [
      'repeats within the window patch the same Event with the running count',
      [{ at: 0 }, { at: 1_000 }, { at: 2_000 }],
      ['create 1', 'patch e1 2', 'patch e1 3'],
    ],
    [
      'a burst observed before one write is written once, with the whole count',
      [{ at: 0 }, { at: 10, occurrences: times(49) }],
      ['create 1', 'patch e1 50'],
    ],
    [
      'the window runs from the last occurrence: a steady repeat every 5 minutes stays one Event',
      [{ at: 0 }, { at: 5 * MINUTE }, { at: 10 * MINUTE }],
      ['create 1', 'patch e1 2', 'patch e1 3'],
    ],
    [
      'a repeat after the window of quiet starts a new Event',
      [{ at: 0 }, { at: 1_000 }, { at: 1_000 + 6 * MINUTE }],
      ['create 1', 'patch e1 2', 'create 1'],
    ],
    [
      'another message is another Event',
      [{ at: 0 }, { at: 1, occurrences: [occurrence({ message: 'updated shop/api' })] }],
      ['create 1', 'create 1'],
    ],
    [
      'another reason is another Event',
      [{ at: 0 }, { at: 1, occurrences: [occurrence({ reason: 'PolicyCreated' })] }],
      ['create 1', 'create 1'],
    ],
    [
      'another type is another Event',
      [{ at: 0 }, { at: 1, occurrences: [occurrence({ type: 'Warning' })] }],
      ['create 1', 'create 1'],
    ],
    [
      'another object (a re-created one with a new uid) is another Event',
      [
        { at: 0 },
        {
          at: 1,
          occurrences: [occurrence({ involvedObject: { ...occurrence().involvedObject, uid: 'uid-web-2' } })],
        },
      ],
      ['create 1', 'create 1'],
    ],
    [
      'another source is another Event',
      [{ at: 0 }, { at: 1, occurrences: [occurrence({ source: 'nimbus-kubearmor' })] }],
      ['create 1', 'create 1'],
    ],
    [
      'nothing new to write after a write: none',
      [{ at: 0 }, { at: 1, occurrences: [] }],
      ['create 1', 'none'],
    ],
    [
      'a patch of an Event that was lost creates it again with the whole count',
      [{ at: 0 }, { at: 1 }, { at: 2, lostBefore: true }],
      ['create 1', 'patch e1 2', 'create 3'],
    ],
  ])('%s', (_title, steps, expected) => {
    expect(decisions(steps)).toEqual(expected);
  });
});

describe('EventCorrelator rate limit (token bucket per source and object)', () => {
  it('allows a burst of 25 writes about one object, then drops writes but keeps counting', () => {
    const steps = Array.from({ length: 27 }, (_, i): Step => ({ at: i }));
    const out = decisions(steps);
    expect(out.slice(0, 2)).toEqual(['create 1', 'patch e1 2']);
    expect(out[24]).toBe('patch e1 25');
    expect(out.slice(25)).toEqual(['drop 26', 'drop 27']);
  });

  it('refills one write per 5 minutes, and that write carries every occurrence counted meanwhile', () => {
    const burst = Array.from({ length: 25 }, (_, i): Step => ({ at: i * 1_000 }));
    const out = decisions([
      ...burst,
      { at: 30_000 },
      { at: 4 * MINUTE },
      { at: 24_000 + 5 * MINUTE },
      { at: 24_000 + 5 * MINUTE + 1 },
    ]);
    expect(out.slice(25)).toEqual(['drop 26', 'drop 27', 'patch e1 28', 'drop 29']);
  });

  it('limits per object: a storm about one object leaves another object’s Events alone', () => {
    const other = occurrence({
      involvedObject: { ...occurrence().involvedObject, name: 'api', uid: 'uid-api' },
    });
    const out = decisions([
      ...Array.from({ length: 26 }, (_, i): Step => ({ at: i })),
      { at: 30, occurrences: [other] },
    ]);
    expect(out[25]).toBe('drop 26');
    expect(out[26]).toBe('create 1');
  });

  it('counts distinct Events about one object against the same bucket, and drops the creates beyond it', () => {
    const steps = Array.from(
      { length: 4 },
      (_, i): Step => ({ at: i, occurrences: [occurrence({ message: `updated shop/p${i}` })] }),
    );
    expect(decisions(steps, { burst: 3 })).toEqual(['create 1', 'create 1', 'create 1', 'drop 1']);
  });

  it('creates a dropped Event with its whole count once a write is allowed', () => {
    const out = decisions(
      [
        { at: 0, occurrences: [occurrence({ message: 'a' })] },
        { at: 1, occurrences: [occurrence({ message: 'b' })] },
        { at: 2, occurrences: [occurrence({ message: 'b' })] },
        { at: 60_000, occurrences: [occurrence({ message: 'b' })] },
      ],
      { burst: 1, refillIntervalMs: MINUTE },
    );
    expect(out).toEqual(['create 1', 'drop 1', 'drop 2', 'create 3']);
  });
});

describe('EventCorrelator bookkeeping', () => {
  it('forgets the least recently used Event beyond maxEntries: its next occurrence creates a new Event', () => {
    const a = occurrence({ message: 'a' });
    const b = occurrence({ message: 'b' });
    const c = occurrence({ message: 'c' });
    expect(
      decisions(
        [
          { at: 0, occurrences: [a] },
          { at: 1, occurrences: [b] },
          { at: 2, occurrences: [a] },
          { at: 3, occurrences: [c] },
          { at: 4, occurrences: [a] },
          { at: 5, occurrences: [b] },
        ],
        { maxEntries: 2 },
      ),
    ).toEqual(['create 1', 'create 1', 'patch e1 2', 'create 1', 'patch e1 3', 'create 1']);
  });

  it('ignores the acknowledgement of a write for an Event that was replaced meanwhile', () => {
    let now = 0;
    const correlator = new EventCorrelator({ clock: () => now });
    const key = correlator.observe(occurrence());
    const first = correlator.nextWrite(key);
    if (first.kind !== 'create') throw new Error(`expected create, got ${first.kind}`);
    // The window passes while the create is in flight: the next occurrence belongs to a new Event.
    now = 7 * MINUTE;
    correlator.observe(occurrence());
    correlator.written(key, first.series, 'e-old', first.count);
    expect(correlator.nextWrite(key)).toMatchObject({ kind: 'create', count: 1, firstTimestamp: 7 * MINUTE });
  });

  it('carries the first and last timestamps of the occurrences', () => {
    let now = 1_000;
    const correlator = new EventCorrelator({ clock: () => now });
    const key = correlator.observe(occurrence());
    now = 4_000;
    correlator.observe(occurrence());
    expect(correlator.nextWrite(key)).toMatchObject({
      kind: 'create',
      count: 2,
      firstTimestamp: 1_000,
      lastTimestamp: 4_000,
    });
  });
});
