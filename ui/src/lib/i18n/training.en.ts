// English strings of the training screens, merged into en.ts. Every key must exist in training.es.ts.
export const trainingEn = {
  'nav.training': 'Training',
} as const;
