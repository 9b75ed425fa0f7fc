/**
 * The token in a `#token=…` fragment, or null. Percent-decoded when it decodes (a link may carry
 * it encoded), else taken as written: a token holding a bare `%` threw "URI malformed" at load
 * and left the page on "Loading…".
 *
 * @example
 * tokenFromFragment("#token=p%zz1") // "p%zz1"
 */
export function tokenFromFragment(hash: string): string | null {
  const match = /(?:^|[#&])token=([^&]*)/.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}
