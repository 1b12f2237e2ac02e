import { describe, expect, it } from 'vitest';
import type { LessonSummary, LessonView, QuestionView } from '../../src/ipc/training';
import {
  allAnswered,
  answerOf,
  answerText,
  blockingLessons,
  emptyDraft,
  isKnownSignal,
  moved,
  orderedLessons,
  questionsOf,
  toggled,
} from '../../src/lib/training/model';
import { trainingStore } from '../../src/lib/training/store.svelte';
import { en } from '../../src/lib/i18n/en';
import { SIGNALS } from '../../src/lib/training/model';

function summary(lessonId: string, required: boolean): LessonSummary {
  return {
    packId: 'core',
    lessonId,
    title: lessonId,
    language: 'en',
    version: 1,
    estimatedMinutes: 5,
    passMark: 80,
    expiryDays: 365,
    required,
    questions: 1,
    drills: 0,
    state: 'missing',
    percent: null,
    passedAt: null,
    expiresAt: null,
    dueAt: null,
  };
}

function question(id: string, kind: QuestionView['kind'], options: string[] = []): QuestionView {
  return { id, prompt: id, kind, options };
}

describe('the trainee’s screens', () => {
  it('list required lessons first, keeping the hub’s order within each group', () => {
    const lessons = [
      summary('a', false),
      summary('b', true),
      summary('c', false),
      summary('d', true),
    ];
    expect(orderedLessons(lessons).map((l) => l.lessonId)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('name the lessons that block live chats, missing then expired', () => {
    const ref = (lessonId: string) => ({ packId: 'core', lessonId, title: lessonId });
    expect(blockingLessons(null)).toEqual([]);
    expect(blockingLessons({ allowed: true, missing: [], expired: [] })).toEqual([]);
    expect(
      blockingLessons({ allowed: false, missing: [ref('m')], expired: [ref('e')] }).map(
        (r) => r.lessonId,
      ),
    ).toEqual(['m', 'e']);
  });

  it('collect questions in lesson order across sections', () => {
    const lesson: LessonView = {
      packId: 'core',
      lessonId: 'cards',
      title: 'Cards',
      language: 'en',
      version: 1,
      estimatedMinutes: 5,
      passMark: 80,
      sections: [
        {
          title: 'One',
          blocks: [
            { type: 'text', html: '<p>x</p>' },
            { type: 'quiz', question: question('q1', 'single', ['a', 'b']) },
          ],
        },
        { title: null, blocks: [{ type: 'quiz', question: question('q2', 'trueFalse') }] },
      ],
    };
    expect(questionsOf(lesson).map((q) => q.id)).toEqual(['q1', 'q2']);
  });

  it('build the hub’s answers from drafts, with unanswered ones as null', () => {
    const single = emptyDraft(question('s', 'single', ['a', 'b']));
    const multiple = emptyDraft(question('m', 'multiple', ['a', 'b', 'c']));
    const truth = emptyDraft(question('t', 'trueFalse'));
    const order = emptyDraft(question('o', 'ordering', ['x', 'y', 'z']));
    expect([single, multiple, truth].map(answerOf)).toEqual([null, null, null]);
    expect(answerOf(order)).toEqual({ kind: 'ordering', order: [0, 1, 2] });
    expect(allAnswered([single, order])).toBe(false);
    expect(answerOf({ kind: 'multiple', choices: toggled(toggled([], 2), 0) })).toEqual({
      kind: 'multiple',
      choices: [0, 2],
    });
    expect(toggled([0, 2], 2)).toEqual([0]);
    expect(answerOf({ kind: 'trueFalse', value: false })).toEqual({
      kind: 'trueFalse',
      value: false,
    });
  });

  it('reorder with move up and move down, never past the ends', () => {
    expect(moved([0, 1, 2], 2, -1)).toEqual([0, 2, 1]);
    expect(moved([0, 1, 2], 0, 1)).toEqual([1, 0, 2]);
    expect(moved([0, 1, 2], 0, -1)).toEqual([0, 1, 2]);
    expect(moved([0, 1, 2], 2, 1)).toEqual([0, 1, 2]);
  });

  it('show a right answer in words', () => {
    const truth = (v: boolean) => (v ? 'True' : 'False');
    const ordering = question('o', 'ordering', ['lock', 'report', 'wait']);
    expect(answerText(ordering, { kind: 'ordering', order: [1, 0, 2] }, truth)).toEqual([
      'report',
      'lock',
      'wait',
    ]);
    expect(
      answerText(question('t', 'trueFalse'), { kind: 'trueFalse', value: true }, truth),
    ).toEqual(['True']);
  });

  it('label every drill signal the hub names', () => {
    for (const signal of SIGNALS) {
      expect(en[`training.signal.${signal}`]).toBeTruthy();
    }
    expect(isKnownSignal('asked_card_in_chat')).toBe(true);
    expect(isKnownSignal('constructor')).toBe(false);
  });

  it('open a lesson from the Chats area in the Training area, once', () => {
    trainingStore.clear();
    trainingStore.openLesson({ packId: 'core', lessonId: 'cards' });
    expect(trainingStore.area).toBe('training');
    expect(trainingStore.takeRequested()).toEqual({ packId: 'core', lessonId: 'cards' });
    expect(trainingStore.takeRequested()).toBeNull();
    trainingStore.clear();
    expect(trainingStore.area).toBe('console');
  });
});
