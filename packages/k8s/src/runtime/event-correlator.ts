/** Normal for things that went as intended, Warning for what a user should look at. */
export type EventType = 'Normal' | 'Warning';

/** The object an Event is about, as core/v1 `involvedObject` names it. */
export interface InvolvedObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** One call to record an Event: what happened, to what, reported by whom. */
export interface EventOccurrence {
  /** The reporting component, the Event's `source.component`. */
  readonly source: string;
  readonly involvedObject: InvolvedObject;
  /** Where the Event object lives: the object's namespace, or `default` for cluster-scoped objects. */
  readonly namespace: string;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

/** Tuning of {@link EventCorrelator}; every field has client-go's or events.k8s.io's default. */
export interface EventCorrelatorOptions {
  /** Milliseconds since the epoch; tests pass a fake. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * How long after its last occurrence an Event still takes repeats; a repeat after a longer quiet starts a new
   * Event. Default 6 minutes, when events.k8s.io's recorder finishes a series.
   */
  readonly windowMs?: number;
  /** Writes one source may make about one object at once: the token bucket's size. Default 25, as client-go. */
  readonly burst?: number;
  /** The bucket gains one write per this many milliseconds. Default 5 minutes, as client-go. */
  readonly refillIntervalMs?: number;
  /** Recent Events and buckets remembered, least recently used forgotten first. Default 4096, as client-go. */
  readonly maxEntries?: number;
}

/** What the API server holds, or should hold, about one aggregated Event. */
interface AggregatedEvent {
  /** Identifies this aggregate across LRU churn: a write's acknowledgement for an older one is ignored. */
  readonly series: number;
  readonly occurrence: EventOccurrence;
  readonly firstTimestamp: number;
  lastTimestamp: number;
  /** Occurrences counted, written or not. */
  count: number;
  /** The count the API server has; 0 before the Event was created. */
  writtenCount: number;
  /** The Event object's name once created. */
  name: string | undefined;
}

interface TokenBucket {
  tokens: number;
  refilledAt: number;
}

/** The fields every write of an aggregated Event carries. */
interface EventWriteBase {
  /** Pass back to {@link EventCorrelator.written} or {@link EventCorrelator.lost}. */
  readonly series: number;
  readonly occurrence: EventOccurrence;
  readonly count: number;
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
}

/**
 * The write that brings the API server up to date with an aggregated Event: `create` a new Event object, `patch`
 * the existing one's count and lastTimestamp, `drop` when the source's bucket for the object is empty (the
 * occurrences stay counted, and the next write carries them), or `none` when the API server is up to date.
 */
export type EventWrite =
  | ({ readonly kind: 'create' } & EventWriteBase)
  | ({ readonly kind: 'patch'; readonly name: string } & EventWriteBase)
  | ({ readonly kind: 'drop' } & EventWriteBase)
  | { readonly kind: 'none' };

const MINUTE = 60_000;

/**
 * Aggregates repeated Events the way client-go's EventCorrelator does, as pure decisions over an injected clock:
 * occurrences with the same source, involved object, type, reason and message within the window count into ONE
 * Event (`count`, `lastTimestamp`), remembered in an LRU cache; and a token bucket per source and object (client-go's
 * spam filter: 25 at once, then one per 5 minutes) bounds the writes, so a storm costs a handful of requests.
 *
 * The caller reports each occurrence with {@link observe}, asks {@link nextWrite} what to send when it is ready to
 * write, and acknowledges with {@link written} (or {@link lost} when the Event object is gone). Unlike client-go,
 * the bucket limits writes rather than occurrences: occurrences that arrive while a write is in flight share the
 * next write, and none goes uncounted.
 */
export class EventCorrelator {
  private readonly clock: () => number;
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillIntervalMs: number;
  private readonly maxEntries: number;
  private readonly events = new Map<string, AggregatedEvent>();
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSeries = 0;

  /** @param options - see {@link EventCorrelatorOptions}. */
  constructor(options: EventCorrelatorOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.windowMs = options.windowMs ?? 6 * MINUTE;
    this.burst = options.burst ?? 25;
    this.refillIntervalMs = options.refillIntervalMs ?? 5 * MINUTE;
    this.maxEntries = options.maxEntries ?? 4096;
  }

  /** Counts one occurrence and returns the key of the Event it belongs to, for {@link nextWrite}. */
  observe(occurrence: EventOccurrence): string {
    const now = this.clock();
    const key = eventKey(occurrence);
    const known = this.events.get(key);
    if (known && now - known.lastTimestamp < this.windowMs) {
      known.count++;
      known.lastTimestamp = now;
      remember(this.events, key, known, this.maxEntries);
      return key;
    }
    remember(
      this.events,
      key,
      {
        series: ++this.lastSeries,
        occurrence,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        writtenCount: 0,
        name: undefined,
      },
      this.maxEntries,
    );
    return key;
  }

  /** What to write now for the Event of `key`; a create or patch takes a token from the object's bucket. */
  nextWrite(key: string): EventWrite {
    const event = this.events.get(key);
    if (!event || event.count === event.writtenCount) return { kind: 'none' };
    const write: EventWriteBase = {
      series: event.series,
      occurrence: event.occurrence,
      count: event.count,
      firstTimestamp: event.firstTimestamp,
      lastTimestamp: event.lastTimestamp,
    };
    if (!this.takeToken(spamKey(event.occurrence))) return { kind: 'drop', ...write };
    return event.name === undefined
      ? { kind: 'create', ...write }
      : { kind: 'patch', name: event.name, ...write };
  }

  /** The API server now holds `count` occurrences in the Event object `name` (created, or patched). */
  written(key: string, series: number, name: string, count: number): void {
    const event = this.events.get(key);
    if (event?.series !== series) return;
    event.name = name;
    event.writtenCount = Math.max(event.writtenCount, count);
  }

  /** The Event object is gone (deleted, or expired by the API server's event TTL): the next write creates it again. */
  lost(key: string, series: number): void {
    const event = this.events.get(key);
    if (event?.series !== series) return;
    event.name = undefined;
    event.writtenCount = 0;
  }

  private takeToken(key: string): boolean {
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, refilledAt: now };
    const refill = Math.max(0, now - bucket.refilledAt) / this.refillIntervalMs;
    bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
    bucket.refilledAt = now;
    const granted = bucket.tokens >= 1;
    if (granted) bucket.tokens -= 1;
    remember(this.buckets, key, bucket, this.maxEntries);
    return granted;
  }
}

/** Moves `key` to the most recent end of `map` (insertion order) and forgets the least recent beyond `max`. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next().value as string;
    map.delete(oldest);
  }
}

function objectKey(o: EventOccurrence): string[] {
  const { apiVersion = '', kind = '', namespace = '', name, uid = '' } = o.involvedObject;
  return [o.source, apiVersion, kind, namespace, name, uid];
}

/** The source and involved object: what client-go's spam filter rate-limits. */
function spamKey(o: EventOccurrence): string {
  return JSON.stringify(objectKey(o));
}

/** The source, involved object, type, reason and message: what client-go's correlator counts as one Event. */
function eventKey(o: EventOccurrence): string {
  return JSON.stringify([...objectKey(o), o.type, o.reason, o.message]);
}
