// The trainee's training screens in Chromium with the IPC mocked: the gate banner in the Chats
// area opening a lesson, the lesson's quiz and its marking, a drill and its result, a hostile
// lesson rendering inert, a certificate, and a live session. Screenshots in EN and ES, light and
// dark, go to test-results/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openConsole, screenshot, startPreview } from './harness.mjs';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29);

const APP_INFO = {
  product: 'Rampart Console',
  version: '9.9.9-mock',
  buildKind: 'release',
  keychainNamespace: 'rampart-console',
  platform: 'linux',
  captureProtection: 'unsupported',
};

const CARDS = { packId: 'core', lessonId: 'cards-in-chat', title: 'Card numbers in chat' };
const PHISHING = { packId: 'core', lessonId: 'phishing', title: 'Phishing and social engineering' };
const GATE = { allowed: false, missing: [CARDS], expired: [PHISHING] };

function summary(ref, extra) {
  return {
    ...ref,
    language: 'en',
    version: 2,
    estimatedMinutes: 12,
    passMark: 80,
    expiryDays: 365,
    required: true,
    questions: 4,
    drills: 1,
    state: 'missing',
    percent: null,
    passedAt: null,
    expiresAt: null,
    dueAt: NOW + 5 * DAY,
    ...extra,
  };
}

const OVERVIEW = {
  gate: GATE,
  lessons: [
    summary(
      { packId: 'core', lessonId: 'policies', title: 'Our company policies' },
      {
        required: false,
        state: 'current',
        percent: 100,
        passedAt: NOW - 20 * DAY,
        expiresAt: NOW + 345 * DAY,
        dueAt: null,
        estimatedMinutes: 8,
      },
    ),
    summary(CARDS, {}),
    summary(PHISHING, {
      state: 'expired',
      percent: 90,
      passedAt: NOW - 400 * DAY,
      expiresAt: NOW - 35 * DAY,
    }),
    summary(
      { packId: 'core', lessonId: 'passwords', title: 'Passwords and two-factor codes' },
      {
        state: 'expiringSoon',
        percent: 85,
        passedAt: NOW - 340 * DAY,
        expiresAt: NOW + 25 * DAY,
        dueAt: null,
      },
    ),
  ],
};

const QUESTIONS = [
  {
    id: 'q1',
    prompt: 'A customer pastes their full card number into the chat. What do you do first?',
    kind: 'single',
    options: [
      'Read it back to confirm it',
      'Do not repeat it; send the secure card form',
      'Copy it into a note for later',
    ],
  },
  {
    id: 'q2',
    prompt: 'Which of these may you ask for in the chat?',
    kind: 'multiple',
    options: [
      'The order number',
      'The card’s CVV',
      'The last four digits shown on screen',
      'The card’s expiry date',
    ],
  },
  {
    id: 'q3',
    prompt:
      'Someone from “IT” asks for your authenticator code in chat. It is fine if they know your name.',
    kind: 'trueFalse',
    options: [],
  },
  {
    id: 'q4',
    prompt: 'Put the steps for a suspected phishing attempt in order.',
    kind: 'ordering',
    options: ['Report it to security', 'Stop and do not act on the request', 'Refuse politely'],
  },
];

const LESSON = {
  packId: CARDS.packId,
  lessonId: CARDS.lessonId,
  title: CARDS.title,
  language: 'en',
  version: 2,
  estimatedMinutes: 12,
  passMark: 80,
  sections: [
    {
      title: 'Why card numbers never belong in chat',
      blocks: [
        {
          type: 'text',
          html:
            '<p>Chat transcripts are stored, searched and exported. A card number typed into chat ends up in all of those places. <strong>PCI DSS</strong> requires that card data is never stored in clear text.</p>' +
            '<ul><li>Never ask for a card number, CVV or expiry date in chat.</li><li>Never repeat data a customer pasted.</li><li>Use the <em>secure form</em>: the values go straight to the payment system.</li></ul>' +
            '<p>Read more in the <a href="https://www.pcisecuritystandards.org/">PCI Security Standards Council</a> guidance.</p>',
        },
        { type: 'quiz', question: QUESTIONS[0] },
        { type: 'quiz', question: QUESTIONS[1] },
      ],
    },
    {
      title: 'When someone asks for more than they should',
      blocks: [
        {
          type: 'text',
          html: '<blockquote>Urgency, authority and secrecy are the three signs of social engineering.</blockquote>',
        },
        { type: 'quiz', question: QUESTIONS[2] },
        { type: 'quiz', question: QUESTIONS[3] },
        {
          type: 'drill',
          drill: {
            id: 'pasted-card',
            title: 'A customer pastes a card number',
            briefing:
              'Sam wants to pay an overdue invoice and is in a hurry. Help them pay without card data passing through the chat.',
            customer: 'Sam',
            secrets: ['4111 1111 1111 1111'],
          },
        },
      ],
    },
  ],
};

