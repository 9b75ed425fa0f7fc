// What the benchmarks that drive a real `sextant serve` process share: starting it on a free port,
// and POSTing JSON to it with node:http (not fetch: in Node 20, fetch costs the client several
// times the CPU of the server's own work per request, and the client shares the machine with the
// server being measured).
import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";

/**
 * Starts `node CLI serve --storage STORAGE --port 0` and resolves, once it listens, to the process
 * and the API's base URL. Its stderr goes to `onStderr` line by line, or to this process's stderr.
 */
export async function startServe(cli, storage, onStderr) {
  const server = spawn(process.execPath, [cli, "serve", "--storage", storage, "--port", "0"], {
    stdio: ["ignore", "pipe", onStderr ? "pipe" : "inherit"],
    env: { ...process.env, SEXTANT_TOKEN: "" },
  });
  if (onStderr) server.stderr.on("data", (d) => String(d).split("\n").filter(Boolean).forEach(onStderr));
  const base = await new Promise((resolveUrl, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolveUrl(`${match[1]}/api/v1`);
    });
    server.on("exit", (code) => reject(new Error(`sextant serve exited with ${code}`)));
  });
  return { server, base };
}

/** A function that POSTs a JSON body to `base + path` through `agent` and resolves to the JSON answer; a status of 300 or more rejects. */
export function jsonPoster(base, agent) {
  return (path, body) =>
    new Promise((resolvePost, reject) => {
      const text = JSON.stringify(body);
      const request = httpRequest(
        `${base}${path}`,
        { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } },
        (response) => {
          let answer = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => (answer += chunk));
          response.on("end", () => (response.statusCode >= 300 ? reject(new Error(`${path}: ${response.statusCode} ${answer}`)) : resolvePost(JSON.parse(answer))));
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(text);
    });
}
