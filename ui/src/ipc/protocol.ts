// Generated from crates/protocol by `make bindings`. Do not edit.

export type MessageId = string;

export type ConversationId = string;

export type AgentId = string;

export type VisitorId = string;

export type OrgId = string;

export type Seq = number;

export type Availability = "available" | "away";

export type Author = { "kind": "visitor" } | { "kind": "agent", 
/**
 * Who.
 */
agentId: AgentId, 
/**
 * Display name shown to the visitor.
 */
displayName: string, } | { "kind": "system" };

export type MaskedSpan = { 
/**
 * Start, inclusive.
 */
start: number, 
/**
 * End, exclusive.
 */
end: number, 
/**
 * PII kind as named by `rampart-pii` (`credit_card`, `es_dni`, …).
 */
kind: string, 
/**
 * Whether the hub still holds the original so a permitted reveal can succeed.
 */
revealable: boolean, };

export type ResumePoint = { 
/**
 * The conversation.
 */
conversationId: ConversationId, 
/**
 * The last sequence number the client has; the hub sends everything after it, in order.
 */
afterSeq: Seq, };

export type QueueEntry = { 
/**
 * The waiting conversation.
 */
conversationId: ConversationId, 
/**
 * Name the visitor gave, if any (already masked by the hub).
 */
visitorName: string | null, 
/**
 * When the visitor started waiting (Unix milliseconds).
 */
waitingSince: number, 
/**
 * The visitor's language (BCP 47), for routing and canned responses.
 */
locale: string, };

export type FormId = string;

export type FormKind = "card" | "ssn" | "nationalId" | "dateOfBirth";

export type FormValue = { 
/**
 * Field name (see [`FormKind::fields`]).
 */
name: string, 
/**
 * The value.
 */
value: string, };

export type MaskedField = { 
/**
 * Field name.
 */
name: string, 
/**
 * Masked value (a card keeps its last four digits; a CVV shows nothing).
 */
masked: string, 
/**
 * The hub still holds the value (CVVs: until their one reveal).
 */
revealable: boolean, };

export type ErrorCode = "malformed" | "frameTooLarge" | "invalidUtf8" | "unknownType" | "unsupportedVersion" | "textInvalid" | "helloRequired" | "notAllowed" | "notFound" | "rateLimited" | "sessionExpired" | "internal" | "formInvalid";

export type ClientFrame = { "type": "hello", 
/**
 * The client's `PROTOCOL_VERSION`.
 */
protocolVersion: number, 
/**
 * Conversations to resume, with the last sequence number seen in each.
 */
resume: Array<ResumePoint>, } | { "type": "send", 
/**
 * Client-generated id (UUIDv7).
 */
id: MessageId, 
/**
 * Where it goes.
 */
conversationId: ConversationId, 
/**
 * The text as typed; the hub masks before storing.
 */
text: string, } | { "type": "typing", 
/**
 * Where.
 */
conversationId: ConversationId, 
/**
 * Started or stopped.
 */
active: boolean, } | { "type": "accept", 
/**
 * Which.
 */
conversationId: ConversationId, } | { "type": "transfer", 
/**
 * Which.
 */
conversationId: ConversationId, 
/**
 * To whom.
 */
toAgent: AgentId, } | { "type": "close", 
/**
 * Which.
 */
conversationId: ConversationId, } | { "type": "setAvailability", 
/**
 * The new state.
 */
availability: Availability, } | { "type": "ping", 
/**
 * Echoed back.
 */
nonce: number, } | { "type": "requestForm", 
/**
 * Where.
 */
conversationId: ConversationId, 
/**
 * What to ask for.
 */
form: FormKind, } | { "type": "submitForm", 
/**
 * Where.
 */
conversationId: ConversationId, 
/**
 * Which request.
 */
formId: FormId, 
/**
 * One value per field of the form.
 */
values: Array<FormValue>, };

