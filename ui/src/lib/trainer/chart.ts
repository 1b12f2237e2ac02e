// A live question's tally as bars: one per displayed option (single and multiple choice), true
// and false (true/false), right and wrong (ordering), as the hub counts them. The right answer is
// marked only once the question is closed and the hub has sent it.
import type { LiveQuestion, QuestionView } from '../../ipc/training';

export interface Bar {
  /** What the bar counts. */
  label: string;
  /** How many answered this. */
  count: number;
  /** Share of the answers received, 0–100, rounded. */
  percent: number;
  /** Length relative to the longest possible bar, 0–1. */
  size: number;
  /** Whether this is (part of) the right answer; `null` while it is not known. */
  right: boolean | null;
}

export interface BarLabels {
  true: string;
  false: string;
  right: string;
  wrong: string;
}

/** The indexes of the right options as the chart counts them, or `null` without an answer. */
export function rightBars(question: QuestionView): Set<number> | null {
  const answer = question.answer;
  if (!answer) return null;
  switch (answer.kind) {
    case 'single':
      return new Set([answer.choice]);
    case 'multiple':
      return new Set(answer.choices);
    case 'trueFalse':
      return new Set([answer.value ? 0 : 1]);
    case 'ordering':
      // The tally of an ordering question is [right, wrong].
      return new Set([0]);
  }
}

/** The bar labels for a question's kind. */
export function barLabels(question: QuestionView, labels: BarLabels): string[] {
  switch (question.kind) {
    case 'trueFalse':
      return [labels.true, labels.false];
    case 'ordering':
      return [labels.right, labels.wrong];
    default:
      return question.options;
  }
}

/** The bars of a live question. Counts the hub did not send are 0; extra counts are dropped. */
export function tallyBars(live: LiveQuestion, labels: BarLabels): Bar[] {
  const names = barLabels(live.question, labels);
  const counts = names.map((_, index) => Math.max(0, live.tally[index] ?? 0));
  // Multiple choice counts every option picked, so a bar is a share of the people who answered,
  // and the scale is the larger of that and the biggest count.
  const answered = Math.max(live.answered, 0);
  const scale = Math.max(answered, ...counts, 1);
  const right = live.open ? null : rightBars(live.question);
  return names.map((label, index) => {
    const count = counts[index] ?? 0;
    return {
      label,
      count,
      percent: answered === 0 ? 0 : Math.round((count / answered) * 100),
      size: count / scale,
      right: right === null ? null : right.has(index),
    };
  });
}