const QUIZ_RESULT = {
  percent: 75,
  passed: false,
  marks: [
    {
      questionId: 'q1',
      correct: true,
      answer: { kind: 'single', choice: 1 },
      explain:
        'Repeating the number copies it into the transcript again. The secure form keeps it out.',
    },
    {
      questionId: 'q2',
      correct: false,
      answer: { kind: 'multiple', choices: [0, 2] },
      explain: 'The CVV and the expiry date are card data: only the secure form may collect them.',
    },
    {
      questionId: 'q3',
      correct: true,
      answer: { kind: 'trueFalse', value: false },
      explain: 'Nobody, including IT, ever needs your authenticator code.',
    },
    {
      questionId: 'q4',
      correct: true,
      answer: { kind: 'ordering', order: [1, 2, 0] },
      explain: 'Stop first, refuse, then report so others are warned.',
    },
  ],
  lesson: summary(CARDS, { percent: null }),
  gate: GATE,
};

const BRIEF = LESSON.sections[1].blocks[3].drill;
const RUN = '0190f1a2-0000-7000-8000-00000000d011';

const DRILL_START = {
  runId: RUN,
  drill: BRIEF,
  customerSays: [
    'Hi! I need to pay invoice 4471 today. Here is my card: 4111 1111 1111 1111, exp 09/28.',
  ],
  signals: [],
  finished: false,
  result: null,
};

function drillEnd(passed) {
  return {
    runId: RUN,
    drill: BRIEF,
    customerSays: passed
      ? ['Done, I filled in the form. Thanks!']
      : ['Sure, it is 4111 1111 1111 1111 and the code on the back is 123.'],
    signals: passed ? ['used_secure_form'] : ['asked_card_in_chat'],
    finished: true,
    result: {
      percent: passed ? 100 : 25,
      passed,
      earned: passed ? 4 : 1,
      possible: 4,
      mistakes: passed
        ? []
        : [
            {
              signal: 'asked_card_in_chat',
              avoid: true,
              explain:
                'Asking for card details in chat puts them in the transcript. Send the secure form instead.',
              critical: true,
            },
            {
              signal: 'used_secure_form',
              avoid: false,
              explain: 'The secure form collects card data without it passing through the chat.',
              critical: false,
            },
          ],
      lesson: summary(CARDS, {}),
    },
  };
}

const CERTIFICATE = {
  id: 'RMP-7Q2K-91XD',
  organisation: 'Acme Support Ltd',
  agentName: 'Alex Rivera',
  packId: 'core',
  lessonId: 'policies',
  lessonTitle: 'Our company policies',
  language: 'en',
  version: 3,
  percent: 100,
  passedAt: NOW - 20 * DAY,
  expiresAt: NOW + 345 * DAY,
};

const BASE = {
  app_info: APP_INFO,
  subscribe_events: null,
  set_locale: null,
  console_state: {
    phase: 'active',
    hub: 'https://hub.example',
    demo: null,
    profile: { id: 'a', username: 'alex', displayName: 'Alex Rivera', role: 'agent' },
    lastUsername: 'alex',
    idleLockSecs: 900,
    locale: null,
  },
  snapshot: {
    queue: [],
    queueTotal: 0,
    conversations: [],
    connection: { status: 'online' },
    availability: 'available',
    trainingGate: GATE,
    liveTraining: null,
  },
  focus_conversation: null,
  training_overview: OVERVIEW,
  training_certificates: [CERTIFICATE],
  training_lesson: LESSON,
  training_submit_quiz: QUIZ_RESULT,
  training_start_drill: DRILL_START,
};

