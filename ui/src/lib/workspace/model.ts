// The main screen's data and how console events change it. Pure functions, so the logic is
// unit-tested without a WebView; `store.svelte.ts` wraps them in reactive state.
import type {
  Connection,
  ConsoleEvent,
  ConversationId,
  ConversationView,
  FormView,
  MaskedSpan,
  MessageView,
  QueueEntry,
  Snapshot,
  Availability,
} from '../../ipc';

export interface WorkspaceData {
  forms: Record<ConversationId, FormView[]>;
  queue: QueueEntry[];
  queueTotal: number;
  conversations: ConversationView[];
  /** The transcripts loaded into the page: the selected conversation and a few recent ones. */
  messages: LoadedMessages;
  connection: Connection;
  availability: Availability;
  selected: ConversationId | null;
}

/** How many conversations keep their transcript in the page (the rest reload from the cache). */
export const LOADED_CONVERSATIONS = 3;

/** A transcript held by the page: its latest messages, oldest first, and whether more precede. */
interface Transcript {
  list: MessageView[];
  /** Whether the cache holds messages before `list[0]` that were not loaded yet. */
  earlier: boolean;
}

/**
 * The transcripts held by the page, most recently used first, at most `LOADED_CONVERSATIONS`.
 * Each holds the end of its conversation and grows upwards as the agent scrolls up.
 * Immutable: every change returns a new holder, and the lists inside are never changed in place.
 * Being a class instance rather than a plain object, Svelte stores it as it is instead of wrapping
 * every message in a reactive proxy, which for 10,000-message transcripts costs far more memory
 * than the messages themselves; reassigning `data.messages` is what the page reacts to.
 */
export class LoadedMessages {
  private constructor(private readonly entries: ReadonlyArray<[ConversationId, Transcript]>) {}

  static empty(): LoadedMessages {
    return new LoadedMessages([]);
  }

  get(id: ConversationId): MessageView[] | undefined {
    return this.entries.find(([held]) => held === id)?.[1].list;
  }

  has(id: ConversationId): boolean {
    return this.get(id) !== undefined;
  }

  /** Whether messages before the held ones remain to be loaded. */
  hasEarlier(id: ConversationId): boolean {
    return this.entries.find(([held]) => held === id)?.[1].earlier ?? false;
  }

  /** The conversations held, most recently used first. */
  ids(): ConversationId[] {
    return this.entries.map(([id]) => id);
  }

  /**
   * Holds `list` for `id` (with `earlier` when older messages were not loaded), as the most
   * recently used, dropping the least recently used.
   */
  with(id: ConversationId, list: MessageView[], earlier = this.hasEarlier(id)): LoadedMessages {
    const others = this.entries.filter(([held]) => held !== id);
    const entry: [ConversationId, Transcript] = [id, { list, earlier }];
    return new LoadedMessages([entry, ...others].slice(0, LOADED_CONVERSATIONS));
  }

  /** Drops the transcripts of `ids`. */
  without(ids: ConversationId[]): LoadedMessages {
    return new LoadedMessages(this.entries.filter(([held]) => !ids.includes(held)));
  }

  /**
   * Replaces the list of a held conversation without changing the order (and `earlier`, when
   * given); ignores others.
   */
  update(
    id: ConversationId,
    change: (list: MessageView[]) => MessageView[],
    earlier?: boolean,
  ): LoadedMessages {
    if (!this.has(id)) return this;
    return new LoadedMessages(
      this.entries.map(([held, transcript]) => [
        held,
        held === id
          ? { list: change(transcript.list), earlier: earlier ?? transcript.earlier }
          : transcript,
      ]),
    );
  }
}

export function emptyWorkspace(): WorkspaceData {
  return {
    forms: {},
    queue: [],
    queueTotal: 0,
    conversations: [],
    messages: LoadedMessages.empty(),
    connection: { status: 'offline' },
    availability: 'away',
    selected: null,
  };
}

export function fromSnapshot(snapshot: Snapshot, selected: ConversationId | null): WorkspaceData {
  return {
    forms: {},
    queue: snapshot.queue,
    queueTotal: snapshot.queueTotal,
    conversations: sortConversations(snapshot.conversations),
    messages: LoadedMessages.empty(),
    connection: snapshot.connection,
    availability: snapshot.availability,
    selected,
  };
}

/** Open conversations first, then most recent activity first. */
export function sortConversations(list: ConversationView[]): ConversationView[] {
  return [...list].sort((a, b) => (a.open !== b.open ? (a.open ? -1 : 1) : b.lastAt - a.lastAt));
}

/** Adds a message or replaces the copy with the same id (pending → delivered). */
export function upsertMessage(list: MessageView[], message: MessageView): MessageView[] {
  const index = list.findIndex((m) => m.id === message.id);
  if (index >= 0) {
    const next = list.slice();
    next[index] = message;
    return next;
  }
  return [...list, message];
}

/** Adds a form or updates it (submitted fields arrive without the request's expiry). */
export function upsertForm(list: FormView[], form: FormView): FormView[] {
  const index = list.findIndex((f) => f.formId === form.formId);
  if (index < 0) return [...list, form];
  const next = list.slice();
  const held = next[index];
  const definition = form.definition ?? held?.definition;
  next[index] = {
    ...form,
    expiresAt: form.expiresAt || (held?.expiresAt ?? 0),
    ...(definition ? { definition } : {}),
  };
  return next;
}

