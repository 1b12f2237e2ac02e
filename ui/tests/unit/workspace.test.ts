import { describe, expect, it } from 'vitest';
import type { ConversationView, MessageView } from '../../src/ipc';
import {
  applyEvent,
  LOADED_CONVERSATIONS,
  LoadedMessages,
  emptyWorkspace,
  linkHost,
  linkParts,
  mergeLoaded,
  mergeMessages,
  prependMessages,
  upsertForm,
  segments,
  sortConversations,
  upsertMessage,
  waitedMinutes,
} from '../../src/lib/workspace/model';

function conversation(id: string, open: boolean, lastAt: number, unread = 0): ConversationView {
  return {
    id,
    locale: 'en',
    open,
    unread,
    lastAt,
    preview: '',
    messageCount: 0,
    typing: false,
    privacyNotice: null,
    privacyAcknowledgedAt: null,
  };
}

function message(id: string, text: string, delivery: MessageView['delivery']): MessageView {
  return {
    conversationId: 'c1',
    id,
    seq: null,
    author: { kind: 'visitor' },
    text,
    spans: [],
    sentAt: 1,
    own: false,
    delivery,
  };
}

describe('segments', () => {
  it('splits at UTF-8 byte offsets, not UTF-16 indices', () => {
    // "ñ" is two bytes: the span starts at byte 10, character 9.
    const text = 'Mi tarjeta ñ •••• 1111 ok';
    const start = new TextEncoder().encode('Mi tarjeta ñ ').length;
    const end = start + new TextEncoder().encode('•••• 1111').length;
    const parts = segments(text, [{ start, end, kind: 'credit_card', revealable: false }]);
    expect(parts).toEqual([
      { text: 'Mi tarjeta ñ ', kind: null, span: null, revealable: false },
      { text: '•••• 1111', kind: 'credit_card', span: 0, revealable: false },
      { text: ' ok', kind: null, span: null, revealable: false },
    ]);
  });

  it('ignores spans that are out of range or overlap', () => {
    const parts = segments('abc', [
      { start: 0, end: 2, kind: 'email', revealable: false },
      { start: 1, end: 3, kind: 'email', revealable: false },
      { start: 2, end: 99, kind: 'email', revealable: false },
    ]);
    expect(parts).toEqual([
      { text: 'ab', kind: 'email', span: 0, revealable: false },
      { text: 'c', kind: null, span: null, revealable: false },
    ]);
    expect(segments('plain', [])).toEqual([
      { text: 'plain', kind: null, span: null, revealable: false },
    ]);
  });
});

