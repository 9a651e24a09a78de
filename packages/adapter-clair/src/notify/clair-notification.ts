/**
 * Reading one notification set from Clair's notifier: every page of
 * `GET /notifier/api/v1/notification/{id}`, the manifests it affects, then the acknowledging
 * `DELETE /notifier/api/v1/notification/{id}` — in that order, so a set is only acknowledged once its
 * contents were handled.
 */
import type { ClairNotification, NotificationPage } from '@nimbus-ts/clair-client';

/**
 * The part of a Clair client this module needs; the adapter's `ClairClient` satisfies it.
 *
 * `deleteNotification` rejects on failure; when Clair answers 500 "no receipt exists for notification id"
 * (quay/clair#1716) the error carries `status: 500` and Clair's message (as `ClairError` does), which
 * {@link isNoReceiptError} recognizes.
 */
export interface ClairNotifierClient {
  /** Fetches one page of notification set `id`; `next` is the cursor the previous page returned. */
  notificationPage(
    id: string,
    options: { readonly pageSize: number; readonly next?: string },
  ): Promise<NotificationPage>;
  /** Acknowledges notification set `id` once it has been handled, so Clair stops delivering it. */
  deleteNotification(id: string): Promise<void>;
}

/** Receives what one notification set says. */
export type NotificationHandler = (
  /** The distinct manifest digests of the set, sorted: the VulnerabilityReports to refresh. */
  manifestDigests: readonly string[],
  notifications: readonly ClairNotification[],
) => Promise<void> | void;

/** Options of {@link processNotification}. */
export interface ProcessNotificationOptions {
  /** Entries per page, sent unchanged on every page as Clair requires; default 500 (Clair's default). */
  readonly pageSize?: number;
  /** A set with more pages is refused rather than held in memory; default 200 (100 000 entries at 500). */
  readonly maxPages?: number;
}

/** What {@link processNotification} did. */
export interface ProcessedNotification {
  readonly notificationId: string;
  readonly pages: number;
  readonly notifications: number;
  readonly manifests: number;
  /** `already`: Clair answered "no receipt exists", i.e. the set was acknowledged before. */
  readonly acknowledged: 'deleted' | 'already';
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * True for Clair's answer to a DELETE of a set it holds no receipt for: 500 with "no receipt exists for
 * notification id" (quay/clair#1716). Clair gives no other signal than the text, so the text is matched —
 * together with the status, to keep a real server error from passing as an acknowledgement.
 */
export function isNoReceiptError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { status, message, clairMessage } = err as Record<string, unknown>;
  if (status !== 500) return false;
  return [clairMessage, message].some((text) => typeof text === 'string' && /no receipt exists/i.test(text));
}

/**
 * Pages through notification set `id`, calls `handle` once with every affected manifest and entry, then
 * acknowledges the set with DELETE.
 *
 * Guarantees: `handle` runs at most once, and the set is acknowledged only after it resolved; a set Clair
 * says was already acknowledged counts as acknowledged.
 *
 * Caveat: Clair delivers a set once; if `handle` or the DELETE fails, the set stays unacknowledged until
 * Clair garbage-collects it, and the periodic rescans are what catch up.
 *
 * @throws when a page cannot be read, the pages loop, there are more than `maxPages`, `handle` throws, or
 * the DELETE fails otherwise.
 */
export async function processNotification(
  client: ClairNotifierClient,
  id: string,
  handle: NotificationHandler,
  options: ProcessNotificationOptions = {},
): Promise<ProcessedNotification> {
  const pageSize = options.pageSize ?? 500;
  const maxPages = options.maxPages ?? 200;
  const notifications: ClairNotification[] = [];
  const seenCursors = new Set<string>();
  let next: string | undefined;
  let pages = 0;
  do {
    if (pages >= maxPages) throw new Error(`notification ${id} has more than ${maxPages} pages`);
    const page = await client.notificationPage(id, { pageSize, ...(next ? { next } : {}) });
    pages++;
    for (const entry of page?.notifications ?? []) {
      if (isNotification(entry)) notifications.push(entry);
    }
    const cursor = page?.page?.next;
    next = typeof cursor === 'string' && cursor !== '' && cursor !== NIL_UUID ? cursor : undefined;
    if (next !== undefined) {
      // A cursor seen before would page forever.
      if (seenCursors.has(next)) throw new Error(`notification ${id}: page cursor ${next} repeats`);
      seenCursors.add(next);
    }
  } while (next !== undefined);

  const manifests = [...new Set(notifications.map((n) => n.manifest))].sort();
  await handle(manifests, notifications);

  let acknowledged: ProcessedNotification['acknowledged'] = 'deleted';
  try {
    await client.deleteNotification(id);
  } catch (err) {
    if (!isNoReceiptError(err)) throw err;
    acknowledged = 'already';
  }
  return {
    notificationId: id,
    pages,
    notifications: notifications.length,
    manifests: manifests.length,
    acknowledged,
  };
}

// Entries without a manifest digest cannot be mapped to any report; they are left out rather than failing
// the whole set.
function isNotification(value: unknown): value is ClairNotification {
  if (typeof value !== 'object' || value === null) return false;
  const { manifest, vulnerability } = value as Record<string, unknown>;
  return typeof manifest === 'string' && manifest !== '' && typeof vulnerability === 'object';
}
