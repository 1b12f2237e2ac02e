// Test-only data for the trainer screens: what the hub would answer a trainer, shaped like the
// generated protocol types. Used with the harness's IPC mock; never part of the product.

const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 10, 29, 12);

const ref = (lessonId, title) => ({ packId: 'rampart-core', lessonId, title });
const LESSONS_EN = [
  ref('security-vs-privacy', 'Security and privacy: why both matter'),
  ref('passwords-and-codes', 'Passwords, password managers and sign-in codes'),
  ref('card-data-in-chat', 'Card numbers and personal data in chat'),
  ref('social-engineering', 'Spotting phishing and social engineering'),
  ref('working-remotely', 'Working remotely, safely'),
  ref('rules-that-apply', 'PCI DSS, HIPAA, GDPR and CCPA in plain words'),
  ref('reporting-incidents', 'Reporting an incident'),
  ref('our-policies', 'Our company’s policies'),
];

export const PACKS = [
  {
    id: 'rampart-core',
    version: 3,
    titleEn: 'Rampart security essentials',
    titleEs: 'Fundamentos de seguridad de Rampart',
    languages: ['en', 'es'],
    lessons: LESSONS_EN,
    builtin: true,
    importedAt: null,
  },
  {
    id: 'acme-refunds',
    version: 2,
    titleEn: 'Acme: refunds and account changes',
    titleEs: 'Acme: reembolsos y cambios de cuenta',
    languages: ['en', 'es'],
    lessons: [
      { packId: 'acme-refunds', lessonId: 'refund-fraud', title: 'Refund fraud patterns' },
      { packId: 'acme-refunds', lessonId: 'email-changes', title: 'Changing a customer’s email' },
    ],
    builtin: false,
    importedAt: Date.UTC(2026, 10, 20, 9, 30),
  },
];

const CARD_LESSON = {
  en: {
    title: 'Card numbers and personal data in chat',
    sections: [
      {
        title: 'Why card numbers never belong in chat',
        blocks: [
          {
            type: 'text',
            html: '<p>Chat transcripts are stored, searched and exported. A card number typed into chat ends up in all of those places.</p><ul><li>Never ask for a card number in chat.</li><li>If a customer pastes one, do not repeat it back.</li></ul><script>alert(1)</script>',
          },
          {
            type: 'quiz',
            question: {
              id: 'q1',
              prompt: 'A customer pastes their full card number. What do you do first?',
              kind: 'single',
              options: [
                'Read it back to confirm it',
                'Send the secure payment form and tell them the number was masked',
                'Copy it into the order notes',
                'Ask for the CVV as well',
              ],
              answer: { kind: 'single', choice: 1 },
              explain:
                'The console masks the number; the secure form takes payment details outside the chat, where they are not stored in the transcript.',
            },
          },
        ],
      },
      {
        title: 'Personal data: ask for less',
        blocks: [
          {
            type: 'text',
            html: '<p>Ask only for what you need to help. A date of birth or an address is personal data even when it looks harmless.</p>',
          },
          {
            type: 'quiz',
            question: {
              id: 'q2',
              prompt: 'It is fine to echo a customer’s address back to them to confirm it.',
              kind: 'trueFalse',
              options: [],
              answer: { kind: 'trueFalse', value: false },
              explain:
                'Echoing data back copies it again into the transcript. Ask them to confirm instead.',
            },
          },
          {
            type: 'quiz',
            question: {
              id: 'q3',
              prompt: 'Which of these are personal data?',
              kind: 'multiple',
              options: ['Home address', 'Order number', 'Date of birth', 'Product name'],
              answer: { kind: 'multiple', choices: [0, 2] },
              explain:
                'An address and a date of birth identify a person; an order number alone does not.',
            },
          },
        ],
      },
      {
        title: 'When a customer refuses the secure form',
        blocks: [
          {
            type: 'quiz',
            question: {
              id: 'q4',
              prompt: 'Put the steps in order.',
              kind: 'ordering',
              options: [
                'Offer the phone line as an alternative',
                'Explain why the form protects them',
                'Send the secure form again',
              ],
              answer: { kind: 'ordering', order: [1, 2, 0] },
              explain: 'Explain first; most customers accept the form once they know why.',
            },
          },
          {
            type: 'drill',
            drill: {
              id: 'pasted-card',
              title: 'The customer who pastes a card number',
              briefing:
                'A customer wants to pay an overdue invoice and pastes their card number straight away.',
              customer: 'Jordan',
              secrets: [],
            },
          },
        ],
      },
    ],
  },
  es: {
    title: 'Números de tarjeta y datos personales en el chat',
    sections: [
      {
        title: 'Por qué un número de tarjeta nunca va en el chat',
        blocks: [
          {
            type: 'text',
            html: '<p>Las conversaciones se guardan, se buscan y se exportan. Un número de tarjeta escrito en el chat acaba en todos esos sitios.</p><ul><li>Nunca pida un número de tarjeta por chat.</li><li>Si un cliente lo pega, no lo repita.</li></ul>',
          },
          {
            type: 'quiz',
            question: {
              id: 'q1',
              prompt: 'Un cliente pega el número completo de su tarjeta. ¿Qué hace primero?',
              kind: 'single',
              options: [
                'Leérselo para confirmarlo',
                'Enviar el formulario de pago seguro y decirle que el número se ha ocultado',
                'Copiarlo en las notas del pedido',
                'Pedirle también el CVV',
              ],
              answer: { kind: 'single', choice: 1 },
              explain:
                'La consola oculta el número; el formulario seguro recoge los datos de pago fuera del chat, donde no quedan en la conversación.',
            },
          },
        ],
      },
      {
        title: 'Datos personales: pida menos',
        blocks: [
          {
            type: 'quiz',
            question: {
              id: 'q2',
              prompt: 'Está bien repetirle al cliente su dirección para confirmarla.',
              kind: 'trueFalse',
              options: [],
              answer: { kind: 'trueFalse', value: false },
              explain:
                'Repetir el dato lo copia otra vez en la conversación. Pídale que lo confirme.',
            },
          },
        ],
      },
    ],
  },
};

