import type { TestApp } from '../helpers/app.ts';

/**
 * One neutral way to talk to the assistant, whatever the channel: the end-to-end scenario
 * is written against `ChannelDriver` once and run on Slack, Teams and the Web Chat
 * playground. Every driver boots the real app (`startTestApp`) with the env its channel
 * needs and reads what the bot sent through that channel's fake (Slack Web API, Bot
 * Connector, Direct Line), as plain text (the replies' complete fallback text).
 */
export type ChannelDriver = {
  readonly name: string;
  /** The real app behind the channel: its URL, and the SMTP server it mails to. */
  readonly app: TestApp;
  /** The administrator types `text` in their 1:1 chat with the bot. */
  adminSays(text: string): Promise<void>;
  /** The administrator's time zone as their channel reports it: times shown to them are in it. */
  readonly adminTimeZone: string;
  /** A button (label, or exact action name) of the administrator's latest bot message that has one. */
  adminClicks(labelOrAction: string | RegExp): Promise<void>;
  /** Waits until the administrator's chat shows matching text since their last move; returns it. */
  adminSees(pattern: RegExp): Promise<string>;
  /** A staff member types `text` where staff work (the staff channel; the staff pane). */
  staffSays(text: string): Promise<void>;
  /**
   * A button of the latest staff message that has one. `inputs` fills that message's form
   * inputs by id; `inputs.reason` goes to the reason input (Slack: the reason modal).
   */
  staffClicks(label: RegExp, inputs?: Record<string, string>): Promise<void>;
  /** Waits until the staff channel shows matching text since the staff's last move; returns it. */
  staffSees(pattern: RegExp): Promise<string>;
  close(): Promise<void>;
};

/** A button as a driver found it, and how to press it on that channel. */
export type Pressable = { label: string; action: string; press(inputs?: Record<string, string>): Promise<void> };

/** One bot message (or a new version of it, after an update) in a transcript. */
export type Entry = { id: string; text: string; buttons: Pressable[]; superseded?: boolean };

const DEFAULT_TIMEOUT_MS = 10_000;

export async function waitUntil<T>(probe: () => Promise<T | undefined> | T | undefined, what: () => string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 25));
  }
}

const matches = (button: Pressable, wanted: string | RegExp) => (typeof wanted === 'string' ? button.label === wanted || button.action === wanted : wanted.test(button.label));

/**
 * What one participant saw, in order. `pull` brings in what the channel's fake received
 * since the last pull; `mark` (before each move) makes `sees` look only at what follows.
 */
export class Transcript {
  readonly entries: Entry[] = [];
  private cursor = 0;

  constructor(
    private readonly who: string,
    private readonly pull: () => Promise<void> | void,
  ) {}

  add(entry: Entry): void {
    for (const e of this.entries) if (e.id === entry.id) e.superseded = true;
    this.entries.push(entry);
  }

  async mark(): Promise<void> {
    await this.pull();
    this.cursor = this.entries.length;
  }

  async sees(pattern: RegExp, timeoutMs?: number): Promise<string> {
    return waitUntil(
      async () => {
        await this.pull();
        return this.entries.slice(this.cursor).find((e) => pattern.test(e.text))?.text;
      },
      () => `${this.who} never saw ${pattern}; since the last move:\n${this.dump(this.cursor)}`,
      timeoutMs,
    );
  }

  /** The button of the latest (current) message that has one matching. */
  async button(wanted: string | RegExp): Promise<Pressable> {
    return waitUntil(
      async () => {
        await this.pull();
        for (const e of [...this.entries].reverse()) {
          if (e.superseded) continue;
          const b = e.buttons.find((x) => matches(x, wanted));
          if (b) return b;
        }
        return undefined;
      },
      () => `${this.who}: no button ${String(wanted)} in:\n${this.dump(Math.max(0, this.entries.length - 6))}`,
    );
  }

  /** Finds the button, marks, presses. */
  async click(wanted: string | RegExp, inputs?: Record<string, string>): Promise<void> {
    const button = await this.button(wanted);
    await this.mark();
    await button.press(inputs);
  }

  dump(from = 0): string {
    return this.entries
      .slice(from)
      .map((e) => `- ${e.superseded ? '(old) ' : ''}${e.text.replace(/\n/g, ' ⏎ ').slice(0, 220)}${e.buttons.length ? ` [${e.buttons.map((b) => b.label).join(' | ')}]` : ''}`)
      .join('\n');
  }
}

/** Buttons of Adaptive Cards (Teams: `Action.Execute`; Web Chat: `Action.Submit`), wherever they sit. */
export function cardActions(content: unknown, type: 'Action.Execute' | 'Action.Submit'): Array<{ title: string; verb: string; data: Record<string, unknown> }> {
  const found: Array<{ title: string; verb: string; data: Record<string, unknown> }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record['type'] === type && typeof record['title'] === 'string') {
      const data = (typeof record['data'] === 'object' && record['data'] !== null ? record['data'] : {}) as Record<string, unknown>;
      found.push({ title: record['title'], verb: String(record['verb'] ?? data['action'] ?? ''), data });
      return;
    }
    // `refresh` is not a button.
    for (const [key, value] of Object.entries(record)) if (key !== 'refresh') walk(value);
  };
  walk(content);
  return found;
}
