/**
 * A word as a POSIX shell reads it back unchanged, for commands printed to be copied: as it is
 * when it holds no character a shell treats specially, else in single quotes. A PostgreSQL URL's
 * `?schema=` is a glob that zsh refuses ("no matches found") when left unquoted.
 *
 * @example
 * shellWord("sqlite:./sextant.db") // "sqlite:./sextant.db"
 * shellWord("postgres://me@db/x?schema=a") // "'postgres://me@db/x?schema=a'"
 */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
