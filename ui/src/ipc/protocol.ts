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

export type EpochId = string;

export type ForgetPosition = { 
/**
 * The epoch of the frame (its `epoch`).
 */
epoch: EpochId, 
/**
 * The frame's `through`.
 */
through: number, };

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

export type Localized = { 
/**
 * English.
 */
en: string, 
/**
 * Spanish.
 */
es: string, };

export type FieldCheck = { "type": "text", 
/**
 * Fewest characters.
 */
minLength: number, 
/**
 * Most characters.
 */
maxLength: number, } | { "type": "digits", 
/**
 * Fewest digits.
 */
minLength: number, 
/**
 * Most digits.
 */
maxLength: number, } | { "type": "pattern", 
/**
 * The expression as the hub checks it, already anchored (`^(?:…)$`).
 */
pattern: string, 
/**
 * Most characters.
 */
maxLength: number, } | { "type": "date" } | { "type": "email" } | { "type": "luhn" } | { "type": "spanishId" } | { "type": "iban" };

export type FieldMask = "full" | "last4";

export type CustomField = { 
/**
 * Its name in `submitForm` values and masked fields (`policyNumber`).
 */
name: string, 
/**
 * Its label.
 */
label: Localized, 
/**
 * A hint under the label (an example of the format), if any.
 */
hint?: Localized, 
/**
 * Whether the visitor must fill it in.
 */
required: boolean, 
/**
 * What a value must be.
 */
check: FieldCheck, 
/**
 * How agents see the value before a reveal.
 */
mask: FieldMask, 
/**
 * The value is removed by its first reveal (like a CVV).
 */
revealOnce: boolean, };

export type CustomForm = { 
/**
 * Its id: lower-case letters, digits and dashes (`policy-check`).
 */
id: string, 
/**
 * Its title.
 */
title: Localized, 
/**
 * A sentence shown above the fields, if any.
 */
intro?: Localized, 
/**
 * The fields, in display order.
 */
fields: Array<CustomField>, };

export type FormKind = "card" | "ssn" | "nationalId" | "dateOfBirth" | { "custom": string };

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

export type ErrorCode = "malformed" | "frameTooLarge" | "invalidUtf8" | "unknownType" | "unsupportedVersion" | "textInvalid" | "helloRequired" | "notAllowed" | "notFound" | "rateLimited" | "sessionExpired" | "internal" | "formInvalid" | "formUnknown";

export type CohortId = string;

export type LiveSessionId = string;

export type DrillRunId = string;

export type TrainingLanguage = "en" | "es";

export type StandingState = "current" | "expiringSoon" | "expired" | "missing";

export type LessonSummary = { 
/**
 * The pack it belongs to.
 */
packId: string, 
/**
 * The lesson's id (shared by its translations).
 */
lessonId: string, 
/**
 * The title in the language asked for (or the first available).
 */
title: string, 
/**
 * The language of `title`.
 */
language: TrainingLanguage, 
/**
 * The current version.
 */
version: number, 
/**
 * For planning.
 */
estimatedMinutes: number, 
/**
 * Percent needed to pass.
 */
passMark: number, 
/**
 * Days a completion stays valid; `None` never expires.
 */
expiryDays: number | null, 
/**
 * Whether the agent's role must pass it before live chats.
 */
required: boolean, 
/**
 * Number of quiz questions.
 */
questions: number, 
/**
 * Number of drills.
 */
drills: number, 
/**
 * Where the agent stands.
 */
state: StandingState, 
/**
 * Score of the latest passing attempt.
 */
percent: number | null, 
/**
 * When it was last passed.
 */
passedAt: number | null, 
/**
 * When that completion stops counting.
 */
expiresAt: number | null, 
/**
 * The earliest due date a trainer set for the agent's cohorts.
 */
dueAt: number | null, };

export type LessonRef = { 
/**
 * The pack.
 */
packId: string, 
/**
 * The lesson.
 */
lessonId: string, 
/**
 * Its title in the agent's language, for messages.
 */
title: string, };

export type TrainingGate = { 
/**
 * Whether the hub routes live chats to this agent.
 */
allowed: boolean, 
/**
 * Required lessons never passed: (pack id, lesson id).
 */
missing: Array<LessonRef>, 
/**
 * Required lessons whose completion expired.
 */
expired: Array<LessonRef>, };

export type TrainingOverview = { 
/**
 * May the agent take live chats.
 */
gate: TrainingGate, 
/**
 * Every lesson available to the agent, required ones first, in pack order.
 */
lessons: Array<LessonSummary>, };

export type QuestionKind = "single" | "multiple" | "trueFalse" | "ordering";

