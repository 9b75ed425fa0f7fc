import { describe, expect, it } from "vitest";
import "../index.js";
import { MemoryStorage } from "../storage/index.js";
import { ServerConfigError, isLoopbackHost, startServer } from "./serve.js";

describe("isLoopbackHost", () => {
  it("accepts only addresses that cannot be reached from another machine", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"]) expect([host, isLoopbackHost(host)]).toEqual([host, true]);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "example.com", "localhost.example.com", "128.0.0.1"]) {
      expect([host, isLoopbackHost(host)]).toEqual([host, false]);
    }
  });
});

describe("startServer", () => {
  it("refuses a non-loopback address without a token, an empty token and a bad port", async () => {
    const storage = new MemoryStorage();
    await expect(startServer({ storage, host: "0.0.0.0", port: 0 })).rejects.toBeInstanceOf(ServerConfigError);
    await expect(startServer({ storage, host: "127.0.0.1", port: 0, token: "" })).rejects.toThrow(/must not be empty/);
    await expect(startServer({ storage, port: 65536 })).rejects.toThrow(/port must be/);
  });

  it("serves on a free port and closes, leaving a storage it was given open", async () => {
    const storage = new MemoryStorage();
    const server = await startServer({ storage, port: 0 });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const answer = await fetch(`${server.url}/api/v1/health`);
    expect(((await answer.json()) as { status: string }).status).toBe("ok");
    await server.close();
    await expect(fetch(`${server.url}/api/v1/health`)).rejects.toThrow();
    expect(await storage.listStudies()).toEqual([]);
  });
});
