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

/** Every command the Rust side registers. */
export const COMMANDS = ["app_info"] as const;
