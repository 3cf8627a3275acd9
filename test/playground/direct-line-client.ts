import type { DirectLineActivity } from '../../src/bots/playground/direct-line.ts';

/**
 * A Direct Line v3 client for tests, doing what Web Chat does when it polls: get a token
 * bound to a user, start the conversation, post activities, read them after a watermark.
 */
export type DirectLineClient = {
  readonly conversationId: string;
  readonly token: string;
  /** Every activity read so far, in order (an updated activity appears again, later). */
  readonly seen: DirectLineActivity[];
  post(activity: Record<string, unknown>): Promise<string>;
  /** Reads new activities until `predicate` holds for one of them, and returns it. */
  waitFor(predicate: (activity: DirectLineActivity) => boolean, what?: string, timeoutMs?: number): Promise<DirectLineActivity>;
};

export async function openConversation(baseUrl: string, userId: string, locale = 'en-US'): Promise<DirectLineClient> {
  const domain = `${baseUrl}/v3/directline`;
  const generated = await fetch(`${domain}/tokens/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { id: userId } }),
  });
  if (!generated.ok) throw new Error(`tokens/generate: ${generated.status} ${await generated.text()}`);
  const { conversationId, token } = (await generated.json()) as { conversationId: string; token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const started = await fetch(`${domain}/conversations`, { method: 'POST', headers, body: JSON.stringify({ user: {}, locale }) });
  if (started.status !== 201) throw new Error(`conversations: ${started.status}`);

  const seen: DirectLineActivity[] = [];
  let watermark = '';
  let checked = 0;
  return {
    conversationId,
    token,
    seen,
    async post(activity) {
      const res = await fetch(`${domain}/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ locale, ...activity }),
      });
      if (!res.ok) throw new Error(`post activity: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    async waitFor(predicate, what = 'activity', timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (; checked < seen.length; checked++) {
          const activity = seen[checked]!;
          if (predicate(activity)) {
            checked++;
            return activity;
          }
        }
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}; seen:\n${seen.map((a) => `- [${a.from.role}] ${(a.text ?? a.summary ?? a.name ?? '').slice(0, 160)}`).join('\n')}`);
        }
        const res = await fetch(`${domain}/conversations/${conversationId}/activities?watermark=${watermark}`, { headers });
        if (!res.ok) throw new Error(`get activities: ${res.status}`);
        const page = (await res.json()) as { activities: DirectLineActivity[]; watermark: string };
        seen.push(...page.activities);
        watermark = page.watermark;
        if (page.activities.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** The plain text of a bot activity: its text, or the summary of its card. */
export function plainText(activity: DirectLineActivity): string {
  return activity.text ?? activity.summary ?? '';
}

/** The titles of the buttons (`Action.Submit`) of the activity's Adaptive Cards, wherever they sit. */
export function cardButtons(activity: DirectLineActivity): string[] {
  const titles: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record['type'] === 'Action.Submit' && typeof record['title'] === 'string') titles.push(record['title']);
    Object.values(record).forEach(walk);
  };
  walk(activity.attachments?.map((a) => a.content));
  return titles;
}
