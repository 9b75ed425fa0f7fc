/**
 * The dashboard's built files (`dist/dashboard/`, written by `npm run build:dashboard` and shipped
 * in the npm package) and how the server hands them out: from memory, under a strict
 * Content-Security-Policy. The files are code, not data, so they need no token; every request
 * for data goes to `/api/v1`, which does.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { packagePath } from "../package-root.js";
import { gzipSync } from "node:zlib";
import type { Context, Hono } from "hono";

/**
 * Scripts and styles only from the server itself, never inline; data only from its API; no
 * plugins, frames or form posts elsewhere.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

export interface DashboardAsset {
  readonly body: Uint8Array;
  /** The same bytes gzipped once at load, for browsers that accept it (most of the page's weight is the script). */
  readonly gzipped: Uint8Array;
  readonly type: string;
}

/** Where the built dashboard lives. */
export function dashboardDir(): string {
  return packagePath("dist", "dashboard");
}

/**
 * Reads every built file into memory, keyed by URL path (`/index.html`, `/assets/…`); null when
 * the dashboard has not been built.
 */
export function loadDashboardAssets(dir = dashboardDir()): Map<string, DashboardAsset> | null {
  if (!existsSync(join(dir, "index.html"))) return null;
  const assets = new Map<string, DashboardAsset>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const body = readFileSync(path);
        assets.set(`/${relative(dir, path).split(sep).join("/")}`, { body, gzipped: gzipSync(body, { level: 9 }), type: TYPES[extname(name)] ?? "application/octet-stream" });
      }
    }
  };
  walk(dir);
  return assets;
}

/**
 * Serves the dashboard at `/` (and its files under `/assets/`) with security headers. Without a
 * build, `/` says how to make one instead of failing silently.
 */
export function mountDashboard(app: Hono, assets: Map<string, DashboardAsset> | null): void {
  const headers = (type: string, immutable: boolean): Record<string, string> => ({
    "content-type": type,
    "content-security-policy": DASHBOARD_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    // Built file names carry a content hash; index.html does not, so it is always revalidated.
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
  });
  const send = (c: Context, asset: DashboardAsset, immutable: boolean) => {
    const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    const body = (gzip ? asset.gzipped : asset.body) as Uint8Array<ArrayBuffer>;
    return c.body(body, 200, { ...headers(asset.type, immutable), vary: "accept-encoding", ...(gzip ? { "content-encoding": "gzip" } : {}) });
  };
  app.get("/", (c) => {
    const index = assets?.get("/index.html");
    if (!index) {
      return c.body("The dashboard is not built in this copy of Sextant: run `npm run build:dashboard` (the npm package ships it built).\n", 404, headers("text/plain; charset=utf-8", false));
    }
    return send(c, index, false);
  });
  app.get("/assets/*", (c) => {
    const asset = assets?.get(new URL(c.req.url).pathname);
    if (!asset) return c.notFound();
    return send(c, asset, true);
  });
}
