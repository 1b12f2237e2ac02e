// Turns what a trainer picked (a folder or a .zip) into the pack files the hub validates. The hub
// is the authority on a pack's content; this side only makes sure that what leaves the console is
// a bounded set of UTF-8 text files with safe relative paths, and says precisely what is not.
import { unzipSync, type UnzipFileInfo } from 'fflate';
import type { PackFile } from '../../ipc/training';

/** Everything a pack may hold, uncompressed (the built-in curriculum is well under 1 MiB). */
export const MAX_PACK_BYTES = 4 * 1024 * 1024;
/** Files in a pack: the hub takes a manifest and at most 500 lessons (its `MAX_LESSONS`). */
export const MAX_PACK_FILES = 501;
/** A longer relative path is a sign of something other than a pack. */
export const MAX_PATH_CHARS = 200;

/** Why (part of) a selection cannot be sent, for the UI to translate. */
export type PackProblem =
  | { code: 'empty' }
  | { code: 'tooLarge'; limit: number }
  | { code: 'tooManyFiles'; limit: number }
  | { code: 'notZip' }
  | { code: 'unsafePath'; path: string }
  | { code: 'duplicatePath'; path: string }
  | { code: 'notText'; path: string }
  | { code: 'unsupportedCompression'; path: string };

export type PackRead = { ok: true; files: PackFile[] } | { ok: false; problems: PackProblem[] };

/** A picked file before it is read: its path as the picker gave it and its size. */
export interface PickedFile {
  path: string;
  size: number;
}

/** A file read into memory. */
export interface RawFile {
  path: string;
  bytes: Uint8Array;
}

/** A path is safe when it is relative, uses `/`, and has no empty, `.` or `..` segment. */
export function isSafePath(path: string): boolean {
  if (path.length === 0 || path.length > MAX_PATH_CHARS) return false;
  if (path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path)) return false;
  // Control characters (NUL included) never belong in a pack's file name.
  for (let i = 0; i < path.length; i += 1) {
    if (path.charCodeAt(i) < 0x20 || path.charCodeAt(i) === 0x7f) return false;
  }
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** Files an OS or an archiver adds that are no part of a pack (`.DS_Store`, `__MACOSX/…`,
 * `Thumbs.db`, dotfiles and dot-folders). A `.` or `..` segment is not clutter: such a path is
 * refused as unsafe, never quietly dropped. */
export function isClutter(path: string): boolean {
  const segments = path.split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) return false;
  return segments.some(
    (segment) => segment.startsWith('.') || segment === '__MACOSX' || segment === 'Thumbs.db',
  );
}

/** Drops the folder a folder picker puts in front of every path (`webkitRelativePath` is
 * `chosen/en/01.md`); paths that do not have one are returned as they are. */
export function stripChosenFolder(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

/** When every path sits in one top folder (a zip of the pack's folder), drops that folder. */
export function stripCommonFolder(paths: string[]): string[] {
  const first = paths[0];
  if (first === undefined || !first.includes('/')) return paths;
  const top = first.slice(0, first.indexOf('/') + 1);
  return paths.every((path) => path.startsWith(top) && path.length > top.length)
    ? paths.map((path) => path.slice(top.length))
    : paths;
}

/** Checks the count and the total size before anything is read. */
export function checkPicked(picked: PickedFile[]): PackProblem[] {
  const problems: PackProblem[] = [];
  const kept = picked.filter((file) => !isClutter(file.path));
  if (kept.length === 0) problems.push({ code: 'empty' });
  if (kept.length > MAX_PACK_FILES) problems.push({ code: 'tooManyFiles', limit: MAX_PACK_FILES });
  const total = kept.reduce((sum, file) => sum + file.size, 0);
  if (total > MAX_PACK_BYTES) problems.push({ code: 'tooLarge', limit: MAX_PACK_BYTES });
  return problems;
}

/**
 * The pack files for raw files whose paths are already relative to the pack's folder. Clutter is
 * skipped; every other problem (an unsafe path, a duplicate, a file that is not UTF-8 text) is
 * reported, all of them at once, and nothing is returned when there is any.
 */
export function packFromRaw(raw: RawFile[]): PackRead {
  const kept = raw.filter((file) => !isClutter(file.path));
  const problems = checkPicked(kept.map((file) => ({ path: file.path, size: file.bytes.length })));
  if (problems.length > 0) return { ok: false, problems };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const seen = new Set<string>();
  const files: PackFile[] = [];
  for (const file of kept) {
    if (!isSafePath(file.path)) {
      problems.push({ code: 'unsafePath', path: file.path });
      continue;
    }
    // Two spellings of one name would be one file on a case-insensitive disk.
    const key = file.path.toLowerCase();
    if (seen.has(key)) {
      problems.push({ code: 'duplicatePath', path: file.path });
      continue;
    }
    seen.add(key);
    try {
      files.push({ path: file.path, text: decoder.decode(file.bytes) });
    } catch {
      problems.push({ code: 'notText', path: file.path });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, files };
}

/** The pack in a folder the trainer picked: `path` is the picker's `webkitRelativePath`. */
export function packFromFolder(raw: RawFile[]): PackRead {
  return packFromRaw(raw.map((file) => ({ ...file, path: stripChosenFolder(file.path) })));
}

/**
 * The pack in a zip. Sizes are checked from the archive's directory before anything is
 * inflated, and fflate never inflates an entry past the size its directory declares, so a zip
 * bomb cannot take more than `MAX_PACK_BYTES`.
 */
export function packFromZip(zip: Uint8Array): PackRead {
  if (zip.length > MAX_PACK_BYTES) {
    return { ok: false, problems: [{ code: 'tooLarge', limit: MAX_PACK_BYTES }] };
  }
  const problems: PackProblem[] = [];
  const wanted: string[] = [];
  let total = 0;
  let count = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (info: UnzipFileInfo) => {
        // Folder entries carry no data.
        if (info.name.endsWith('/') || isClutter(info.name)) return false;
        count += 1;
        total += info.originalSize;
        if (count > MAX_PACK_FILES || total > MAX_PACK_BYTES) return false;
        if (!isSafePath(info.name)) {
          problems.push({ code: 'unsafePath', path: info.name });
          return false;
        }
        if (info.compression !== 0 && info.compression !== 8) {
          problems.push({ code: 'unsupportedCompression', path: info.name });
          return false;
        }
        wanted.push(info.name);
        return true;
      },
    });
  } catch {
    return { ok: false, problems: [{ code: 'notZip' }] };
  }
  // Over a limit: nothing was inflated, and nothing more is worth saying.
  const limits: PackProblem[] = [];
  if (total > MAX_PACK_BYTES) limits.push({ code: 'tooLarge', limit: MAX_PACK_BYTES });
  if (count > MAX_PACK_FILES) limits.push({ code: 'tooManyFiles', limit: MAX_PACK_FILES });
  if (limits.length > 0) return { ok: false, problems: limits };
  const paths = stripCommonFolder(wanted);
  const raw: RawFile[] = [];
  wanted.forEach((name, index) => {
    // Own properties only: a `__proto__` entry would not be one.
    const bytes = Object.prototype.hasOwnProperty.call(entries, name) ? entries[name] : undefined;
    const path = paths[index];
    if (bytes && path !== undefined) raw.push({ path, bytes });
  });
  // The entries refused on sight are reported together with what the readable ones show.
  const read = packFromRaw(raw);
  if (problems.length === 0) return read;
  const more = read.ok ? [] : read.problems.filter((problem) => problem.code !== 'empty');
  return { ok: false, problems: [...problems, ...more] };
}
