// Spanish strings of the training screens, merged into es.ts. Same keys as training.en.ts.
import type { trainingEn } from './training.en';

export const trainingEs: Record<keyof typeof trainingEn, string> = {
  'nav.training': 'Formación',
};
