import { describe, expect, it } from 'vitest';
import { toIpcError } from '../../src/ipc';

describe('toIpcError', () => {
  it('keeps a well-formed error from the Rust side', () => {
    expect(toIpcError({ code: 'invalidInput', message: 'hub address is not a URL' })).toEqual({
      code: 'invalidInput',
      message: 'hub address is not a URL',
    });
  });

  it('turns anything else into a generic internal error without echoing it', () => {
    for (const raw of ['boom 4111111111111111', null, 42, { code: 'nope', message: 'x' }]) {
      const error = toIpcError(raw);
      expect(error.code).toBe('internal');
      expect(error.message).not.toContain('4111');
    }
  });
});