export type QuizAnswer = { "kind": "single", 
/**
 * Index.
 */
choice: number, } | { "kind": "multiple", 
/**
 * Indexes, any order.
 */
choices: Array<number>, } | { "kind": "trueFalse", 
/**
 * The value.
 */
value: boolean, } | { "kind": "ordering", 
/**
 * A permutation of `0..options.len()`.
 */
order: Array<number>, };

export type QuestionView = { 
/**
 * Stable within the lesson.
 */
id: string, 
/**
 * Plain text.
 */
prompt: string, 
/**
 * Kind.
 */
kind: QuestionKind, 
/**
 * Options as displayed. For ordering, the items in a shuffled order that is the same every
 * time the question is shown; responses index into this list.
 */
options: Array<string>, 
/**
 * Only in a trainer's preview: the right answer.
 */
answer?: QuizAnswer | null, 
/**
 * Only in a trainer's preview: the explanation.
 */
explain?: string | null, };

export type DrillBrief = { 
/**
 * Unique within the lesson's pack and language.
 */
id: string, 
/**
 * Title.
 */
title: string, 
/**
 * Plain-text briefing.
 */
briefing: string, 
/**
 * The simulated customer's name.
 */
customer: string, 
/**
 * Values shown to the trainee as if on their screen (they must never type them).
 */
secrets: Array<string>, };

export type BlockView = { "type": "text", 
/**
 * The HTML.
 */
html: string, } | { "type": "quiz", 
/**
 * The question.
 */
question: QuestionView, } | { "type": "drill", 
/**
 * What the trainee sees before starting.
 */
drill: DrillBrief, };

export type SectionView = { 
/**
 * The heading, if any.
 */
title: string | null, 
/**
 * Text, questions and drills.
 */
blocks: Array<BlockView>, };

export type LessonView = { 
/**
 * The pack.
 */
packId: string, 
/**
 * The lesson.
 */
lessonId: string, 
/**
 * Title.
 */
title: string, 
/**
 * Language of the content.
 */
language: TrainingLanguage, 
/**
 * Version; a quiz submission names it, so answers to an older text are refused.
 */
version: number, 
/**
 * For planning.
 */
estimatedMinutes: number, 
/**
 * Percent needed to pass.
 */
passMark: number, 
/**
 * The content, in order.
 */
sections: Array<SectionView>, };

export type QuizSubmission = { 
/**
 * The language the lesson was shown in.
 */
language: TrainingLanguage, 
/**
 * The version shown; an older one is refused with `trainingOutdated`.
 */
version: number, 
/**
 * Answers in question order.
 */
answers: Array<QuizAnswer | null>, };

export type QuestionMark = { 
/**
 * The question.
 */
questionId: string, 
/**
 * Right or wrong.
 */
correct: boolean, 
/**
 * The right answer.
 */
answer: QuizAnswer, 
/**
 * Why.
 */
explain: string, };

export type QuizResult = { 
/**
 * Quiz percentage (rounded down).
 */
percent: number, 
/**
 * Whether the quiz reached the pass mark.
 */
passed: boolean, 
/**
 * Per question, in order.
 */
marks: Array<QuestionMark>, 
/**
 * The lesson's standing after this attempt (passed only when its drills are passed too).
 */
lesson: LessonSummary, 
/**
 * The live-work decision after this attempt.
 */
gate: TrainingGate, };

export type DrillStart = { 
/**
 * The pack.
 */
packId: string, 
/**
 * The lesson.
 */
lessonId: string, 
/**
 * The drill.
 */
drillId: string, 
/**
 * Language.
 */
language: TrainingLanguage, };

export type DrillAction = { "type": "sendMessage", 
/**
 * The text as typed.
 */
text: string, } | { "type": "requestSecureForm" } | { "type": "reveal" } | { "type": "copy" } | { "type": "report" } | { "type": "escalate" } | { "type": "refuse" };

export type DrillAct = { 
/**
 * The action.
 */
action: DrillAction, };

export type DrillMistake = { 
/**
 * The signal's pack name (`asked_card_in_chat`…), for the UI to label.
 */
signal: string, 
/**
 * `true`: it should not have happened; `false`: it should have.
 */
avoid: boolean, 
/**
 * Why it matters.
 */
explain: string, 
/**
 * Whether it fails the drill on its own.
 */
critical: boolean, };

export type DrillResult = { 
/**
 * Percentage (rounded down).
 */
percent: number, 
/**
 * Pass mark reached with no critical mistake.
 */
passed: boolean, 
/**
 * Points earned.
 */
earned: number, 
/**
 * Points available.
 */
possible: number, 
/**
 * Every rule got wrong.
 */
mistakes: Array<DrillMistake>, 
/**
 * The lesson's standing after this drill.
 */
lesson: LessonSummary, };

