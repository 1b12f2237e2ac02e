// Generated from crates/console-core/src/ipc.rs by `make bindings`. Do not edit.

export type BuildKind = "debug" | "release";

export type AppInfo = { 
/**
 * Display name of the product.
 */
product: string, 
/**
 * Semantic version of the console.
 */
version: string, 
/**
 * Debug or release build.
 */
buildKind: BuildKind, 
/**
 * Keychain namespace used by this build (dev and release differ).
 */
keychainNamespace: string, 
/**
 * Operating system (`linux`, `macos`, `windows`).
 */
platform: string, };

export type IpcErrorCode = "invalidInput" | "internal";

export type IpcError = { 
/**
 * What kind of failure this is.
 */
code: IpcErrorCode, 
/**
 * A short, safe description.
 */
message: string, };

export type UiErrorSource = "uncaught" | "unhandledRejection";

export type UiErrorReport = { 
/**
 * Where it came from.
 */
source: UiErrorSource, 
/**
 * The error's message. May contain anything the page held, so it is scrubbed on the way
 * into the log and cut to [`MAX_UI_ERROR_CHARS`].
 */
message: string, };

/** Every command the Rust side registers. */
export const COMMANDS = ["app_info", "report_ui_error"] as const;