describe('the trainee’s training screens', () => {
  let preview;
  let browser;

  before(async () => {
    preview = await startPreview();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await preview?.stop();
  });

  it('explains the gate in the Chats area and opens a blocking lesson from it', async () => {
    const { page, context, errors } = await openConsole(browser, preview.url, BASE);
    const banner = page.getByTestId('training-gate-chats');
    await banner.waitFor();
    const links = banner.getByTestId('gate-lesson');
    assert.deepEqual(await links.allTextContents(), [CARDS.title, PHISHING.title]);
    await links.first().click();
    await page.getByTestId('lesson-title').waitFor();
    assert.equal(await page.getByTestId('lesson-title').textContent(), CARDS.title);
    const asked = await page.evaluate(() =>
      window.__ipcCalls.filter((c) => c.cmd === 'training_lesson').map((c) => c.args),
    );
    assert.deepEqual(asked, [
      { packId: 'core', lessonId: 'cards-in-chat', language: 'en', preview: false },
    ]);
    assert.equal(await page.getByTestId('area-training').getAttribute('aria-current'), 'page');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('lists required lessons first with their standing, certificates and the join form', async () => {
    for (const [locale, theme, name] of [
      ['en-US', 'light', 'training-overview-en'],
      ['es-ES', 'light', 'training-overview-es'],
      ['en-US', 'dark', 'training-overview-en-dark'],
    ]) {
      const { page, context, errors } = await openConsole(browser, preview.url, BASE, {
        locale,
        colorScheme: theme,
      });
      await page.getByTestId('area-training').click();
      await page.getByTestId('lesson-row').first().waitFor();
      const states = await page
        .getByTestId('lesson-row')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
      assert.deepEqual(states, ['missing', 'expired', 'expiringSoon', 'current'], 'required first');
      await page.getByTestId('training-gate-training').waitFor();
      await page.getByTestId('view-certificate').waitFor();
      assert.deepEqual(errors, []);
      await screenshot(page, name);
      await context.close();
    }
  });

  it('answers a quiz with the keyboard-operable reordering and shows each mark', async () => {
    for (const [locale, name] of [
      ['en-US', 'training-quiz-result-en'],
      ['es-ES', 'training-quiz-result-es'],
    ]) {
      const { page, context, errors } = await openConsole(browser, preview.url, BASE, { locale });
      await page.getByTestId('area-training').click();
      await page.getByTestId('open-lesson').first().click();
      await page.getByTestId('lesson-title').waitFor();
      if (locale === 'en-US') await screenshot(page, 'training-lesson-en');
      const questions = page.getByTestId('question');
      // Submitting with questions unanswered is refused in the UI.
      await page.getByTestId('submit-quiz').click();
      await page.getByRole('alert').waitFor();
      await questions.nth(0).getByRole('radio').nth(1).check();
      await questions.nth(1).getByRole('checkbox').nth(0).check();
      await questions.nth(1).getByRole('checkbox').nth(1).check();
      await questions.nth(2).getByRole('radio').nth(1).check();
      // Keyboard: focus "move down" on the first item and press Enter, then move the new last up.
      const ordering = questions.nth(3);
      await ordering.getByTestId('move-down').first().focus();
      await page.keyboard.press('Enter');
      await ordering.getByTestId('move-up').nth(2).focus();
      await page.keyboard.press('Enter');
      const items = await ordering.getByTestId('ordering-item').allTextContents();
      assert.deepEqual(items, [
        QUESTIONS[3].options[1],
        QUESTIONS[3].options[2],
        QUESTIONS[3].options[0],
      ]);
      await page.getByTestId('submit-quiz').click();
      await page.getByTestId('quiz-result').waitFor();
      const submitted = await page.evaluate(
        () => window.__ipcCalls.find((c) => c.cmd === 'training_submit_quiz').args,
      );
      assert.deepEqual(submitted.submission, {
        language: 'en',
        version: 2,
        answers: [
          { kind: 'single', choice: 1 },
          { kind: 'multiple', choices: [0, 1] },
          { kind: 'trueFalse', value: false },
          { kind: 'ordering', order: [1, 2, 0] },
        ],
      });
      const marks = await page
        .getByTestId('question-mark')
        .evaluateAll((m) => m.map((e) => e.getAttribute('data-correct')));
      assert.deepEqual(marks, ['true', 'false', 'true', 'true']);
      assert.equal(await page.getByTestId('right-answer').count(), 4);
      await page.getByTestId('quiz-result').scrollIntoViewIfNeeded();
      assert.deepEqual(errors, []);
      await screenshot(page, name);
      await context.close();
    }
  });

  it('runs a drill like a chat: the secure form scores full marks', async () => {
    const { page, context, errors } = await openConsole(browser, preview.url, {
      ...BASE,
      training_drill_act: drillEnd(true),
    });
    await page.getByTestId('area-training').click();
    await page.getByTestId('open-lesson').first().click();
    await page.getByTestId('open-drill').click();
    await page.getByTestId('drill-briefing').waitFor();
    await page.getByTestId('start-drill').click();
    await page.getByTestId('drill-line').first().waitFor();
    assert.equal(await page.getByTestId('drill-secret').textContent(), '••••');
    await page.getByTestId('drill-secure-form').click();
    const result = page.getByTestId('drill-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-passed'), 'true');
    assert.equal(await result.getAttribute('data-percent'), '100');
    const act = await page.evaluate(
      () => window.__ipcCalls.find((c) => c.cmd === 'training_drill_act').args,
    );
    assert.deepEqual(act, { runId: RUN, action: { type: 'requestSecureForm' } });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('fails a drill where the trainee asks for the card in chat, with the explanation', async () => {
    for (const [locale, theme, name] of [
      ['en-US', 'light', 'training-drill-result-en'],
      ['es-ES', 'light', 'training-drill-result-es'],
      ['es-ES', 'dark', 'training-drill-result-es-dark'],
    ]) {
      const { page, context, errors } = await openConsole(
        browser,
        preview.url,
        { ...BASE, training_drill_act: drillEnd(false) },
        { locale, colorScheme: theme },
      );
      await page.getByTestId('area-training').click();
      await page.getByTestId('open-lesson').first().click();
      await page.getByTestId('open-drill').click();
      await page.getByTestId('start-drill').click();
      await page.getByTestId('drill-input').fill('Can you send me the card number and the CVV?');
      await page.keyboard.press('Enter');
      const result = page.getByTestId('drill-result');
      await result.waitFor();
      assert.equal(await result.getAttribute('data-passed'), 'false');
      const mistakes = page.getByTestId('drill-mistake');
      assert.equal(await mistakes.first().getAttribute('data-signal'), 'asked_card_in_chat');
      assert.match(await mistakes.first().textContent(), /transcript/);
      const act = await page.evaluate(
        () => window.__ipcCalls.find((c) => c.cmd === 'training_drill_act').args,
      );
      assert.deepEqual(act.action, {
        type: 'sendMessage',
        text: 'Can you send me the card number and the CVV?',
      });
      assert.deepEqual(errors, []);
      await screenshot(page, name);
      await context.close();
    }
  });

  it('renders a hostile lesson inert', async () => {
    const hostile = {
      ...LESSON,
      sections: [
        {
          title: 'Hostile',
          blocks: [
            {
              type: 'text',
              html:
                '<p id="ok">text</p><script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">' +
                '<a href="javascript:window.__pwned = 3" data-testid="js-link">click</a>' +
                '<svg onload="window.__pwned = 4"><script>window.__pwned = 5</script></svg>' +
                '<p onmouseover="window.__pwned = 6" style="position:fixed">hover</p>',
            },
          ],
        },
      ],
    };
    const { page, context, errors } = await openConsole(browser, preview.url, {
      ...BASE,
      training_lesson: hostile,
    });
    await page.getByTestId('area-training').click();
    await page.getByTestId('open-lesson').first().click();
    const html = page.getByTestId('lesson-html');
    await html.waitFor();
    await html.getByText('hover').hover();
    await html.getByText('click').click();
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await html.locator('script, img, svg, [onmouseover], [style]').count(), 0);
    assert.equal(await html.locator('a[href]').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows a printable certificate', async () => {
    const { page, context, errors } = await openConsole(browser, preview.url, BASE);
    await page.getByTestId('area-training').click();
    await page.getByTestId('view-certificate').click();
    const certificate = page.getByTestId('certificate');
    await certificate.waitFor();
    assert.equal(await page.getByTestId('certificate-name').textContent(), 'Alex Rivera');
    assert.equal(await page.getByTestId('certificate-id').textContent(), CERTIFICATE.id);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.getByTestId('print').isVisible(), false, 'controls are not printed');
    await page.emulateMedia({ media: 'screen' });
    assert.deepEqual(errors, []);
    await screenshot(page, 'training-certificate-en');
    await context.close();
  });

  it('joins a live session by code and answers the open question', async () => {
    const live = {
      id: '0190f1a2-0000-7000-8000-00000000aaaa',
      code: 'K7PQ2M',
      trainer: 'Tess Morgan',
      lesson: LESSON,
      section: 1,
      participants: [
        { displayName: 'Alex Rivera', answered: false, correct: 1 },
        { displayName: 'Bea Ruiz', answered: true, correct: 2 },
      ],
      question: { question: QUESTIONS[2], open: true, answered: 1, tally: [], correct: 0 },
      drill: null,
      ended: false,
    };
    const { page, context, errors } = await openConsole(browser, preview.url, {
      ...BASE,
      training_live_join: live,
      training_live_answer: live,
    });
    await page.getByTestId('area-training').click();
    await page.getByTestId('live-code').fill('k7pq2m');
    await page.getByTestId('live-join').click();
    await page.getByTestId('live-session').waitFor();
    await page.getByTestId('live-section').waitFor();
    await page.getByTestId('question').getByRole('radio').nth(1).check();
    await page.getByTestId('live-answer').click();
    await page.getByText('Answer sent', { exact: false }).waitFor();
    const answered = await page.evaluate(
      () => window.__ipcCalls.find((c) => c.cmd === 'training_live_answer').args,
    );
    assert.deepEqual(answered, {
      session: live.id,
      answer: { questionId: 'q3', answer: { kind: 'trueFalse', value: false } },
    });
    assert.deepEqual(errors, []);
    await screenshot(page, 'training-live-en');
    await context.close();
  });
});