export type DrillTurn = { 
/**
 * The run (valid for an hour, for its trainee only).
 */
runId: DrillRunId, 
/**
 * The drill.
 */
drill: DrillBrief, 
/**
 * What the customer says now (empty when the script stays silent).
 */
customerSays: Array<string>, 
/**
 * The pack names of the signals the action produced (empty on start).
 */
signals: Array<string>, 
/**
 * Whether the conversation ended.
 */
finished: boolean, 
/**
 * Present once finished.
 */
result: DrillResult | null, };

export type Certificate = { 
/**
 * Verification id, unique per completion.
 */
id: string, 
/**
 * The organisation's name.
 */
organisation: string, 
/**
 * The agent's display name.
 */
agentName: string, 
/**
 * The pack.
 */
packId: string, 
/**
 * The lesson.
 */
lessonId: string, 
/**
 * Its title in the language it was taken in.
 */
lessonTitle: string, 
/**
 * That language.
 */
language: TrainingLanguage, 
/**
 * The version passed.
 */
version: number, 
/**
 * Score.
 */
percent: number, 
/**
 * When.
 */
passedAt: number, 
/**
 * When it stops counting, if ever.
 */
expiresAt: number | null, };

export type PackFile = { 
/**
 * Relative path inside the pack (`pack.toml`, `en/01-basics.md`).
 */
path: string, 
/**
 * UTF-8 content.
 */
text: string, };

export type PackUpload = { 
/**
 * Every file.
 */
files: Array<PackFile>, };

export type PackSummary = { 
/**
 * Id.
 */
id: string, 
/**
 * Version.
 */
version: number, 
/**
 * Title in English.
 */
titleEn: string, 
/**
 * Title in Spanish.
 */
titleEs: string, 
/**
 * Languages.
 */
languages: Array<TrainingLanguage>, 
/**
 * Lessons (counting each lesson id once).
 */
lessons: Array<LessonRef>, 
/**
 * The built-in curriculum (cannot be replaced or removed).
 */
builtin: boolean, 
/**
 * When it was imported (`None` for the built-in one).
 */
importedAt: number | null, };

export type Trainee = { 
/**
 * Id.
 */
id: AgentId, 
/**
 * Login name.
 */
username: string, 
/**
 * Display name.
 */
displayName: string, 
/**
 * Role.
 */
role: Role, };

export type Assignment = { 
/**
 * The lesson.
 */
lesson: LessonRef, 
/**
 * Due date.
 */
dueAt: number, };

export type Cohort = { 
/**
 * Id.
 */
id: CohortId, 
/**
 * Name (1–80 characters).
 */
name: string, 
/**
 * Members.
 */
members: Array<Trainee>, 
/**
 * Lessons assigned, with due dates.
 */
assignments: Array<Assignment>, };

export type CohortRequest = { 
/**
 * Name (1–80 characters).
 */
name: string, 
/**
 * Members.
 */
members: Array<AgentId>, };

export type AssignmentRequest = { 
/**
 * The pack.
 */
packId: string, 
/**
 * The lesson.
 */
lessonId: string, 
/**
 * Due date.
 */
dueAt: number, };

export type DashboardCell = { 
/**
 * Standing.
 */
state: StandingState, 
/**
 * Best score of the latest passing attempt.
 */
percent: number | null, 
/**
 * Latest pass.
 */
passedAt: number | null, 
/**
 * Attempts so far (quizzes and drills).
 */
attempts: number, 
/**
 * Due date from the cohort's assignment.
 */
dueAt: number | null, 
/**
 * Due date passed without a current completion.
 */
overdue: boolean, };

export type DashboardRow = { 
/**
 * Who.
 */
trainee: Trainee, 
/**
 * Whether they may take live chats now.
 */
allowed: boolean, 
/**
 * One cell per `Dashboard::lessons`, in that order.
 */
cells: Array<DashboardCell>, };

export type Dashboard = { 
/**
 * The cohort shown, or `None` for everyone.
 */
cohort: CohortId | null, 
/**
 * The columns: the cohort's assignments, or every required lesson.
 */
lessons: Array<LessonRef>, 
/**
 * The rows.
 */
rows: Array<DashboardRow>, };

export type LiveStart = { 
/**
 * The pack.
 */
packId: string, 
/**
 * The lesson.
 */
lessonId: string, 
/**
 * Language.
 */
language: TrainingLanguage, };

export type LiveJoin = { 
/**
 * The code the trainer shows (six characters, letters and digits without look-alikes).
 */
code: string, };