/** The loaded history with the messages that arrived meanwhile (newer copies win). */
export function mergeMessages(loaded: MessageView[], arrived: MessageView[]): MessageView[] {
  let merged = loaded;
  for (const message of arrived) merged = upsertMessage(merged, message);
  return merged;
}

/**
 * The end of a transcript just loaded, merged with what the page held: the messages held
 * before the loaded ones (pages loaded while scrolling up) stay in front, and held copies of the
 * rest win, as in `mergeMessages`.
 */
export function mergeLoaded(loaded: MessageView[], held: MessageView[]): MessageView[] {
  const first = loaded[0];
  const at = first ? held.findIndex((m) => m.id === first.id) : -1;
  if (at <= 0) return mergeMessages(loaded, held);
  return [...held.slice(0, at), ...mergeMessages(loaded, held.slice(at))];
}

/** An earlier page put in front of the held messages (any it repeats are dropped). */
export function prependMessages(older: MessageView[], held: MessageView[]): MessageView[] {
  const ids = new Set(held.map((m) => m.id));
  return [...older.filter((m) => !ids.has(m.id)), ...held];
}

/** Applies one event. Returns the same object, changed in place (Svelte tracks the fields). */
export function applyEvent(data: WorkspaceData, event: ConsoleEvent): WorkspaceData {
  switch (event.type) {
    case 'connection':
      data.connection = event.connection;
      break;
    case 'queue':
      data.queue = event.waiting;
      data.queueTotal = event.total;
      break;
    case 'conversation': {
      const others = data.conversations.filter((c) => c.id !== event.conversation.id);
      data.conversations = sortConversations([...others, event.conversation]);
      break;
    }
    case 'form': {
      const id = event.form.conversationId;
      data.forms[id] = upsertForm(data.forms[id] ?? [], event.form);
      break;
    }
    case 'forgotten': {
      // The hub deleted these conversations (erasure or retention): nothing of them stays.
      const gone = event.conversations;
      data.conversations = data.conversations.filter((c) => !gone.includes(c.id));
      data.queue = data.queue.filter((q) => !gone.includes(q.conversationId));
      data.messages = data.messages.without(gone);
      for (const id of gone) delete data.forms[id];
      if (data.selected && gone.includes(data.selected)) data.selected = null;
      break;
    }
    case 'message': {
      const id = event.message.conversationId;
      // Only conversations already loaded keep messages; others load on selection.
      if (data.messages.has(id)) {
        data.messages = data.messages.update(id, (held) => upsertMessage(held, event.message));
      }
      break;
    }
    default:
      break;
  }
  return data;
}

export interface Segment {
  text: string;
  /** The PII kind when this part is masked. */
  kind: string | null;
  /** Index of the span in the message's `spans` (for a reveal), when masked. */
  span: number | null;
  /** Whether the hub holds the original. */
  revealable: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Splits masked text at its spans, whose offsets are UTF-8 byte offsets. Spans out of range or
 * overlapping are ignored rather than trusted.
 */
export function segments(text: string, spans: MaskedSpan[]): Segment[] {
  const plain = (part: string): Segment => ({
    text: part,
    kind: null,
    span: null,
    revealable: false,
  });
  if (spans.length === 0) return [plain(text)];
  const bytes = encoder.encode(text);
  const out: Segment[] = [];
  let at = 0;
  const ordered = spans
    .map((span, index) => ({ span, index }))
    .sort((a, b) => a.span.start - b.span.start);
  for (const { span, index } of ordered) {
    if (span.start < at || span.end > bytes.length || span.end <= span.start) continue;
    if (span.start > at) out.push(plain(decoder.decode(bytes.subarray(at, span.start))));
    out.push({
      text: decoder.decode(bytes.subarray(span.start, span.end)),
      kind: span.kind,
      span: index,
      revealable: span.revealable,
    });
    at = span.end;
  }
  if (at < bytes.length) out.push(plain(decoder.decode(bytes.subarray(at))));
  return out;
}

/** Minutes a visitor has waited, for the queue. */
export function waitedMinutes(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 60000));
}

export interface TextPart {
  text: string;
  /** Set when this part is an https link. */
  url: string | null;
}

const LINK = /https:\/\/[^\s<>"'`]+/g;

/** Splits plain text into words and https links (trailing punctuation stays text). */
export function linkParts(text: string): TextPart[] {
  const out: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    let url = match[0];
    while (/[.,;:!?)\]]$/.test(url)) url = url.slice(0, -1);
    const start = match.index ?? 0;
    if (start > at) out.push({ text: text.slice(at, start), url: null });
    out.push({ text: url, url });
    at = start + url.length;
  }
  if (at < text.length) out.push({ text: text.slice(at), url: null });
  return out;
}

/** The host a link really goes to, as the browser sees it (IDNs in their `xn--` form). */
export function linkHost(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && !parsed.username && !parsed.password
      ? parsed.host
      : null;
  } catch {
    return null;
  }
}
