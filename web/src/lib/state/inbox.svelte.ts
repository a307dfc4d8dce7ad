/** The conversation list, the open thread, and sending from the composer. */
import { api as defaultApi, type Api, type Conversation, type OutgoingAttachment, type Thread } from "../api";

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export class InboxState {
  items = $state<Conversation[]>([]);
  total = $state(0);
  query = $state("");
  /** The public address whose conversations are listed; "" for all of them. */
  address = $state("");
  selectedId = $state<string | null>(null);
  thread = $state<Thread | null>(null);
  loading = $state(false);
  error = $state("");
  sending = $state(false);
  progress = $state(0);

  selectedIndex = $derived(this.items.findIndex((c) => c.id === this.selectedId));
  hasMore = $derived(this.items.length < this.total);

  constructor(private api: Pick<Api, "conversations" | "thread" | "send"> = defaultApi) {}

  async load(more = false) {
    this.loading = true;
    this.error = "";
    try {
      const page = await this.api.conversations(this.query, more ? this.items.length : 0, this.address);
      this.items = more ? [...this.items, ...page.items] : page.items;
      this.total = page.total;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.loading = false;
    }
  }

  async search(query: string) {
    this.query = query;
    await this.load();
  }

  async showAddress(address: string) {
    this.address = address;
    await this.load();
  }

  async open(id: string) {
    this.selectedId = id;
    this.error = "";
    try {
      this.thread = await this.api.thread(id);
      const item = this.items.find((c) => c.id === id);
      if (item) item.unread = 0;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** j/k: the next or previous conversation, opened. */
  async move(delta: number) {
    if (!this.items.length) return;
    const next = Math.min(this.items.length - 1, Math.max(0, (this.selectedIndex < 0 ? -1 : this.selectedIndex) + delta));
    await this.open(this.items[next].id);
  }

  /** The reply text, optionally quoting the last message as a mail client would. */
  static compose(text: string, quoteFrom: { name: string; text: string } | null): string {
    if (!quoteFrom || !quoteFrom.text.trim()) return text;
    const quoted = quoteFrom.text.trimEnd().split(/\r?\n/).map((l) => `> ${l}`).join("\n");
    return `${text}\n\n${quoteFrom.name}:\n${quoted}\n`;
  }

  async send(input: { subject?: string; text: string; html?: string; attachments: OutgoingAttachment[] }): Promise<boolean> {
    if (!this.thread) return false;
    const size = input.attachments.reduce((n, a) => n + Math.floor((a.contentBase64.length * 3) / 4), 0);
    if (size > MAX_ATTACHMENT_BYTES) {
      this.error = "attachments_too_large";
      return false;
    }
    this.sending = true;
    this.progress = 0;
    this.error = "";
    try {
      await this.api.send(this.thread.id, input, (f) => (this.progress = f));
      await this.open(this.thread.id);
      await this.load();
      return true;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return false;
    } finally {
      this.sending = false;
    }
  }
}

export const inbox = new InboxState();
