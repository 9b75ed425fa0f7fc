// The dashboard's API client, checked without a browser: which failures of a request say that the
// server does not answer, and which stay what they are.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Loaded by a computed path, as the chart tests load theirs: the dashboard is typed against the DOM.
const apiModule = "../dashboard/src/api.js";

interface Api {
  get: <T>(path: string) => Promise<T>;
  ApiError: new (status: number, message: string, field?: string) => Error & { status: number; field?: string };
  ServerUnreachableError: new (cause: unknown) => Error;
}

/** What the stand-in fetch does with the next request, and the requests the page could not make. */
let answer: () => Promise<unknown> = async () => undefined;
let unmakeable: string | null = null;
let api: Api;

beforeAll(async () => {
  // The page's globals that api.ts reads: no report in the document, no token, and fetch.
  vi.stubGlobal("document", { getElementById: () => null });
  vi.stubGlobal("sessionStorage", { getItem: () => null });
  vi.stubGlobal(
    "Request",
    class {
      constructor(readonly url: string) {
        if (unmakeable !== null && url.includes(unmakeable)) throw new TypeError("Failed to construct 'Request': Invalid value");
      }
    },
  );
  vi.stubGlobal("fetch", () => answer());
  api = (await import(apiModule)) as Api;
});

afterAll(() => {
  vi.unstubAllGlobals();
});

/** A response whose body reads as `text` (or fails to, with `error`). */
const response = (status: number, text: string | Error) => ({ ok: status < 400, status, text: async () => (text instanceof Error ? Promise.reject(text) : text) });

describe("the dashboard's requests", () => {
  it("say the server does not answer where fetch finds none, or the connection drops in the body", async () => {
    const refused = new TypeError("Failed to fetch");
    answer = () => Promise.reject(refused);
    const error = await api.get("/studies").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(api.ServerUnreachableError);
    expect((error as Error).cause).toBe(refused);
    expect((error as Error).message).toMatch(/does not answer \(Failed to fetch\)/);
    answer = async () => response(200, new TypeError("network error"));
    await expect(api.get("/studies")).rejects.toBeInstanceOf(api.ServerUnreachableError);
  });

  it("keep what the server answered, and the errors that are not fetch's finding no server, as they are", async () => {
    answer = async () => response(404, JSON.stringify({ error: { message: 'no study named "gone"', field: "path.study" } }));
    const gone = await api.get("/studies/gone/summary").catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(api.ApiError);
    expect(gone).toMatchObject({ status: 404, field: "path.study" });
    answer = async () => response(200, JSON.stringify({ studies: [] }));
    await expect(api.get("/studies")).resolves.toEqual({ studies: [] });
    // A request that cannot be made throws its TypeError before any fetch: no sign of the server.
    unmakeable = "/studies/x";
    const made = await api.get("/studies/x").catch((e: unknown) => e);
    unmakeable = null;
    expect(made).toBeInstanceOf(TypeError);
    expect(made).not.toBeInstanceOf(api.ServerUnreachableError);
    // fetch's other rejections (an abort) stay theirs.
    const aborted = new Error("The operation was aborted.");
    aborted.name = "AbortError";
    answer = () => Promise.reject(aborted);
    await expect(api.get("/studies")).rejects.toBe(aborted);
  });
});
