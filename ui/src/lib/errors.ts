// Turns a core error into a translated sentence. The core's own message is for logs; the UI
// shows text chosen by code, with the waiting time when the hub gave one.
import type { IpcError } from '../ipc';
import type { MessageKey } from './i18n/en';
import { t } from './i18n/index.svelte';

export function errorText(error: IpcError, now: number = Date.now()): string {
  const key = `error.${error.code}` as MessageKey;
  if (error.code === 'lockedOut' && typeof error.lockedUntil === 'number') {
    const minutes = Math.max(1, Math.ceil((error.lockedUntil - now) / 60000));
    return t('error.lockedOutFor', { minutes });
  }
  if (error.code === 'tooManyAttempts' && typeof error.retryAfterSecs === 'number') {
    return t('error.tooManyAttemptsFor', { seconds: Math.max(1, error.retryAfterSecs) });
  }
  return t(key);
}
