// English strings of the trainer screens, merged into en.ts. Every key must exist in trainer.es.ts.
export const trainerEn = {
  'nav.trainer': 'Trainer',
} as const;
