// The only module that talks to the Rust side. Components call these typed functions; they never
// import @tauri-apps/api themselves (eslint enforces it).
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AppInfo,
  ConsoleEvent,
  ConsoleState,
  DemoCode,
  IpcError,
  IpcErrorCode,
  MessageView,
  SendOutcome,
  SignedIn,
  SignInStep,
  Snapshot,
  FormView,
  RevealedValue,
  SearchResult,
  UiErrorReport,
} from './bindings';
import type {
  AgentId,
  Availability,
  ConversationId,
  FormId,
  FormKind,
  MessageId,
  RevealReason,
  TransferTarget,
} from './protocol';

export type * from './bindings';
export type {
  AgentProfile,
  Author,
  Availability,
  ConversationId,
  CustomForm,
  Localized,
  MaskedSpan,
  FormId,
  FormKind,
  MaskedField,
  MessageId,
  QueueEntry,
  RevealReason,
  TransferTarget,
} from './protocol';

const KNOWN_CODES: readonly IpcErrorCode[] = [
  'invalidInput',
  'internal',
  'wrongState',
  'invalidHubUrl',
  'hubUnreachable',
  'tls',
  'timeout',
  'invalidCredentials',
  'totpInvalid',
  'totpReplayed',
  'challengeExpired',
  'tooManyAttempts',
  'lockedOut',
  'ipNotAllowed',
  'sessionExpired',
  'forbidden',
  'keychainUnavailable',
  'keychainLocked',
  'cacheUnreadable',
  'unlockFailed',
  'demoFailed',
  'hubFailed',
  'notFound',
  'enrollmentInvalid',
  'passwordRejected',
  'packInvalid',
  'trainingOutdated',
  'liveSessionNotFound',
];

/** Narrows whatever a failed `invoke` threw into the typed error the Rust side sends. */
export function toIpcError(raw: unknown): IpcError {
  if (typeof raw === 'object' && raw !== null && 'code' in raw && 'message' in raw) {
    const { code, message } = raw as { code: unknown; message: unknown };
    if (
      typeof code === 'string' &&
      (KNOWN_CODES as readonly string[]).includes(code) &&
      typeof message === 'string'
    ) {
      const error: IpcError = { code: code as IpcErrorCode, message };
      const extra = raw as { retryAfterSecs?: unknown; lockedUntil?: unknown };
      if (typeof extra.retryAfterSecs === 'number') error.retryAfterSecs = extra.retryAfterSecs;
      if (typeof extra.lockedUntil === 'number') error.lockedUntil = extra.lockedUntil;
      const rejections = (raw as { rejections?: unknown }).rejections;
      if (Array.isArray(rejections)) {
        error.rejections = rejections.filter(
          (r): r is { code: string } & Record<string, unknown> =>
            typeof r === 'object' &&
            r !== null &&
            typeof (r as { code?: unknown }).code === 'string',
        );
      }
      const issues = (raw as { issues?: unknown }).issues;
      if (Array.isArray(issues)) {
        error.issues = issues.filter((i): i is string => typeof i === 'string');
      }
      return error;
    }
  }
  return { code: 'internal', message: 'Unexpected error from the console core' };
}

/** Invokes a core command and narrows its error (for the other modules of `ipc/`). */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toIpcError(raw);
  }
}

/** Sends a front-end error to the console's redacted log. Never throws. */
export function reportUiError(report: UiErrorReport): void {
  call<null>('report_ui_error', { report }).catch(() => {
    // Nowhere left to report to; the error already reached the devtools console in debug.
  });
}

/** Version, build kind and platform of the running console. */
export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

/** Which screen to show (starts the demo hub when the saved setting says so). */
export function consoleState(): Promise<ConsoleState> {
  return call<ConsoleState>('console_state');
}

export function startDemo(): Promise<ConsoleState> {
  return call<ConsoleState>('start_demo');
}

export function demoCode(): Promise<DemoCode> {
  return call<DemoCode>('demo_code');
}

export function setHub(url: string): Promise<ConsoleState> {
  return call<ConsoleState>('set_hub', { url });
}

export function signIn(username: string, password: string): Promise<SignInStep> {
  return call<SignInStep>('sign_in', { username, password });
}

export function verifyCode(code: string): Promise<SignedIn> {
  return call<SignedIn>('verify_code', { code });
}

export function signOut(): Promise<ConsoleState> {
  return call<ConsoleState>('sign_out');
}

/**
 * Receives every console event from now on (call again after a reload). The core sends them in
 * batches (events close together arrive in one delivery), handed over here one by one in order.
 */
