import type { ClairNotification, NotificationPage } from '@nimbus-ts/clair-client';
import { ClairClient, ClairError } from '@nimbus-ts/clair-client';
import { describe, expect, it } from 'vitest';
import { type ClairNotifierClient, isNoReceiptError, processNotification } from '../../src/index.js';

const ID = '5e4b387e-88d3-4364-86fd-063447a6fad2';
const CURSORS = ['0f8a5b8c-0000-4000-8000-000000000001', '0f8a5b8c-0000-4000-8000-000000000002'];
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function note(manifest: string, name: string, reason = 'added'): ClairNotification {
  return {
    id: `${name}-${manifest.slice(7, 10)}`,
    manifest,
    reason,
    vulnerability: { name, description: '', severity: 'High', fixed_in_version: '', links: '' },
  };
}

/** An in-memory notifier: the pages it serves and every call it got, in order. */
function notifier(pages: NotificationPage[], deleteError?: unknown) {
  const calls: string[] = [];
  const client: ClairNotifierClient = {
    async notificationPage(id, { pageSize, next }) {
      calls.push(`GET ${id} size=${pageSize} next=${next ?? '-'}`);
      const index = next === undefined ? 0 : CURSORS.indexOf(next) + 1;
      const page = pages[index];
      if (!page) throw new Error(`no page ${index}`);
      return page;
    },
    async deleteNotification(id) {
      calls.push(`DELETE ${id}`);
      if (deleteError) throw deleteError;
    },
  };
  return { client, calls };
}

const page = (notifications: ClairNotification[], next?: string): NotificationPage => ({
  page: { size: 2, ...(next ? { next } : {}) },
  notifications,
});

describe('processNotification', () => {
  it('pages with the same page_size until next is absent, hands over every manifest once, then DELETEs', async () => {
    const { client, calls } = notifier([
      page([note(digest('b'), 'CVE-1'), note(digest('a'), 'CVE-1')], CURSORS[0]),
      page([note(digest('b'), 'CVE-2', 'removed'), note(digest('c'), 'CVE-3')], CURSORS[1]),
      page([note(digest('a'), 'CVE-4', 'changed')]),
    ]);
    const handled: { digests: readonly string[]; names: string[] }[] = [];
    const result = await processNotification(
      client,
      ID,
      (digests, notifications) => {
        calls.push('handle');
        handled.push({ digests, names: notifications.map((n) => n.vulnerability.name) });
      },
      { pageSize: 2 },
    );
    expect(calls).toEqual([
      `GET ${ID} size=2 next=-`,
      `GET ${ID} size=2 next=${CURSORS[0]}`,
      `GET ${ID} size=2 next=${CURSORS[1]}`,
      'handle',
      `DELETE ${ID}`,
    ]);
    expect(handled).toEqual([
      {
        digests: [digest('a'), digest('b'), digest('c')],
        names: ['CVE-1', 'CVE-1', 'CVE-2', 'CVE-3', 'CVE-4'],
      },
    ]);
    expect(result).toEqual({
      notificationId: ID,
      pages: 3,
      notifications: 5,
      manifests: 3,
      acknowledged: 'deleted',
    });
  });

  it('uses Clair’s default page size of 500', async () => {
    const { client, calls } = notifier([page([])]);
    await processNotification(client, ID, () => {});
    expect(calls[0]).toBe(`GET ${ID} size=500 next=-`);
  });

  const deleteOutcomes: {
    name: string;
    error: unknown;
    acknowledged?: 'deleted' | 'already';
    throws?: RegExp;
  }[] = [
    { name: 'a 200', error: undefined, acknowledged: 'deleted' },
    {
      name: 'Clair’s 500 "no receipt exists" (quay/clair#1716)',
      error: new ClairError(
        'DELETE …: Clair answered 500: could not delete notification: no receipt exists',
        {
          kind: 'server',
          operation: 'DELETE',
          status: 500,
          clairMessage: 'could not delete notification: no receipt exists for notification id',
        },
      ),
      acknowledged: 'already',
    },
    {
      name: 'another 500',
      error: new ClairError('Clair answered 500: database is down', {
        kind: 'server',
        operation: 'x',
        status: 500,
      }),
      throws: /database is down/,
    },
    {
      name: '"no receipt exists" with another status',
      error: new ClairError('no receipt exists', { kind: 'protocol', operation: 'x', status: 404 }),
      throws: /no receipt/,
    },
  ];

  it.each(deleteOutcomes)(
    'after the handler, a DELETE answered with $name',
    async ({ error, acknowledged, throws }) => {
      const { client } = notifier([page([note(digest('a'), 'CVE-1')])], error);
      const run = processNotification(client, ID, () => {});
      if (throws) await expect(run).rejects.toThrow(throws);
      else expect((await run).acknowledged).toBe(acknowledged);
    },
  );

  it('does not acknowledge when the handler fails', async () => {
    const { client, calls } = notifier([page([note(digest('a'), 'CVE-1')])]);
    await expect(
      processNotification(client, ID, () => {
        throw new Error('the apiserver is away');
      }),
    ).rejects.toThrow('the apiserver is away');
    expect(calls).not.toContain(`DELETE ${ID}`);
  });

  it('refuses a cursor that repeats instead of paging forever', async () => {
    const looping: ClairNotifierClient = {
      notificationPage: async () => page([note(digest('a'), 'CVE-1')], CURSORS[0]),
      deleteNotification: async () => {},
    };
    await expect(processNotification(looping, ID, () => {})).rejects.toThrow(/repeats/);
  });

  it('refuses more pages than allowed', async () => {
    let n = 0;
    const endless: ClairNotifierClient = {
      notificationPage: async () => page([], `0f8a5b8c-0000-4000-8000-${String(++n).padStart(12, '0')}`),
      deleteNotification: async () => {},
    };
    await expect(processNotification(endless, ID, () => {}, { maxPages: 3 })).rejects.toThrow(
      /more than 3 pages/,
    );
  });

  it('treats a nil next cursor and null notifications as the end, and skips entries without a manifest', async () => {
    const odd = {
      page: { size: 500, next: '00000000-0000-0000-0000-000000000000' },
      notifications: [note(digest('a'), 'CVE-1'), { id: 'x', reason: 'added' }, null],
    } as unknown as NotificationPage;
    const { client, calls } = notifier([odd]);
    const result = await processNotification(client, ID, () => {});
    expect(result).toMatchObject({ pages: 1, notifications: 1, manifests: 1 });
    expect(calls).toHaveLength(2);
  });

  it('is satisfied by the adapter’s ClairClient', () => {
    const client: ClairNotifierClient = new ClairClient({ url: 'http://127.0.0.1:1' });
    expect(typeof client.notificationPage).toBe('function');
  });
});

describe('isNoReceiptError', () => {
  it.each([
    [{ status: 500, message: 'could not delete notification: no receipt exists for notification id' }, true],
    [{ status: 500, clairMessage: 'No receipt exists for notification id' }, true],
    [{ status: 500, message: 'failed' }, false],
    [{ status: 400, message: 'no receipt exists' }, false],
    [new Error('no receipt exists'), false],
    ['no receipt exists', false],
    [null, false],
  ])('%o → %s', (err, expected) => {
    expect(isNoReceiptError(err)).toBe(expected);
  });
});