export type ServerFrame = { "type": "welcome", 
/**
 * The hub's `PROTOCOL_VERSION`.
 */
protocolVersion: number, 
/**
 * When the session ends at the latest (Unix milliseconds).
 */
sessionExpiresAt: number, 
/**
 * Idle timeout of the session, in seconds.
 */
idleTimeoutSecs: number, } | { "type": "ack", 
/**
 * The client's id.
 */
id: MessageId, 
/**
 * The conversation.
 */
conversationId: ConversationId, 
/**
 * Its position.
 */
seq: Seq, } | { "type": "message", 
/**
 * The conversation.
 */
conversationId: ConversationId, 
/**
 * Position in the conversation.
 */
seq: Seq, 
/**
 * The sender's id.
 */
id: MessageId, 
/**
 * Who wrote it.
 */
author: Author, 
/**
 * Text, masked per policy.
 */
text: string, 
/**
 * Masked regions of `text`.
 */
spans: Array<MaskedSpan>, 
/**
 * When the hub stored it (Unix milliseconds).
 */
sentAt: number, } | { "type": "typing", 
/**
 * Where.
 */
conversationId: ConversationId, 
/**
 * Who.
 */
author: Author, 
/**
 * Started or stopped.
 */
active: boolean, } | { "type": "queue", 
/**
 * The oldest waiting visitors, oldest first (at most a page, so the frame stays small
 * however long the queue is).
 */
waiting: Array<QueueEntry>, 
/**
 * How many visitors are waiting in all.
 */
total: number, } | { "type": "assigned", 
/**
 * Which.
 */
conversationId: ConversationId, 
/**
 * The visitor's language.
 */
locale: string, 
/**
 * The privacy notice version the visitor acknowledged.
 */
privacyNotice?: string, 
/**
 * When they acknowledged it (Unix milliseconds).
 */
privacyAcknowledgedAt?: number, } | { "type": "agentJoined", 
/**
 * Which conversation.
 */
conversationId: ConversationId, 
/**
 * The agent's display name.
 */
displayName: string, } | { "type": "closed", 
/**
 * Which.
 */
conversationId: ConversationId, } | { "type": "sessionRevoked" } | { "type": "wipeDevice" } | { "type": "forget", 
/**
 * The conversations to drop.
 */
conversations: Array<ConversationId>, } | { "type": "error", 
/**
 * Why.
 */
code: ErrorCode, 
/**
 * Safe to show and log; never echoes the frame's content.
 */
message: string, 
/**
 * The refused message's id, when the refused frame was a `send`.
 */
id?: MessageId | null, } | { "type": "pong", 
/**
 * The ping's nonce.
 */
nonce: number, } | { "type": "formRequested", 
/**
 * Where.
 */
conversationId: ConversationId, 
/**
 * The request.
 */
formId: FormId, 
/**
 * What it asks for.
 */
form: FormKind, 
/**
 * When it stops accepting values (Unix milliseconds).
 */
expiresAt: number, } | { "type": "formSubmitted", 
/**
 * Where.
 */
conversationId: ConversationId, 
/**
 * The request.
 */
formId: FormId, 
/**
 * What it was.
 */
form: FormKind, 
/**
 * The fields, masked (empty in the visitor's receipt).
 */
fields: Array<MaskedField>, };

export type Role = "agent" | "supervisor" | "trainer" | "admin";

export type AgentProfile = { 
/**
 * Id.
 */
id: AgentId, 
/**
 * Login name.
 */
username: string, 
/**
 * Name shown to visitors.
 */
displayName: string, 
/**
 * Role.
 */
role: Role, };

export type LoginRequest = { 
/**
 * Login name.
 */
username: string, 
/**
 * Password, as typed.
 */
password: string, };

export type EnrollRequest = { 
/**
 * Login name.
 */
username: string, 
/**
 * The one-time code from `rampart-hub agent create`.
 */
enrollmentCode: string, 
/**
 * The new password.
 */
password: string, };

export type NewVisitorRequest = { 
/**
 * The visitor's language (BCP 47).
 */
locale: string, 
/**
 * The version of the privacy notice the visitor acknowledged.
 */
privacyNotice: string, };

export type VisitorSession = { 
/**
 * The visitor's conversation.
 */
conversationId: ConversationId, 
/**
 * Pseudonymous visitor id.
 */
visitorId: VisitorId, 
/**
 * Bearer token for the visitor's WebSocket.
 */
token: string, };

