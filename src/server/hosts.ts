import { isIPv4, isIPv6 } from "node:net";

/**
 * Whether `host` can only be reached from this machine: `localhost`, 127.0.0.0/8, `::1`, or an
 * IPv4-mapped 127 address. Any other name may resolve to a public interface, so it counts as not.
 *
 * @example
 * isLoopbackHost("127.0.0.1") // true
 * isLoopbackHost("0.0.0.0")   // false
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIPv4(bare)) return bare.startsWith("127.");
  if (isIPv6(bare)) return bare === "::1" || bare === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(bare);
  return false;
}

/**
 * Why a request to a server without a token, listening on this machine only, must be refused, or
 * null. Such a server trusts whoever reaches it, and a web page in the user's browser reaches it:
 * - a `Host` that is no loopback name is a page on another domain that resolved itself to
 *   127.0.0.1 (DNS rebinding), which could then read and delete studies;
 * - a request that changes something and carries an `Origin` other than the server's own (or an
 *   allowed CORS origin) is another site's form or fetch (cross-site request forgery): a POST with
 *   an empty body or a text/plain one needs no CORS preflight.
 * Programs (curl, the Python client, workers) send no Origin and a loopback Host, and pass.
 *
 * @example
 * crossSiteProblem("POST", "127.0.0.1:8080", "https://evil.example", []) // { field: "header.origin", message: "a POST from the web page at https://evil.example is refused: …" }
 */
export function crossSiteProblem(
  method: string,
  host: string | undefined,
  origin: string | undefined,
  allowedOrigins: readonly string[],
): { message: string; field: "header.host" | "header.origin" } | null {
  let hostname: string;
  try {
    hostname = new URL(`http://${host ?? ""}`).hostname;
  } catch {
    return { field: "header.host", message: `the Host header ${JSON.stringify(host ?? "")} is not a host name` };
  }
  if (!isLoopbackHost(hostname)) {
    return { field: "header.host", message: `this server has no token, so it answers only requests addressed to this machine (localhost, 127.0.0.1, [::1]), not to ${JSON.stringify(host)}; give it a token (--token or SEXTANT_TOKEN) to serve other names` };
  }
  if (method === "GET" || method === "HEAD" || method === "OPTIONS" || origin === undefined) return null;
  if (origin === `http://${host}` || allowedOrigins.includes(origin) || allowedOrigins.includes("*")) return null;
  return {
    field: "header.origin",
    message: `a ${method} from the web page at ${origin} is refused: this server has no token, and another site's page must not change its studies (allow that origin with --cors, or give the server a token)`,
  };
}

/**
 * CORS origins as the browser sends them: `*` for any, else scheme://host[:port] with no path, so
 * `http://a.example/` is `http://a.example`. Throws a TypeError naming a value that is no origin:
 * `*`, a trailing slash and a typo were accepted and silently matched nothing.
 *
 * @example
 * normalizeCorsOrigins(["http://a.example/", "https://b.example:8443"]) // ["http://a.example", "https://b.example:8443"]
 */
export function normalizeCorsOrigins(origins: readonly string[]): string[] {
  return origins.map((given) => {
    if (given === "*") return "*";
    let url: URL | null = null;
    try {
      url = new URL(given);
    } catch {
      // Said below.
    }
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "") {
      throw new TypeError(`CORS origin ${JSON.stringify(given)} is not an origin: give scheme://host[:port] (e.g. http://localhost:3000), or * for any`);
    }
    return url.origin;
  });
}
