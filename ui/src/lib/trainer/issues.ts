// The hub's verdict on a pack it refused: every problem as `file:line: message`. Read
// defensively from whatever error came back, since the list is optional on the wire.

export interface PackIssue {
  /** The pack-relative file, when the hub named one. */
  file: string | null;
  /** The 1-based line, when the hub gave one. */
  line: number | null;
  /** What is wrong, in the hub's words. */
  message: string;
}

/** Splits `en/01.md:12: unknown key` (or `pack.toml: missing id`, or a bare message). */
export function parseIssue(issue: string): PackIssue {
  const withLine = /^([^:\s][^:]*):(\d+):\s*(.*)$/s.exec(issue);
  if (withLine) {
    return { file: withLine[1] ?? null, line: Number(withLine[2]), message: withLine[3] ?? '' };
  }
  const withFile = /^([^:\s]+\.[A-Za-z0-9]+):\s*(.*)$/s.exec(issue);
  if (withFile) return { file: withFile[1] ?? null, line: null, message: withFile[2] ?? '' };
  return { file: null, line: null, message: issue };
}

/** The issues list of an error, if it has one (any code: the list is what matters). */
export function packIssues(error: unknown): PackIssue[] | null {
  if (typeof error !== 'object' || error === null || !('issues' in error)) return null;
  const issues = (error as { issues: unknown }).issues;
  if (!Array.isArray(issues)) return null;
  const lines = issues.filter((issue): issue is string => typeof issue === 'string');
  return lines.length > 0 ? lines.map(parseIssue) : null;
}
