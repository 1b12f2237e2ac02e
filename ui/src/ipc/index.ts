// The only module that talks to the Rust side. Components call these typed functions; they never
// import @tauri-apps/api themselves (eslint enforces it).
import { invoke } from '@tauri-apps/api/core';
import type { AppInfo, IpcError, IpcErrorCode, UiErrorReport } from './bindings';

export type {
  AppInfo,
  BuildKind,
  IpcError,
  IpcErrorCode,
  UiErrorReport,
  UiErrorSource,
} from './bindings';

const KNOWN_CODES: readonly IpcErrorCode[] = ['invalidInput', 'internal'];

/** Narrows whatever a failed `invoke` threw into the typed error the Rust side sends. */
export function toIpcError(raw: unknown): IpcError {
  if (typeof raw === 'object' && raw !== null && 'code' in raw && 'message' in raw) {
    const { code, message } = raw as { code: unknown; message: unknown };
    if (
      typeof code === 'string' &&
      (KNOWN_CODES as readonly string[]).includes(code) &&
      typeof message === 'string'
    ) {
      return { code: code as IpcErrorCode, message };
    }
  }
  return { code: 'internal', message: 'Unexpected error from the console core' };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toIpcError(raw);
  }
}

/** Sends a front-end error to the console's redacted log. Never throws. */
export function reportUiError(report: UiErrorReport): void {
  call<null>('report_ui_error', { report }).catch(() => {
    // Nowhere left to report to; the error already reached the devtools console in debug.
  });
}

/** Version, build kind and platform of the running console. */
export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}
