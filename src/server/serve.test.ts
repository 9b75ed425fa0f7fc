import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import "../index.js";
import { MemoryStorage } from "../storage/index.js";
import { ServerConfigError, type StartServerOptions, isLoopbackHost, startServer } from "./serve.js";

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
    // Each started, and refused every client: HTTP trims header values and cannot carry a newline.
    await expect(startServer({ storage, host: "127.0.0.1", port: 0, token: " " })).rejects.toThrow("the token is only white space: no client could send it in an HTTP header");
    await expect(startServer({ storage, host: "127.0.0.1", port: 0, token: "secret\n" })).rejects.toThrow("the token ends with white space (a newline from a file?)");
    await expect(startServer({ storage, host: "127.0.0.1", port: 0, token: "sec\u0007ret" })).rejects.toThrow("the token holds a control character");
    await expect(startServer({ storage, port: 65536 })).rejects.toThrow(/port must be/);
  });

  it("refuses an option it does not know, naming the one meant, before opening the storage or listening", async () => {
    // It listened on 8080, the default, where prot asked for 9000.
    const misspelt = { storage: "sqlite:/nonexistent-dir/never-opened.db", prot: 0 } as unknown as StartServerOptions;
    await expect(startServer(misspelt)).rejects.toBeInstanceOf(ServerConfigError);
    await expect(startServer(misspelt)).rejects.toThrow(
      'startServer: unknown option "prot" (did you mean "port"?); valid options: storage, token, corsOrigins, bodyLimitBytes, logError, dashboard, heartbeatGraceSeconds, localOnly, host, port, requestTimeoutSeconds, upgradeSchema',
    );
  });

  it("refuses a heartbeat grace of 0 and a CORS origin that is not one as settings, before opening the storage", async () => {
    // The grace was checked only once the storage was open (a RangeError), leaving it open.
    const dir = mkdtempSync(join(tmpdir(), "sextant-serve-"));
    try {
      const path = join(dir, "never-made.db");
      await expect(startServer({ storage: `sqlite:${path}`, port: 0, heartbeatGraceSeconds: 0 })).rejects.toThrow(
        new ServerConfigError("heartbeatGraceSeconds must be a positive number, got 0"),
      );
      await expect(startServer({ storage: `sqlite:${path}`, port: 0, corsOrigins: ["localhost:3000"] })).rejects.toBeInstanceOf(ServerConfigError);
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  it("without a token, refuses what a web page could send it: another Host (DNS rebinding) and changes from another origin", async () => {
    const send = (url: string, method: string, path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; json: { error?: { field?: string; message?: string } } }>((resolve, reject) => {
        const req = request(`${url}/api/v1${path}`, { method, headers }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, json: text === "" ? {} : JSON.parse(text) }));
        });
        req.on("error", reject);
        req.end();
      });
    const storage = new MemoryStorage();
    await storage.createStudy("s", ["minimize"]);
    const server = await startServer({ storage, port: 0, dashboard: false, corsOrigins: ["http://allowed.example"] });
    const own = `127.0.0.1:${server.port}`;
    try {
      // A page on attacker.example that resolved itself to 127.0.0.1 read every study, and could delete them.
      const rebound = await send(server.url, "GET", "/studies", { host: `attacker.example:${server.port}` });
      expect([rebound.status, rebound.json.error?.field]).toEqual([403, "header.host"]);
      // Another site's form or text/plain fetch (no preflight) created running trials nobody reaps.
      const forged = await send(server.url, "POST", "/studies/s/trials", { host: own, origin: "https://evil.example", "content-type": "text/plain" });
      expect([forged.status, forged.json.error?.field]).toEqual([403, "header.origin"]);
      expect(forged.json.error?.message).toMatch(/^a POST from the web page at https:\/\/evil\.example is refused/);
      expect((await storage.trialsSince((await storage.getStudy("s"))!.id, 0)).trials).toEqual([]);
      // Programs send no Origin; the dashboard's own page and an allowed origin pass; so do reads.
      const passing: Record<string, string>[] = [{ host: own }, { host: own, origin: `http://${own}` }, { host: `localhost:${server.port}`, origin: "http://allowed.example" }];
      for (const headers of passing) {
        expect((await send(server.url, "POST", "/studies/s/trials", { ...headers, "content-type": "application/json" })).status).toBe(201);
      }
      expect((await send(server.url, "GET", "/studies", { host: own, origin: "https://evil.example" })).status).toBe(200);
    } finally {
      await server.close();
    }
    // With a token, the token is the guard: other names and origins may reach it.
    const open = await startServer({ storage, port: 0, dashboard: false, token: "t0ken" });
    try {
      expect((await send(open.url, "GET", "/studies", { host: `tuning.example:${open.port}`, authorization: "Bearer t0ken" })).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it("stops promptly while a keep-alive client keeps sending requests on one connection", async () => {
    const storage = new MemoryStorage();
    const server = await startServer({ storage, port: 0, dashboard: false });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = (path: string, body?: (req: ReturnType<typeof request>) => void) =>
      new Promise<number | null>((resolve) => {
        const req = request(`${server.url}/api/v1${path}`, { agent, method: body ? "POST" : "GET", headers: body ? { "content-type": "application/json", "content-length": "13" } : {} }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? null));
        });
        req.on("error", () => resolve(null));
        if (body) body(req);
        else req.end();
      });
    try {
      expect(await call("/health")).toBe(200);
      // A request under way when the stop comes (its body still arriving) …
      let finishBody = (): void => undefined;
      const inFlight = call("/studies", (req) => {
        req.write('{"name":');
        finishBody = () => req.end('"k1"}');
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = server.close();
      finishBody();
      expect(await inFlight).toBe(201);
      // … then the same client goes on asking, as a dashboard tab does. It was served on for as
      // long as it kept asking (12 s and more in a user's run), and the stop waited for it.
      let stopped = false;
      void closed.then(() => (stopped = true));
      let answered = 0;
      for (let polls = 0; polls < 20 && !stopped; polls++) {
        if ((await call("/health")) !== null) answered++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(answered).toBe(0);
      await closed;
    } finally {
      agent.destroy();
    }
  });

  it("does not log a client that hung up mid-body as an internal error", async () => {
    const storage = new MemoryStorage();
    await storage.createStudy("s", ["minimize"]);
    const logged: string[] = [];
    const server = await startServer({ storage, port: 0, dashboard: false, logError: (message) => logged.push(message) });
    try {
      for (let i = 0; i < 3; i++) {
        const socket = connect(server.port, "127.0.0.1");
        await new Promise((resolve) => socket.once("connect", resolve));
        socket.write(`POST /api/v1/studies/s/trials HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{"params": `);
        await new Promise((resolve) => setTimeout(resolve, 150));
        socket.destroy();
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Each one used to log "internal error on POST …: Error: aborted" with a stack.
      expect(logged).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("answers 408 and closes the connection of a request whose body never arrives whole, after requestTimeoutSeconds", async () => {
    const storage = new MemoryStorage();
    await expect(startServer({ storage, port: 0, requestTimeoutSeconds: 0 })).rejects.toThrow(
      new ServerConfigError("requestTimeoutSeconds must be a positive number of seconds, got 0"),
    );
    const logged: string[] = [];
    const server = await startServer({ storage, port: 0, dashboard: false, requestTimeoutSeconds: 1, logError: (message) => logged.push(message) });
    try {
      const socket = connect(server.port, "127.0.0.1");
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (received += chunk));
      const closed = new Promise((resolve) => socket.once("close", resolve));
      await new Promise((resolve) => socket.once("connect", resolve));
      // 60 bytes declared, 11 sent: the connection was held for Node's default of 300 s.
      socket.write(`POST /api/v1/studies HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{"name": "s`);
      await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      // With the JSON error every other answer has, which the clients read (it had no body at all).
      expect(received).toMatch(/\r\ncontent-type: application\/json\r\n/i);
      expect(JSON.parse(received.slice(received.indexOf("\r\n\r\n") + 4))).toEqual({
        error: { status: 408, message: "the request did not arrive whole within 1 s (is its body shorter than its Content-Length?)", field: "body" },
      });
      expect(await storage.getStudy("s")).toBeNull();
      // A request that is not HTTP at all gets Node's 400, with a JSON error too.
      const garbled = connect(server.port, "127.0.0.1");
      let garbledAnswer = "";
      garbled.setEncoding("utf8");
      garbled.on("data", (chunk: string) => (garbledAnswer += chunk));
      const garbledClosed = new Promise((resolve) => garbled.once("close", resolve));
      garbled.write("NOT HTTP\r\n\r\n");
      await garbledClosed;
      expect(garbledAnswer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(garbledAnswer.slice(garbledAnswer.indexOf("\r\n\r\n") + 4)).error).toEqual({ status: 400, message: expect.stringMatching(/^the request is not valid HTTP\/1\.1 \(HPE_/) });
      // Headers larger than Node reads (16 KiB): 431, with a JSON error too.
      const oversized = connect(server.port, "127.0.0.1");
      let oversizedAnswer = "";
      oversized.setEncoding("utf8");
      oversized.on("data", (chunk: string) => (oversizedAnswer += chunk));
      const oversizedClosed = new Promise((resolve) => oversized.once("close", resolve));
      oversized.write(`GET /api/v1/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"x".repeat(20_000)}\r\n\r\n`);
      await oversizedClosed;
      expect(oversizedAnswer).toMatch(/^HTTP\/1\.1 431 /);
      // The document lists these answers of the socket's for every route: 408 was missing.
      const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: object }>> };
      for (const operations of Object.values(doc.paths)) {
        for (const operation of Object.values(operations)) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["400", "408", "431"]));
      }
      expect(logged).toEqual([]);
    } finally {
      await server.close();
    }
  }, 20_000);

  it("refuses bodies over the limit with 413 over a socket, whether their length is declared or chunked", async () => {
    const storage = new MemoryStorage();
    const server = await startServer({ storage, port: 0, bodyLimitBytes: 1000 });
    try {
      const send = (body: string, chunked: boolean) =>
        new Promise<{ status: number; json: { error?: { field?: string } } }>((resolve, reject) => {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (chunked) headers["transfer-encoding"] = "chunked";
          else headers["content-length"] = String(Buffer.byteLength(body));
          const req = request(`${server.url}/api/v1/studies`, { method: "POST", headers }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
          });
          req.on("error", reject);
          // Chunked bodies arrive in pieces, so the limit is met while reading, not from a header.
          if (chunked) for (let i = 0; i < body.length; i += 300) req.write(body.slice(i, i + 300));
          req.end(chunked ? undefined : body);
        });
      const big = JSON.stringify({ name: "big", userAttrs: { pad: "x".repeat(2000) } });
      for (const chunked of [false, true]) {
        const answer = await send(big, chunked);
        expect([chunked, answer.status, answer.json.error?.field]).toEqual([chunked, 413, "body"]);
      }
      expect((await send(JSON.stringify({ name: "small" }), false)).status).toBe(201);
      expect((await send(JSON.stringify({ name: "small-chunked" }), true)).status).toBe(201);
      expect((await storage.listStudies()).map((s) => s.name).sort()).toEqual(["small", "small-chunked"]);
    } finally {
      await server.close();
    }
  });
});