export type LiveControl = { "type": "goto", 
/**
 * Section index.
 */
section: number, } | { "type": "openQuestion", 
/**
 * The question's id.
 */
questionId: string, } | { "type": "closeQuestion" } | { "type": "startDrill", 
/**
 * The drill's id.
 */
drillId: string, } | { "type": "end" };

export type LiveAnswer = { 
/**
 * The open question's id.
 */
questionId: string, 
/**
 * The answer.
 */
answer: QuizAnswer, };

export type LiveParticipant = { 
/**
 * Display name.
 */
displayName: string, 
/**
 * Whether they answered the open question.
 */
answered: boolean, 
/**
 * Right answers so far in this session.
 */
correct: number, };

export type LiveQuestion = { 
/**
 * The question (with `answer` only once closed).
 */
question: QuestionView, 
/**
 * Still taking answers.
 */
open: boolean, 
/**
 * Answers received.
 */
answered: number, 
/**
 * For the chart: per displayed option how many chose it (single and multiple), `[true,
 * false]` counts (true/false), `[right, wrong]` (ordering). Sent to the trainer always, to
 * trainees once the question is closed.
 */
tally: Array<number>, 
/**
 * Right answers received.
 */
correct: number, };

export type LiveSession = { 
/**
 * Id.
 */
id: LiveSessionId, 
/**
 * Join code.
 */
code: string, 
/**
 * The trainer's display name.
 */
trainer: string, 
/**
 * The lesson, with its content (answers withheld from trainees).
 */
lesson: LessonView, 
/**
 * The section everyone sees (0-based).
 */
section: number, 
/**
 * Trainees who joined.
 */
participants: Array<LiveParticipant>, 
/**
 * The current question, if one was opened.
 */
question: LiveQuestion | null, 
/**
 * The drill the trainer started, if any: each trainee starts their own run of it.
 */
drill: DrillStart | null, 
/**
 * The session is over.
 */
ended: boolean, };

export type ClientFrame = { "type": "hello", 
/**
 * The client's `PROTOCOL_VERSION`.
 */
protocolVersion: number, 
/**
 * Conversations to resume, with the last sequence number seen in each.
 */
resume: Array<ResumePoint>, 
/**
 * Consoles: the position of the last `forget` frame they carried out. The hub then
 * sends only deletions after it; without it, or with a position this hub's database
 * did not issue, every recent deletion again. (Consoles before epochs sent a bare
 * `forgottenThrough` number, which is ignored: they get every recent deletion.)
 */
forgotten?: ForgetPosition, } | { "type": "send", 
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
conversations: Array<ConversationId>, 
/**
 * The hub's position of the newest deletion in this frame (positions only grow). A
 * console that has deleted these keeps it, with `epoch`, and names both in its next
 * `hello`.
 */
through: number, 
/**
 * The epoch that recorded the deletion at `through`. Absent from hubs before epochs
 * and for deletions recorded before them: such a position cannot be named in `hello`.
 */
epoch?: EpochId, } | { "type": "trainingGate", 
/**
 * The decision and its reasons.
 */
gate: TrainingGate, } | { "type": "liveTraining", 
/**
 * Its state as this agent may see it.
 */
session: LiveSession, } | { "type": "error", 
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
expiresAt: number, 
/**
 * A custom form's definition (texts in English and Spanish, fields and their checks).
 */
definition?: CustomForm, } | { "type": "formSubmitted", 
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

export type SensitiveReplies = "confirm" | "block";

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
role: Role, 
/**
 * The organisation's rule for replies containing card numbers, CVVs, SSNs, IBANs or
 * national IDs.
 */
sensitiveReplies: SensitiveReplies, 
/**
 * The secure forms the organisation defined beyond the built-in ones, for the console's
 * secure-form menu.
 */
customForms: Array<CustomForm>, };

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

export type ApiErrorCode = "invalidCredentials" | "totpInvalid" | "totpReplayed" | "challengeExpired" | "tooManyAttempts" | "lockedOut" | "ipNotAllowed" | "unauthenticated" | "forbidden" | "enrollmentInvalid" | "passwordRejected" | "usernameTaken" | "notFound" | "privacyNotAcknowledged" | "malformed" | "packInvalid" | "trainingOutdated" | "liveSessionNotFound" | "wouldLockOut" | "internal";

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
rejections?: Array<{ code: string } & Record<string, unknown>>, 
/**
 * For `packInvalid`: every problem as `file:line: message`.
 */
issues?: Array<string>, };

export const PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 65536;
export const MAX_TEXT_CHARS = 4000;
