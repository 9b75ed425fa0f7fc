/**
 * Two `sextant serve` servers on one store, asked at the same moment to create one online tuner:
 * one answers 201 (it created the tuner), the other 200 (it found it), on every backend.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { twoConnectionBackends } from "../../test/fixtures/two-connections.js";
import "../index.js";
import { type Storage } from "../storage/index.js";
import { createServerApp } from "./app.js";

const backends = await twoConnectionBackends("server-online-race");

type App = ReturnType<typeof createServerApp>;

async function call(app: App, method: string, path: string, body?: unknown) {
  const init: RequestInit = { method, headers: body === undefined ? {} : { "content-type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await app.request(`/api/v1${path}`, init);
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as any) : undefined };
}

/**
 * `storage`, except that its first `createStudy` first runs `before`: by then the server has
 * found no tuner of the name, and `before` plays the other server creating it in that moment.
 */
function createsAfter(storage: Storage, before: () => Promise<unknown>): Storage {
  let raced = false;
  return new Proxy(storage, {
    get(target, key) {
      if (key === "createStudy") {
        return async (...args: Parameters<Storage["createStudy"]>) => {
          if (!raced) {
            raced = true;
            await before();
          }
          return target.createStudy(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const settings = { parameter: { low: 1, high: 1.9, arms: 10 }, algorithm: "exp3", seed: 5, costScale: 100 };

describe.each(backends)("HTTP API: two servers creating one online tuner at once: $name", (backend) => {
  let first: Storage;
  let second: Storage;
  beforeEach(async (context) => {
    if (backend.skip) context.skip(backend.skip);
    [first, second] = await backend.connections();
  });
  afterEach(async () => {
    await first?.close();
    if (second !== first) await second?.close();
  });

  it("answers 201 from the server whose insert landed and 200 from the other, with the same tuner", async () => {
    const one = createServerApp({ storage: first, logError: () => undefined });
    let winner: Awaited<ReturnType<typeof call>> | null = null;
    const two = createServerApp({
      storage: createsAfter(second, async () => {
        winner = await call(one, "POST", "/online", { name: "omega", ...settings });
      }),
      logError: () => undefined,
    });
    const loser = await call(two, "POST", "/online", { name: "omega", ...settings });
    expect(winner).not.toBeNull();
    expect([winner!.status, loser.status]).toEqual([201, 200]);
    expect(loser.json.tuner).toEqual(winner!.json.tuner);
    expect((await first.listStudies()).map((s) => s.name)).toEqual(["omega"]);

    // One tuner behind both: a choice made through one server waits for its cost in the other.
    const chosen = await call(one, "POST", "/online/omega/choose");
    expect((await call(two, "GET", "/online/omega")).json.tuner.pending).toBe(chosen.json.value);
  });

  it("answers one 201 and one 200 per name when the requests run side by side", async () => {
    const one = createServerApp({ storage: first, logError: () => undefined });
    const two = createServerApp({ storage: second, logError: () => undefined });
    const names = Array.from({ length: 8 }, (_, i) => `tuner-${i}`);
    const answers = await Promise.all(
      names.flatMap((name) => [call(one, "POST", "/online", { name, ...settings }), call(two, "POST", "/online", { name, ...settings })]),
    );
    for (let i = 0; i < names.length; i++) {
      const [a, b] = [answers[2 * i]!, answers[2 * i + 1]!];
      expect([a.status, b.status].sort()).toEqual([200, 201]);
      expect(a.json.tuner).toEqual(b.json.tuner);
    }
    expect((await first.listStudies()).map((s) => s.name).sort()).toEqual([...names].sort());
  });
});