export function lessonView(language, withAnswers) {
  const content = CARD_LESSON[language];
  const sections = withAnswers
    ? content.sections
    : content.sections.map((section) => ({
        ...section,
        blocks: section.blocks.map((block) =>
          block.type === 'quiz'
            ? {
                type: 'quiz',
                question: { ...block.question, answer: undefined, explain: undefined },
              }
            : block,
        ),
      }));
  return {
    packId: 'rampart-core',
    lessonId: 'card-data-in-chat',
    title: content.title,
    language,
    version: 3,
    estimatedMinutes: 15,
    passMark: 80,
    sections,
  };
}

const person = (id, username, displayName, role = 'agent') => ({ id, username, displayName, role });
export const TRAINEES = [
  person('a1', 'ana.garcia', 'Ana García'),
  person('a2', 'ben.okafor', 'Ben Okafor'),
  person('a3', 'chloe.martin', 'Chloé Martin'),
  person('a4', 'diego.ruiz', 'Diego Ruiz'),
  person('a5', 'emma.lind', 'Emma Lind'),
  person('a6', 'farid.haddad', 'Farid Haddad', 'supervisor'),
  person('a7', 'grace.chen', 'Grace Chen'),
  person('a8', 'hugo.silva', 'Hugo Silva'),
  person('t1', 'tess.trainer', 'Tess Morgan', 'trainer'),
];

export const COHORTS = [
  {
    id: 'c-march',
    name: 'November new starters',
    members: TRAINEES.slice(0, 5),
    assignments: [
      { lesson: LESSONS_EN[0], dueAt: Date.UTC(2026, 11, 4, 23, 59, 59, 999) },
      { lesson: LESSONS_EN[2], dueAt: Date.UTC(2026, 11, 11, 23, 59, 59, 999) },
      { lesson: LESSONS_EN[3], dueAt: Date.UTC(2026, 10, 27, 23, 59, 59, 999) },
    ],
  },
  {
    id: 'c-refresh',
    name: 'Yearly refresher: supervisors',
    members: [TRAINEES[5]],
    assignments: [],
  },
];

const cell = (state, percent, passedDaysAgo, dueAt, overdue, attempts = 1) => ({
  state,
  percent,
  passedAt: passedDaysAgo === null ? null : NOW - passedDaysAgo * DAY,
  attempts,
  dueAt,
  overdue,
});
const due1 = COHORTS[0].assignments[0].dueAt;
const due2 = COHORTS[0].assignments[1].dueAt;
const due3 = COHORTS[0].assignments[2].dueAt;