describe('workspace events', () => {
  it('keeps open conversations first, newest first, and replaces updated ones', () => {
    const data = emptyWorkspace();
    applyEvent(data, { type: 'conversation', conversation: conversation('a', true, 1) });
    applyEvent(data, { type: 'conversation', conversation: conversation('b', false, 9) });
    applyEvent(data, { type: 'conversation', conversation: conversation('c', true, 5) });
    applyEvent(data, { type: 'conversation', conversation: conversation('a', true, 7, 2) });
    expect(data.conversations.map((c) => c.id)).toEqual(['a', 'c', 'b']);
    expect(data.conversations[0]?.unread).toBe(2);
    expect(
      sortConversations([conversation('x', false, 1), conversation('y', true, 0)])[0]?.id,
    ).toBe('y');
  });

  it('replaces a pending message by its delivered copy and keeps messages of loaded conversations only', () => {
    const data = emptyWorkspace();
    applyEvent(data, { type: 'message', message: message('m1', 'hi', 'delivered') });
    expect(data.messages.get('c1')).toBeUndefined();
    data.messages = data.messages.with('c1', [message('m1', 'card ••••1111', 'pending')]);
    const before = data.messages;
    applyEvent(data, { type: 'message', message: message('m1', 'card ••••1111', 'delivered') });
    applyEvent(data, { type: 'message', message: message('m2', 'thanks', 'delivered') });
    // A new holder each time (what the page reacts to); the old one is unchanged.
    expect(data.messages).not.toBe(before);
    expect(before.get('c1')?.map((m) => m.delivery)).toEqual(['pending']);
    expect(data.messages.get('c1')?.map((m) => [m.id, m.delivery])).toEqual([
      ['m1', 'delivered'],
      ['m2', 'delivered'],
    ]);
    expect(upsertMessage([], message('m3', 'x', 'failed'))).toHaveLength(1);
  });

  it('drops every trace of conversations the hub deleted', () => {
    const data = emptyWorkspace();
    applyEvent(data, { type: 'conversation', conversation: conversation('gone', true, 1, 1) });
    applyEvent(data, { type: 'conversation', conversation: conversation('kept', true, 2) });
    data.messages = data.messages.with('gone', [message('m1', 'x', 'delivered')]);
    data.messages = data.messages.with('kept', [message('m2', 'y', 'delivered')]);
    data.forms['gone'] = [];
    data.selected = 'gone';
    data.queue = [{ conversationId: 'gone', visitorName: 'Ana', waitingSince: 0, locale: 'es' }];
    applyEvent(data, { type: 'forgotten', conversations: ['gone', 'never-held'] });
    expect(data.queue).toEqual([]);
    expect(data.conversations.map((c) => c.id)).toEqual(['kept']);
    expect(data.messages.ids()).toEqual(['kept']);
    expect('gone' in data.forms).toBe(false);
    expect(data.selected).toBeNull();
  });

  it('tracks the queue and the connection', () => {
    const data = emptyWorkspace();
    applyEvent(data, {
      type: 'queue',
      waiting: [{ conversationId: 'q', visitorName: null, waitingSince: 0, locale: 'es' }],
      total: 4,
    });
    applyEvent(data, { type: 'connection', connection: { status: 'waiting', retryInMs: 800 } });
    expect(data.queueTotal).toBe(4);
    expect(data.queue[0]?.conversationId).toBe('q');
    expect(data.connection).toEqual({ status: 'waiting', retryInMs: 800 });
    expect(waitedMinutes(0, 150_000)).toBe(2);
    expect(waitedMinutes(10, 0)).toBe(0);
  });
});

