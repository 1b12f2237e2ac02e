// Password policy reasons, translated. The core and the hub send a code plus parameters
// (`{ code: 'tooShort', min: 12, actual: 8 }`); unknown codes fall back to a generic sentence.
import type { PasswordHint } from '../ipc';
import type { MessageKey } from './i18n/en';
import { t } from './i18n/index.svelte';

const KEYS: Record<string, MessageKey> = {
  tooShort: 'password.tooShort',
  tooLong: 'password.tooLong',
  missingLetter: 'password.missingLetter',
  missingDigit: 'password.missingDigit',
  missingUppercase: 'password.missingUppercase',
  missingLowercase: 'password.missingLowercase',
  missingSymbol: 'password.missingSymbol',
  common: 'password.common',
  containsContext: 'password.containsContext',
  tooGuessable: 'password.tooGuessable',
};

export function hintText(hint: PasswordHint): string {
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(hint)) {
    if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  }
  return t(KEYS[hint.code] ?? 'password.generic', params);
}