export const DASHBOARD = {
  cohort: 'c-march',
  lessons: [LESSONS_EN[0], LESSONS_EN[2], LESSONS_EN[3]],
  rows: [
    {
      trainee: TRAINEES[0],
      allowed: true,
      cells: [
        cell('current', 100, 6, due1, false),
        cell('current', 90, 3, due2, false),
        cell('current', 85, 2, due3, false, 2),
      ],
    },
    {
      trainee: TRAINEES[1],
      allowed: false,
      cells: [
        cell('current', 80, 5, due1, false),
        cell('missing', null, null, due2, false, 1),
        cell('missing', null, null, due3, true, 0),
      ],
    },
    {
      trainee: TRAINEES[2],
      allowed: true,
      cells: [
        cell('expiringSoon', 95, 340, due1, false),
        cell('current', 100, 1, due2, false),
        cell('current', 92, 1, due3, false),
      ],
    },
    {
      trainee: TRAINEES[3],
      allowed: false,
      cells: [
        cell('expired', 88, 400, due1, false, 1),
        cell('missing', null, null, due2, false, 0),
        cell('missing', null, null, due3, true, 3),
      ],
    },
    {
      trainee: TRAINEES[4],
      allowed: false,
      cells: [
        cell('missing', null, null, due1, false, 0),
        cell('missing', null, null, due2, false, 0),
        cell('missing', null, null, due3, true, 0),
      ],
    },
  ],
};

/** A session on its first section: its question closed with the tally and the right answer, or
 * (`open`) still taking answers, with no answer sent yet. */
export function liveSessionFixture(language, open = false) {
  const lesson = lessonView(language, false);
  const withAnswer = lessonView(language, true).sections[0].blocks[1].question;
  const q1 = open ? { ...withAnswer, answer: undefined, explain: undefined } : withAnswer;
  return {
    id: 'live-1',
    code: 'K7P4QX',
    trainer: 'Tess Morgan',
    lesson,
    section: 0,
    participants: [
      { displayName: 'Ana García', answered: true, correct: 3 },
      { displayName: 'Ben Okafor', answered: !open, correct: 2 },
      { displayName: 'Chloé Martin', answered: true, correct: 3 },
      { displayName: 'Diego Ruiz', answered: true, correct: 1 },
      { displayName: 'Emma Lind', answered: false, correct: 2 },
    ],
    question: open
      ? { question: q1, open: true, answered: 3, tally: [1, 2, 0, 0], correct: 0 }
      : { question: q1, open: false, answered: 4, tally: [1, 3, 0, 0], correct: 3 },
    drill: null,
    ended: false,
  };
}

export const CONSOLE_STATE = {
  phase: 'active',
  hub: 'https://hub.example.test',
  demo: null,
  profile: { id: 't1', username: 'tess.trainer', displayName: 'Tess Morgan', role: 'trainer' },
  lastUsername: 'tess.trainer',
  idleLockSecs: 900,
  locale: null,
};

export const SNAPSHOT = {
  queue: [],
  queueTotal: 0,
  conversations: [],
  connection: { status: 'online' },
  availability: 'away',
};

export const APP_INFO = {
  product: 'Rampart Console',
  version: '0.1.0',
  buildKind: 'release',
  keychainNamespace: 'rampart-console',
  platform: 'linux',
  captureProtection: 'enforced',
};

/** Every command the trainer screens call, answered. */
export function trainerResponses(language) {
  return {
    app_info: APP_INFO,
    subscribe_events: null,
    console_state: CONSOLE_STATE,
    set_locale: null,
    note_activity: null,
    snapshot: SNAPSHOT,
    trainer_packs: PACKS,
    training_lesson: lessonView(language, true),
    trainer_trainees: TRAINEES,
    trainer_cohorts: COHORTS,
    trainer_save_cohort: COHORTS[0],
    trainer_assign: COHORTS[0],
    trainer_dashboard: DASHBOARD,
    trainer_export_csv: '/home/tess/Downloads/rampart-training-november-new-starters.csv',
    trainer_live_start: liveSessionFixture(language),
    trainer_live_control: liveSessionFixture(language),
    training_live_session: liveSessionFixture(language),
  };
}