describe('loading a conversation', () => {
  it('keeps the transcripts of the most recently used conversations only', () => {
    let held = LoadedMessages.empty();
    for (const id of ['a', 'b', 'c', 'd'])
      held = held.with(id, [message(`${id}1`, id, 'delivered')]);
    expect(held.ids()).toEqual(['d', 'c', 'b']);
    expect(held.has('a')).toBe(false);
    // Using a held one again moves it to the front; updating one does not reorder.
    held = held.with('b', held.get('b') ?? []);
    expect(held.ids()).toEqual(['b', 'd', 'c']);
    held = held.update('c', (list) => [...list, message('c2', 'more', 'delivered')]);
    expect(held.ids()).toEqual(['b', 'd', 'c']);
    expect(held.get('c')?.map((m) => m.id)).toEqual(['c1', 'c2']);
    // Updating a conversation that is not held changes nothing.
    expect(held.update('a', () => [message('a9', 'x', 'delivered')])).toBe(held);
    expect(LOADED_CONVERSATIONS).toBe(3);
  });

  it('keeps messages that arrived while its history was loading', () => {
    const loaded = [message('m1', 'hola', 'delivered')];
    const arrived = [message('m2', 'sigo aquí', 'delivered'), message('m1', 'hola', 'delivered')];
    expect(mergeMessages(loaded, arrived).map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(mergeMessages([], arrived)).toHaveLength(2);
  });

  it('remembers whether earlier messages remain to be loaded', () => {
    let held = LoadedMessages.empty().with('a', [message('a5', 'x', 'delivered')], true);
    expect(held.hasEarlier('a')).toBe(true);
    expect(held.hasEarlier('b')).toBe(false);
    // Using it again or updating its list keeps the flag unless a new one is given.
    held = held.with('b', []).with('a', held.get('a') ?? []);
    expect(held.hasEarlier('a')).toBe(true);
    held = held.update('a', (list) => [message('a4', 'y', 'delivered'), ...list]);
    expect(held.hasEarlier('a')).toBe(true);
    held = held.update('a', (list) => list, false);
    expect(held.hasEarlier('a')).toBe(false);
    expect(held.get('a')?.map((m) => m.id)).toEqual(['a4', 'a5']);
  });

  it('puts an earlier page in front of the held messages without repeating any', () => {
    const held = [message('m3', 'c', 'delivered'), message('m4', 'd', 'delivered')];
    const older = [message('m1', 'a', 'delivered'), message('m2', 'b', 'delivered')];
    expect(prependMessages(older, held).map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    const overlapping = [...older, message('m3', 'stale', 'delivered')];
    const merged = prependMessages(overlapping, held);
    expect(merged.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(merged[2]?.text).toBe('c');
    expect(prependMessages([], held)).toEqual(held);
  });

  it('keeps the pages loaded by scrolling up when the end is loaded again', () => {
    const ids = (list: MessageView[]) => list.map((m) => m.id);
    // Held: two earlier pages and the end; reloaded: the end, with a message since.
    const held = ['m1', 'm2', 'm3', 'm4'].map((id) => message(id, id, 'delivered'));
    const loaded = ['m3', 'm4', 'm5'].map((id) => message(id, id, 'delivered'));
    expect(ids(mergeLoaded(loaded, held))).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    // Held copies win, as for messages that arrived while loading.
    const pending = { ...message('m4', 'm4', 'pending') };
    expect(mergeLoaded(loaded, [...held.slice(0, 3), pending])[3]?.delivery).toBe('pending');
    // Held messages that are only newer (arrived while loading) go after the loaded ones.
    const arrived = [message('m6', 'm6', 'delivered')];
    expect(ids(mergeLoaded(loaded, arrived))).toEqual(['m3', 'm4', 'm5', 'm6']);
    expect(ids(mergeLoaded([], arrived))).toEqual(['m6']);
  });
});

describe('span indices', () => {
  it('keep the index of the span in the message even when spans arrive out of order', () => {
    const parts = segments('a 1 b 2', [
      { start: 6, end: 7, kind: 'phone', revealable: true },
      { start: 2, end: 3, kind: 'email', revealable: false },
    ]);
    const masked = parts.filter((p) => p.kind !== null);
    expect(masked.map((p) => [p.text, p.span, p.revealable])).toEqual([
      ['1', 1, false],
      ['2', 0, true],
    ]);
  });
});

describe('secure forms', () => {
  it('keep the expiry of the request when the submission arrives, and track each form once', () => {
    const requested = {
      conversationId: 'c1',
      formId: 'f1',
      kind: 'card' as const,
      expiresAt: 900,
      fields: [],
    };
    const submitted = {
      ...requested,
      expiresAt: 0,
      fields: [{ name: 'cardNumber', masked: '•••• 1111', revealable: true }],
    };
    const list = upsertForm(upsertForm([], requested), submitted);
    expect(list).toHaveLength(1);
    expect(list[0]?.expiresAt).toBe(900);
    expect(list[0]?.fields[0]?.masked).toBe('•••• 1111');
    const data = emptyWorkspace();
    applyEvent(data, { type: 'form', form: requested });
    applyEvent(data, { type: 'form', form: { ...requested, formId: 'f2' } });
    expect(data.forms['c1']?.map((f) => f.formId)).toEqual(['f1', 'f2']);
  });
});

describe('links in messages', () => {
  it('finds https links only, leaving trailing punctuation and other schemes as text', () => {
    expect(
      linkParts('see https://shop.example.com/o?id=7, or http://x.example and javascript:x'),
    ).toEqual([
      { text: 'see ', url: null },
      { text: 'https://shop.example.com/o?id=7', url: 'https://shop.example.com/o?id=7' },
      { text: ', or http://x.example and javascript:x', url: null },
    ]);
    expect(linkParts('plain')).toEqual([{ text: 'plain', url: null }]);
  });

  it('shows the real host and refuses credentials tricks', () => {
    expect(linkHost('https://bank.example@evil.example/login')).toBeNull();
    expect(linkHost('https://evil.example/bank.example')).toBe('evil.example');
    expect(linkHost('https://аpple.com/')).toMatch(/^xn--/);
    expect(linkHost('not a url')).toBeNull();
  });
});