export type PrivacyNotice = { 
/**
 * Its version: what a new visitor sends back as the acknowledgement.
 */
version: string, 
/**
 * The notice in English.
 */
en: string, 
/**
 * The notice in Spanish.
 */
es: string, };

export type LoginStep = { "step": "totpRequired", 
/**
 * Single-use handle for the second step.
 */
challenge: string, 
/**
 * When the challenge expires (Unix milliseconds).
 */
expiresAt: number, } | { "step": "enrollmentRequired", 
/**
 * Single-use handle for the second step.
 */
challenge: string, 
/**
 * When the challenge expires (Unix milliseconds).
 */
expiresAt: number, 
/**
 * `otpauth://totp/...` URI for authenticator apps.
 */
otpauthUri: string, 
/**
 * The same URI as an SVG QR code.
 */
qrSvg: string, };

export type TotpRequest = { 
/**
 * From [`LoginStep`].
 */
challenge: string, 
/**
 * The 6- or 8-digit code.
 */
code: string, };

export type SessionGranted = { 
/**
 * Opaque bearer token (the hub stores only its hash).
 */
token: string, 
/**
 * Absolute expiry (Unix milliseconds).
 */
expiresAt: number, 
/**
 * Idle timeout in seconds.
 */
idleTimeoutSecs: number, 
/**
 * Who.
 */
agent: AgentProfile, 
/**
 * Recovery codes, present once: right after enrollment.
 */
recoveryCodes: string[], };

export type TransferTarget = { 
/**
 * Who.
 */
agentId: AgentId, 
/**
 * Their name.
 */
displayName: string, 
/**
 * Taking new conversations.
 */
available: boolean, 
/**
 * Below their conversation limit (a transfer is refused otherwise).
 */
hasRoom: boolean, };

export type RevealReason = "customerVerification" | "paymentIssue" | "fraudInvestigation" | "other";

export type RevealRequest = { 
/**
 * The conversation.
 */
conversationId: ConversationId, 
/**
 * The message holding the span.
 */
messageId: MessageId, 
/**
 * Index of the span in the message's `spans`.
 */
span: number, 
/**
 * Why.
 */
reason: RevealReason, 
/**
 * Required for `other`; at most [`MAX_REVEAL_NOTE_CHARS`]. Masked before it is audited.
 */
note?: string, };

export type FormRevealRequest = { 
/**
 * The conversation.
 */
conversationId: ConversationId, 
/**
 * The form.
 */
formId: FormId, 
/**
 * The field name.
 */
field: string, 
/**
 * Why.
 */
reason: RevealReason, 
/**
 * Required for `other`; at most [`MAX_REVEAL_NOTE_CHARS`]. Masked before it is audited.
 */
note?: string, };

export type Revealed = { 
/**
 * The original text of the span.
 */
value: string, 
/**
 * Its PII kind.
 */
kind: string, 
/**
 * How long the console may show it before masking it again, in seconds.
 */
visibleSecs: number, 
/**
 * Whether the console may copy it to the clipboard (the hub's policy for the role).
 */
copyAllowed: boolean, };

export type ApiErrorCode = "invalidCredentials" | "totpInvalid" | "totpReplayed" | "challengeExpired" | "tooManyAttempts" | "lockedOut" | "ipNotAllowed" | "unauthenticated" | "forbidden" | "enrollmentInvalid" | "passwordRejected" | "usernameTaken" | "notFound" | "privacyNotAcknowledged" | "malformed" | "internal";

export type ApiError = { 
/**
 * What went wrong.
 */
code: ApiErrorCode, 
/**
 * Safe to show and log.
 */
message: string, 
/**
 * For `tooManyAttempts`.
 */
retryAfterSecs?: number | null, 
/**
 * For `lockedOut` (Unix milliseconds).
 */
lockedUntil?: number | null, 
/**
 * For `passwordRejected`: each reason as a code plus parameters
 * (`{"code":"tooShort","min":12,"actual":8}`), for the UI to translate.
 */
rejections?: Array<{ code: string } & Record<string, unknown>>, };

export const PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 65536;
export const MAX_TEXT_CHARS = 4000;
