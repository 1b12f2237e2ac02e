// Generated from crates/console-core/src/ipc.rs by `make bindings`. Do not edit.

import type { AgentProfile, Author, Availability, ConversationId, CustomForm, FormId, FormKind, MaskedField, MaskedSpan, MessageId, QueueEntry, Seq, LiveSession, TrainingGate } from './protocol';

export type BuildKind = "debug" | "release";

export type CaptureProtection = "enforced" | "unsupported";

export type AppInfo = { 
/**
 * Display name of the product.
 */
product: string, 
/**
 * Semantic version of the console.
 */
version: string, 
/**
 * Debug or release build.
 */
buildKind: BuildKind, 
/**
 * Keychain namespace used by this build (dev and release differ).
 */
keychainNamespace: string, 
/**
 * Operating system (`linux`, `macos`, `windows`).
 */
platform: string, 
/**
 * Whether the OS keeps the window out of screenshots and screen sharing.
 */
captureProtection: CaptureProtection, };

export type IpcErrorCode = "invalidInput" | "internal" | "wrongState" | "invalidHubUrl" | "hubUnreachable" | "tls" | "timeout" | "invalidCredentials" | "totpInvalid" | "totpReplayed" | "challengeExpired" | "tooManyAttempts" | "lockedOut" | "ipNotAllowed" | "sessionExpired" | "forbidden" | "keychainUnavailable" | "keychainLocked" | "cacheUnreadable" | "unlockFailed" | "demoFailed" | "hubFailed" | "notFound" | "enrollmentInvalid" | "passwordRejected" | "clipboardUnavailable" | "packInvalid" | "trainingOutdated" | "liveSessionNotFound";

export type IpcError = { 
/**
 * What kind of failure this is.
 */
code: IpcErrorCode, 
/**
 * A short, safe description.
 */
message: string, 
/**
 * For `tooManyAttempts`: seconds to wait.
 */
retryAfterSecs?: number, 
/**
 * For `lockedOut`: until when (Unix milliseconds).
 */
lockedUntil?: number, 
/**
 * For `passwordRejected`: each reason as a code plus parameters, for the UI to translate.
 */
rejections?: Array<{ code: string } & Record<string, unknown>>, 
/**
 * For `packInvalid`: every problem, as `file:line: problem`.
 */
issues?: Array<string>, };

export type UiErrorSource = "uncaught" | "unhandledRejection";

export type UiErrorReport = { 
/**
 * Where it came from.
 */
source: UiErrorSource, 
/**
 * The error's message. May contain anything the page held, so it is scrubbed on the way
 * into the log and cut to [`MAX_UI_ERROR_CHARS`].
 */
message: string, };

export type Phase = "setup" | "signedOut" | "totp" | "enroll" | "active" | "locked";

export type DemoInfo = { 
/**
 * The demo agent's username.
 */
username: string, 
/**
 * The demo agent's password.
 */
password: string, };

export type DemoCode = { 
/**
 * Six digits.
 */
code: string, 
/**
 * Seconds until the next code.
 */
secondsLeft: number, };

export type ConsoleState = { 
/**
 * Which screen.
 */
phase: Phase, 
/**
 * The hub's address (`None` before setup; `demo` shows the embedded hub).
 */
hub: string | null, 
/**
 * Set when the embedded demo hub is in use.
 */
demo: DemoInfo | null, 
/**
 * Who is signed in (active or locked).
 */
profile: AgentProfile | null, 
/**
 * The username last used on this hub, to prefill the form.
 */
lastUsername: string | null, 
/**
 * Idle time before the screen locks, in seconds.
 */
idleLockSecs: number, 
/**
 * The language the agent chose last time (none: follow the OS).
 */
locale: string | null, };

export type QrCode = { 
/**
 * Modules per side.
 */
size: number, 
/**
 * Row-major: `true` is a dark module.
 */
dark: Array<boolean>, };

export type SignInStep = { "step": "totp" } | { "step": "enroll", 
/**
 * The enrollment URI as a QR code.
 */
qr: QrCode, 
/**
 * The secret in base32, for typing into an app by hand.
 */
secret: string, };

export type SignedIn = { 
/**
 * Who.
 */
profile: AgentProfile, 
/**
 * Recovery codes, present once, right after enrollment: shown once, never stored.
 */
recoveryCodes: Array<string>, };

export type Connection = { "status": "offline" } | { "status": "connecting", 
/**
 * Failed attempts since the last success.
 */
attempt: number, } | { "status": "online" } | { "status": "waiting", 
/**
 * Milliseconds until the next attempt.
 */
retryInMs: number, };

export type Delivery = "pending" | "delivered" | "failed";

export type MessageView = { 
/**
 * Its conversation.
 */
conversationId: ConversationId, 
/**
 * Client-generated id.
 */
id: MessageId, 
/**
 * Position once the hub stored it.
 */
seq: Seq | null, 
/**
 * Who wrote it.
 */
author: Author, 
/**
 * Masked text.
 */
text: string, 
/**
 * Masked regions of `text` (UTF-8 byte offsets).
 */
spans: Array<MaskedSpan>, 
/**
 * When it was stored (or queued, while pending), Unix milliseconds.
 */
sentAt: number, 
/**
 * Written by this agent.
 */
own: boolean, 
/**
 * Delivery state.
 */
delivery: Delivery, };

