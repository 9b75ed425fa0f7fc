/**
 * Claims on the runs of a lab folder, so that two `bench run`s into one folder at the same time
 * share the grid instead of both running all of it: before a run starts a (problem, optimizer,
 * seed) cell it creates `OUT/claims/<cell>.json` exclusively, holding who it is (pid, host, boot,
 * pid namespace, start time: see {@link currentWorker}), and deletes it once the cell's result is
 * in results.jsonl or the cell failed. A cell another live run has claimed is left to that run.
 *
 * A claim is stale, and taken over, when the process that made it provably cannot be alive
 * ({@link judgeWorker}: same host, boot and pid namespace, its pid gone or reused), or when it was
 * made on this host before its last reboot (a lab claim has no heartbeat to fall back on, unlike a
 * trial: honored, it would keep its cell from running for good). A claim from another host is
 * honored, whatever became of that host: it is deleted by hand if that run died.
 */
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { currentWorker, judgeWorker, type WorkerIdentity } from "../../study/worker-identity.js";

/** The folder of a lab folder that holds the claims of the runs under way. */
export const CLAIMS_FOLDER = "claims";

/** What a claim file holds: the process that made it, what it claims, and since when. */
export type Claim = WorkerIdentity & { readonly what: string; readonly since: string };

/**
 * The claim file of one (problem, optimizer, seed) cell of lab folder `outDir`.
 *
 * @example
 * cellClaimFile("lab", runKey("branin-2d", "tpe", 0)); // "lab/claims/3b1f….json"
 */
export function cellClaimFile(outDir: string, cell: string): string {
  // Hashed: optimizer labels hold ":", "=", "/" and may be longer than a file name can be.
  return join(outDir, CLAIMS_FOLDER, `${createHash("sha256").update(cell).digest("hex").slice(0, 32)}.json`);
}

/**
 * A claim's holder as messages name it.
 *
 * @example
 * describeHolder(holder); // "pid 4242 on gpu-7"
 */
export function describeHolder(claim: Claim): string {
  return `pid ${claim.pid} on ${claim.host}`;
}

/**
 * Creates claim file `file` for this process, unless a live process holds it: null when this
 * process holds it now, else the holder's claim. A stale claim is taken over.
 *
 * @example
 * const holder = claimFile(cellClaimFile("lab", key), key);
 * if (holder === null) runTheCell(); else console.log(`left to ${describeHolder(holder)}`);
 */
export function claimFile(file: string, what: string): Claim | null {
  const claim: Claim = { ...currentWorker(), what, since: new Date().toISOString() };
  const text = `${JSON.stringify(claim)}\n`;
  // Bounded: each pass claims, finds a live holder, or clears a claim that was in the way, and
  // only other runs releasing or clearing claims on this one cell at the same moment start another.
  for (let attempt = 0; attempt < 8; attempt++) {
    let created: boolean;
    try {
      mkdirSync(dirname(file), { recursive: true });
      created = createWhole(file, text);
    } catch (error) {
      // The folder was removed meanwhile by a run that ended (see removeClaimsFolderIfEmpty),
      // between the mkdir and the stat of a recursive mkdirSync too, which then says ENOENT.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    if (created) return null;
    const held = readClaimText(file);
    if (held === null) continue; // released meanwhile
    const holder = parseClaim(held);
    if (holder !== null && !isStale(holder)) return holder;
    removeStale(file, held);
  }
  throw new Error(`could not claim ${file}: other runs kept claiming and releasing it`);
}

/**
 * Deletes a claim this process holds; one already gone is no error.
 *
 * @example
 * releaseClaimFile(cellClaimFile("lab", key));
 */
export function releaseClaimFile(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Removes the claims folder of lab folder `outDir` when it holds no claim, as a run leaves it once
 * it has ended; one that holds another run's claims stays.
 *
 * @example
 * removeClaimsFolderIfEmpty("lab");
 */
export function removeClaimsFolderIfEmpty(outDir: string): void {
  try {
    rmdirSync(join(outDir, CLAIMS_FOLDER));
  } catch (error) {
    if (!["ENOENT", "ENOTEMPTY", "EEXIST"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
  }
}

/**
 * A name beside `file` that no other process uses: named by its pid, a run on another host (or in
 * another container) with the same pid wrote its claim into this one's draft, and deleted it.
 */
function ownName(file: string, suffix: string): string {
  return `${file}.${currentWorker().id}.${suffix}`;
}

/**
 * Makes `file` with all of `text` at once, unless it exists: written first under a name of this
 * process's own, then linked, so a reader never finds a claim half written (and judges it stale).
 */
function createWhole(file: string, text: string): boolean {
  const draft = ownName(file, "draft");
  writeFileSync(draft, text);
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    releaseClaimFile(draft);
  }
}

function readClaimText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** The claim in `text`, or null for what no run writes (a file edited by hand), which is stale. */
function parseClaim(text: string): Claim | null {
  try {
    const claim = JSON.parse(text) as Partial<Claim>;
    return typeof claim.pid === "number" && typeof claim.host === "string" ? (claim as Claim) : null;
  } catch {
    return null;
  }
}

function isStale(claim: Claim): boolean {
  if (judgeWorker(claim).gone) return true;
  const self = currentWorker();
  return claim.host === self.host && typeof claim.bootId === "string" && self.bootId !== null && claim.bootId !== self.bootId;
}

/**
 * Removes the stale claim `stale` from `file`, unless another run has taken it over since it was
 * read: moved aside first, the claim found there is put back when it is not the stale one.
 */
function removeStale(file: string, stale: string): void {
  const aside = ownName(file, "stale");
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    if (readFileSync(aside, "utf8") !== stale) linkSync(aside, file);
  } catch (error) {
    // EEXIST: yet another run claimed the cell meanwhile; its claim stands.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    releaseClaimFile(aside);
  }
}
