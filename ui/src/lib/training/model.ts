// Pure helpers of the trainee's screens: ordering lessons, building quiz answers, keyboard
// reordering, and naming what the hub marked. Nothing here scores: the hub does.
import type {
  BlockView,
  LessonRef,
  LessonSummary,
  LessonView,
  QuestionView,
  QuizAnswer,
  TrainingGate,
} from '../../ipc/training';

/** Lessons as the overview lists them: required first, then the hub's (pack) order. */
export function orderedLessons(lessons: LessonSummary[]): LessonSummary[] {
  return lessons
    .map((lesson, index) => ({ lesson, index }))
    .sort((a, b) => Number(b.lesson.required) - Number(a.lesson.required) || a.index - b.index)
    .map(({ lesson }) => lesson);
}

/** The lessons that keep the agent from live chats (missing first, then expired). */
export function blockingLessons(gate: TrainingGate | null): LessonRef[] {
  if (!gate || gate.allowed) return [];
  return [...gate.missing, ...gate.expired];
}

/** A lesson's key for lists and look-ups. */
export function lessonKey(ref: { packId: string; lessonId: string }): string {
  return `${ref.packId}/${ref.lessonId}`;
}

/** Every question of a lesson, in lesson order (the order the hub expects answers in). */
export function questionsOf(lesson: LessonView): QuestionView[] {
  return lesson.sections.flatMap((section) =>
    section.blocks.flatMap((block: BlockView) => (block.type === 'quiz' ? [block.question] : [])),
  );
}

/** What the trainee has chosen for one question while answering. */
export type Draft =
  | { kind: 'single'; choice: number | null }
  | { kind: 'multiple'; choices: number[] }
  | { kind: 'trueFalse'; value: boolean | null }
  | { kind: 'ordering'; order: number[] };

/** An empty draft (ordering starts from the order shown). */
export function emptyDraft(question: QuestionView): Draft {
  switch (question.kind) {
    case 'single':
      return { kind: 'single', choice: null };
    case 'multiple':
      return { kind: 'multiple', choices: [] };
    case 'trueFalse':
      return { kind: 'trueFalse', value: null };
    case 'ordering':
      return { kind: 'ordering', order: question.options.map((_, i) => i) };
  }
}

/** The answer to send, or `null` when the question was left unanswered. */
export function answerOf(draft: Draft): QuizAnswer | null {
  switch (draft.kind) {
    case 'single':
      return draft.choice === null ? null : { kind: 'single', choice: draft.choice };
    case 'multiple':
      return draft.choices.length === 0
        ? null
        : { kind: 'multiple', choices: [...draft.choices].sort((a, b) => a - b) };
    case 'trueFalse':
      return draft.value === null ? null : { kind: 'trueFalse', value: draft.value };
    case 'ordering':
      return { kind: 'ordering', order: [...draft.order] };
  }
}

/** Whether every question has an answer (ordering always has one). */
export function allAnswered(drafts: Draft[]): boolean {
  return drafts.every((draft) => answerOf(draft) !== null);
}

/** Moves the item at `index` one place up (-1) or down (+1); out of range changes nothing. */
export function moved(order: number[], index: number, delta: -1 | 1): number[] {
  const to = index + delta;
  if (index < 0 || index >= order.length || to < 0 || to >= order.length) return order;
  const next = [...order];
  [next[index], next[to]] = [next[to] as number, next[index] as number];
  return next;
}

/** Toggles an option of a multiple-choice draft. */
export function toggled(choices: number[], option: number): number[] {
  return choices.includes(option) ? choices.filter((c) => c !== option) : [...choices, option];
}

/**
 * A right answer in words, for showing after marking: the options' texts (in order for
 * ordering), or `true`/`false` through `truth`.
 */
export function answerText(
  question: QuestionView,
  answer: QuizAnswer,
  truth: (value: boolean) => string,
): string[] {
  const option = (i: number) => question.options[i] ?? `#${i + 1}`;
  switch (answer.kind) {
    case 'single':
      return [option(answer.choice)];
    case 'multiple':
      return answer.choices.map(option);
    case 'trueFalse':
      return [truth(answer.value)];
    case 'ordering':
      return answer.order.map(option);
  }
}

/** Whether a date (Unix ms) is within `days` from `now`. */
export function withinDays(at: number | null, now: number, days: number): boolean {
  return at !== null && at - now <= days * 86_400_000;
}

/** The drill signals the hub names (crates/training's closed list); each has a label. */
export const SIGNALS = [
  'used_secure_form',
  'refused_disclosure',
  'revealed_data',
  'copied_data',
  'reported_attempt',
  'escalated',
  'asked_card_in_chat',
  'echoed_data',
  'shared_code',
] as const;

export type Signal = (typeof SIGNALS)[number];

/** Whether the hub's signal name is one the UI has a label for. */
export function isKnownSignal(name: string): name is Signal {
  return (SIGNALS as readonly string[]).includes(name);
}
