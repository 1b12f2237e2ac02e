// Spanish strings of the trainer screens, merged into es.ts. Same keys as trainer.en.ts.
import type { trainerEn } from './trainer.en';

export const trainerEs: Record<keyof typeof trainerEn, string> = {
  'nav.trainer': 'Formador',
};