export type ConversationView = { 
/**
 * Id.
 */
id: ConversationId, 
/**
 * The visitor's language.
 */
locale: string, 
/**
 * Still open.
 */
open: boolean, 
/**
 * Messages from the visitor not yet seen.
 */
unread: number, 
/**
 * Last activity (Unix milliseconds).
 */
lastAt: number, 
/**
 * The last message, masked, cut short.
 */
preview: string, 
/**
 * Messages held.
 */
messageCount: number, 
/**
 * The visitor is typing.
 */
typing: boolean, 
/**
 * The privacy notice version the visitor acknowledged.
 */
privacyNotice: string | null, 
/**
 * When they acknowledged it (Unix milliseconds).
 */
privacyAcknowledgedAt: number | null, };

export type Snapshot = { 
/**
 * Waiting visitors (the first page).
 */
queue: Array<QueueEntry>, 
/**
 * How many are waiting in all.
 */
queueTotal: number, 
/**
 * The agent's conversations, most recent first.
 */
conversations: Array<ConversationView>, 
/**
 * The connection.
 */
connection: Connection, 
/**
 * Routable or away.
 */
availability: Availability, 
/**
 * The hub's latest decision on live work (`None` until it sent one).
 */
trainingGate: TrainingGate | null, 
/**
 * The live training session this agent runs or joined, as last pushed.
 */
liveTraining: LiveSession | null, };

export type SendOutcome = { "outcome": "queued", 
/**
 * The message as it will appear.
 */
message: MessageView, } | { "outcome": "confirm", 
/**
 * What was found (`credit_card`, `es_dni`, …).
 */
kinds: Array<string>, } | { "outcome": "blocked", 
/**
 * The kinds the policy forbids that were found.
 */
kinds: Array<string>, };

export type NoticeCode = "sessionEnded" | "idleLocked" | "screenLocked" | "wipedAfterFailures" | "remoteWiped" | "sendFailed" | "cacheFailed" | "formUnavailable";

export type ConsoleEvent = { "type": "state", 
/**
 * The new state.
 */
state: ConsoleState, } | { "type": "connection", 
/**
 * The new status.
 */
connection: Connection, } | { "type": "queue", 
/**
 * The first page.
 */
waiting: Array<QueueEntry>, 
/**
 * How many in all.
 */
total: number, } | { "type": "conversation", 
/**
 * Its new state.
 */
conversation: ConversationView, } | { "type": "message", 
/**
 * The message.
 */
message: MessageView, } | { "type": "form", 
/**
 * Its state.
 */
form: FormView, } | { "type": "forgotten", 
/**
 * Their ids.
 */
conversations: Array<ConversationId>, } | { "type": "trainingGate", 
/**
 * May the agent take live chats, and what blocks it.
 */
gate: TrainingGate, } | { "type": "liveTraining", 
/**
 * Its state as this agent may see it.
 */
session: LiveSession, } | { "type": "notice", 
/**
 * What happened.
 */
code: NoticeCode, };

export type RevealedValue = { 
/**
 * The original text.
 */
value: string, 
/**
 * Its PII kind.
 */
kind: string, 
/**
 * Seconds to show it.
 */
visibleSecs: number, 
/**
 * Whether the hub's policy lets this agent copy it (`copy_revealed`).
 */
copyAllowed: boolean, };

export type FormView = { 
/**
 * The conversation.
 */
conversationId: ConversationId, 
/**
 * The form.
 */
formId: FormId, 
/**
 * What it asks for.
 */
kind: FormKind, 
/**
 * When it stops accepting values, or its values go (Unix milliseconds).
 */
expiresAt: number, 
/**
 * Empty until the visitor submits; then masked.
 */
fields: Array<MaskedField>, 
/**
 * A custom form's definition (title, labels, which fields show once), from its request.
 */
definition?: CustomForm, };

export type SearchResult = { 
/**
 * Its conversation.
 */
conversationId: string, 
/**
 * The message.
 */
messageId: string, 
/**
 * Masked text.
 */
text: string, 
/**
 * When it was sent (Unix milliseconds).
 */
sentAt: number, 
/**
 * The conversation is in this session's list (it can be opened).
 */
openHere: boolean, };

/** Every command the Rust side registers. */
export const COMMANDS = ["app_info", "report_ui_error", "console_state", "start_demo", "demo_code", "set_hub", "sign_in", "verify_code", "sign_out", "subscribe_events", "snapshot", "conversation_messages", "focus_conversation", "accept_conversation", "close_conversation", "set_availability", "send_message", "note_activity", "lock_console", "unlock_console", "unlock_with_code", "copy_revealed", "reveal_value", "request_form", "conversation_forms", "reveal_form_field", "check_password", "enroll", "set_locale", "search_messages", "open_link", "transfer_targets", "transfer_conversation", "training_overview", "training_lesson", "training_submit_quiz", "training_start_drill", "training_drill_act", "training_certificates", "training_live_join", "training_live_answer", "training_live_session", "trainer_packs", "trainer_import_pack", "trainer_trainees", "trainer_cohorts", "trainer_save_cohort", "trainer_assign", "trainer_dashboard", "trainer_export_csv", "trainer_live_start", "trainer_live_control"] as const;
