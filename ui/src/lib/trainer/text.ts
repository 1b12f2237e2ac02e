// Translated text for the trainer screens that depends on data: errors (including codes the
// console's generic table does not know yet), pack-file problems and standing states.
import type { IpcError } from '../../ipc';
import type { StandingState, TrainingLanguage } from '../../ipc/training';
import { errorText } from '../errors';
import { en, type MessageKey } from '../i18n/en';
import { i18n, t } from '../i18n/index.svelte';
import { dateLocale } from './dates';
import type { PackProblem } from './packfiles';

/** An error's sentence; codes the console's table lacks get the trainer's own, or a generic one. */
export function trainerErrorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'packInvalid') return t('trainer.error.packInvalid');
  if (code === 'trainingOutdated') return t('trainer.error.outdated');
  if (code === 'liveSessionNotFound') return t('trainer.error.liveGone');
  if (typeof code === 'string' && `error.${code}` in en) return errorText(error as IpcError);
  return t('trainer.error.generic');
}

const MIB = 1024 * 1024;

/** A problem with the picked files, as a sentence. */
export function problemText(problem: PackProblem): string {
  switch (problem.code) {
    case 'empty':
      return t('trainer.problem.empty');
    case 'tooLarge':
      return t('trainer.problem.tooLarge', { mib: Math.round(problem.limit / MIB) });
    case 'tooManyFiles':
      return t('trainer.problem.tooManyFiles', { limit: problem.limit });
    case 'notZip':
      return t('trainer.problem.notZip');
    case 'unsafePath':
      return t('trainer.problem.unsafePath', { path: problem.path });
    case 'duplicatePath':
      return t('trainer.problem.duplicatePath', { path: problem.path });
    case 'notText':
      return t('trainer.problem.notText', { path: problem.path });
    case 'unsupportedCompression':
      return t('trainer.problem.unsupportedCompression', { path: problem.path });
  }
}

export const STATE_LABELS: Record<StandingState, MessageKey> = {
  current: 'trainer.state.current',
  expiringSoon: 'trainer.state.expiringSoon',
  expired: 'trainer.state.expired',
  missing: 'trainer.state.missing',
};

/** A symbol per state, so a state never reads by colour alone. */
export const STATE_ICONS: Record<StandingState, string> = {
  current: '✓',
  expiringSoon: '◔',
  expired: '!',
  missing: '○',
};

export const LANGUAGE_LABELS: Record<TrainingLanguage, MessageKey> = {
  en: 'trainer.language.en',
  es: 'trainer.language.es',
};

/** The locale the trainer screens format dates in (see `dateLocale`). */
export function datesIn(): string {
  return dateLocale(i18n.locale, typeof navigator === 'undefined' ? undefined : navigator.language);
}