export function subscribeEvents(onEvent: (event: ConsoleEvent) => void): Promise<void> {
  const channel = new Channel<ConsoleEvent[]>();
  channel.onmessage = (events) => {
    for (const event of events) onEvent(event);
  };
  return call<void>('subscribe_events', { channel });
}

export function snapshot(): Promise<Snapshot> {
  return call<Snapshot>('snapshot');
}

/** The last `limit` messages, or with `before` the `limit` messages just above that one. */
export function conversationMessages(
  conversation: ConversationId,
  limit: number,
  before: MessageId | null = null,
): Promise<MessageView[]> {
  return call<MessageView[]>('conversation_messages', { conversation, limit, before });
}

export function focusConversation(conversation: ConversationId | null): Promise<void> {
  return call<void>('focus_conversation', { conversation });
}

export function acceptConversation(conversation: ConversationId): Promise<void> {
  return call<void>('accept_conversation', { conversation });
}

export function closeConversation(conversation: ConversationId): Promise<void> {
  return call<void>('close_conversation', { conversation });
}

export function setAvailability(availability: Availability): Promise<void> {
  return call<void>('set_availability', { availability });
}

export function sendMessage(
  conversation: ConversationId,
  text: string,
  confirmed: boolean,
): Promise<SendOutcome> {
  return call<SendOutcome>('send_message', { conversation, text, confirmed });
}

/** Tells the core the agent is active (resets the idle lock). Never throws. */
export function noteActivity(): void {
  call<void>('note_activity').catch(() => {});
}

export function lockConsole(): Promise<ConsoleState> {
  return call<ConsoleState>('lock_console');
}

export function unlockConsole(password: string): Promise<ConsoleState> {
  return call<ConsoleState>('unlock_console', { password });
}

/** Copies a value revealed moments ago, where the hub's policy allows (cleared after 10 s). */
export function copyRevealed(value: string): Promise<void> {
  return call<void>('copy_revealed', { value });
}

/** Unlocks with an authenticator code, which the hub checks (a wrong one counts as a try). */
export function unlockWithCode(code: string): Promise<ConsoleState> {
  return call<ConsoleState>('unlock_with_code', { code });
}

/** Reveals one masked span for a reason; the hub checks the role and audits it. */
export function revealValue(
  conversation: ConversationId,
  message: MessageId,
  span: number,
  reason: RevealReason,
  note: string | null,
): Promise<RevealedValue> {
  return call<RevealedValue>('reveal_value', { conversation, message, span, reason, note });
}

/** Asks the visitor of an open conversation for a secure form. */
export function requestForm(conversation: ConversationId, form: FormKind): Promise<void> {
  return call<void>('request_form', { conversation, form });
}

/** The secure forms of a conversation (values masked). */
export function conversationForms(conversation: ConversationId): Promise<FormView[]> {
  return call<FormView[]>('conversation_forms', { conversation });
}

/** Reveals one field of a submitted form for a reason (audited; a CVV only once). */
export function revealFormField(
  conversation: ConversationId,
  form: FormId,
  field: string,
  reason: RevealReason,
  note: string | null,
): Promise<RevealedValue> {
  return call<RevealedValue>('reveal_form_field', { conversation, form, field, reason, note });
}

/** One reason a password is refused: a code plus parameters. */
export type PasswordHint = { code: string } & Record<string, unknown>;

/** Why a new password would be refused (live hints; the hub checks again). */
export function checkPassword(username: string, password: string): Promise<PasswordHint[]> {
  return call<PasswordHint[]>('check_password', { username, password });
}

/** Sets a new account's first password with its enrollment code. */
export function enroll(username: string, code: string, password: string): Promise<void> {
  return call<void>('enroll', { username, code, password });
}

/** Remembers the agent's language (also used for desktop notifications). Never throws. */
export function setLocale(locale: string): void {
  call<void>('set_locale', { locale }).catch(() => {});
}

/** Searches this laptop's cached (masked) messages; every word must occur. */
export function searchMessages(query: string): Promise<SearchResult[]> {
  return call<SearchResult[]>('search_messages', { query });
}

/** Opens an https link in the system browser (after the agent confirmed its host). */
export function openLink(url: string): Promise<void> {
  return call<void>('open_link', { url });
}

/** Colleagues a conversation could be handed to now. */
export function transferTargets(): Promise<TransferTarget[]> {
  return call<TransferTarget[]>('transfer_targets');
}

/** Hands an open conversation to a colleague. */
export function transferConversation(conversation: ConversationId, to: AgentId): Promise<void> {
  return call<void>('transfer_conversation', { conversation, to });
}
