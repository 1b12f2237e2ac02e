// The console's reactive state: which screen (from the core's phase), the main screen's data,
// and the actions the screens call. Events from the core arrive through one subscription.
import {
  acceptConversation,
  closeConversation,
  consoleState,
  conversationForms,
  conversationMessages,
  focusConversation,
  lockConsole,
  sendMessage,
  setAvailability,
  signOut,
  snapshot,
  subscribeEvents,
  type ConsoleEvent,
  type ConsoleState,
  type ConversationId,
  type IpcError,
  type NoticeCode,
  type SendOutcome,
} from '../../ipc';
import {
  applyEvent,
  emptyWorkspace,
  fromSnapshot,
  mergeLoaded,
  prependMessages,
  upsertMessage,
  type WorkspaceData,
} from './model';
import { i18n } from '../i18n/index.svelte';
import { trainingStore } from '../training/store.svelte';

/**
 * Messages loaded at a time: the end of a conversation when it opens, then one more page each
 * time the agent scrolls above what was loaded. Enough to fill the transcript's window (200) and
 * one slide of it, so opening a long conversation parses and keeps a few hundred messages
 * instead of all of them.
 */
export const PAGE = 300;

class ConsoleStore {
  state = $state<ConsoleState | null>(null);
  failure = $state<IpcError | null>(null);
  data = $state<WorkspaceData>(emptyWorkspace());
  notice = $state<NoticeCode | null>(null);

  async start(): Promise<void> {
    await subscribeEvents((event) => this.onEvent(event));
    const state = await consoleState();
    // The agent's own choice of language wins over the OS locale.
    if (state.locale === 'en' || state.locale === 'es') i18n.locale = state.locale;
    this.setState(state);
  }

  setState(state: ConsoleState): void {
    const wasActive = this.state?.phase === 'active';
    this.state = state;
    if (state.phase === 'active' && !wasActive) {
      if (this.notice === 'idleLocked' || this.notice === 'screenLocked') this.notice = null;
      void this.reload();
    } else if (state.phase !== 'active') {
      // Locked or signed out: drop every conversation from the page, and the training state.
      this.data = emptyWorkspace();
      trainingStore.clear();
    }
  }

  async reload(): Promise<void> {
    const selected = this.data.selected;
    const loaded = await snapshot();
    this.data = fromSnapshot(loaded, selected);
    // A reloaded page learns the gate and any live session from the core.
    trainingStore.gate = loaded.trainingGate;
    if (loaded.liveTraining) trainingStore.setLive(loaded.liveTraining);
    if (selected) await this.select(selected);
  }

  onEvent(event: ConsoleEvent): void {
    if (event.type === 'state') {
      this.setState(event.state);
      return;
    }
    if (event.type === 'notice') {
      this.notice = event.code;
      return;
    }
    if (this.state?.phase !== 'active') return;
    if (event.type === 'trainingGate') {
      trainingStore.gate = event.gate;
      return;
    }
    if (event.type === 'liveTraining') {
      trainingStore.setLive(event.session);
      return;
    }
    applyEvent(this.data, event);
  }

  get selectedConversation() {
    return this.data.conversations.find((c) => c.id === this.data.selected) ?? null;
  }

  async select(id: ConversationId | null): Promise<void> {
    this.data.selected = id;
    // Messages arriving while the history loads are kept here and merged in below.
    if (id) this.data.messages = this.data.messages.with(id, this.data.messages.get(id) ?? []);
    await focusConversation(id);
    if (!id) return;
    const [loaded, forms] = await Promise.all([
      conversationMessages(id, PAGE),
      conversationForms(id),
    ]);
    // Deleted by the hub while loading (an erasure): nothing of it may come back.
    if (!this.data.conversations.some((c) => c.id === id)) return;
    const held = this.data.messages.get(id) ?? [];
    const next = mergeLoaded(loaded, held);
    // Pages loaded earlier by scrolling up stay, and so does whether more precede them.
    const earlier =
      next[0]?.id !== loaded[0]?.id ? this.data.messages.hasEarlier(id) : loaded.length >= PAGE;
    // Another conversation may have been selected meanwhile: then only refresh a held copy.
    this.data.messages =
      this.data.selected === id
        ? this.data.messages.with(id, next, earlier)
        : this.data.messages.update(id, () => next, earlier);
    this.data.forms[id] = forms;
  }

  /** The conversations whose earlier page is being loaded (one request each at a time). */
  private loadingEarlier = new Set<ConversationId>();

  /** Loads the page before the oldest message held for `id`, when there is one. */
  async loadEarlier(id: ConversationId): Promise<void> {
    const first = this.data.messages.get(id)?.[0];
    if (!first || !this.data.messages.hasEarlier(id) || this.loadingEarlier.has(id)) return;
    this.loadingEarlier.add(id);
    try {
      const older = await conversationMessages(id, PAGE, first.id);
      this.data.messages = this.data.messages.update(
        id,
        (held) => prependMessages(older, held),
        older.length >= PAGE,
      );
    } finally {
      this.loadingEarlier.delete(id);
    }
  }

  async accept(id: ConversationId): Promise<void> {
    await acceptConversation(id);
  }

  async close(id: ConversationId): Promise<void> {
    await closeConversation(id);
  }

  async toggleAvailability(): Promise<void> {
    const next = this.data.availability === 'available' ? 'away' : 'available';
    await setAvailability(next);
    this.data.availability = next;
  }

  async send(id: ConversationId, text: string, confirmed: boolean): Promise<SendOutcome> {
    const outcome = await sendMessage(id, text, confirmed);
    if (outcome.outcome === 'queued') {
      this.data.messages = this.data.messages.update(id, (held) =>
        upsertMessage(held, outcome.message),
      );
    }
    return outcome;
  }

  async lock(): Promise<void> {
    this.setState(await lockConsole());
  }

  async signOut(): Promise<void> {
    this.setState(await signOut());
  }
}

export const consoleStore = new ConsoleStore();
