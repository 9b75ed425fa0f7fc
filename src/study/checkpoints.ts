/**
 * Where the checkpoints of a population live: files under one folder per study, one subfolder per
 * segment trial (`trial-<number>`). Storage keeps only the subfolder's name on the trial
 * (`pbt:saved`, and `pbt:checkpoint` on the segment that starts from it), never the data, so a
 * model of gigabytes costs the database a few bytes. Names are relative to the folder, so workers
 * on machines that mount a shared folder at different paths agree (each passes its own
 * `checkpointDir`).
 *
 * The default folder sits next to a SQLite file (`runs.db` → `runs.db-checkpoints/<study>`); for
 * `memory:` it is a fresh folder under the system's temporary directory, and for PostgreSQL
 * `./sextant-checkpoints/<study>` in the working directory (set `checkpointDir` for a fleet).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { segmentPlace } from "../schedulers/base.js";
import { type FrozenTrial, type JsonValue, jsonValueProblem } from "../space/index.js";
import { API_SPELLING, tagNonFinite, untagNonFinite } from "../space/non-finite-json.js";
import { sqlitePath } from "../storage/index.js";
import { FolderNotWritableError, ensureWritableFolder } from "./folders.js";

const DATA_JSON = "checkpoint.json";
const DATA_BINARY = "checkpoint.bin";
/** The file in a checkpoint folder that names the study saving there (see {@link CheckpointStore.claim}). */
export const FOLDER_OWNER_FILE = ".sextant-study";

/** What a segment hands to {@link Trial.saveCheckpoint}: a JSON value or bytes, or a folder the program wrote. */
export type CheckpointInput = { readonly data: JsonValue | Uint8Array } | { readonly dir: string };

/** The checkpoint a segment starts from, as {@link Trial.checkpoint} returns it. */
export interface Checkpoint {
  /** The trial that saved it. */
  readonly trialNumber: number;
  /** Its folder: read files the program saved there. */
  readonly dir: string;
  /** What was saved with `saveCheckpoint({ data })`: the JSON value or a Buffer; undefined for a folder checkpoint. */
  readonly data: JsonValue | Buffer | undefined;
}

/** By in-memory storage (or the URL "memory:" when none is given), then study name: its temporary folder. */
const memoryRoots = new WeakMap<object, Map<string, string>>();
const MEMORY_URL_KEY = {};
/** Temporary folders of in-memory studies: they die with the process, as their storage does. */
const temporaryRoots: string[] = [];

/**
 * The default checkpoint folder of a study kept at `storageUrl`. For `memory:` it is a new
 * temporary folder per storage object (`storage`; every `memory:` URL opens a storage of its
 * own), removed when the process exits.
 *
 * @example
 * defaultCheckpointRoot("sqlite:./runs.db", "pbt-demo") // "<cwd>/runs.db-checkpoints/pbt-demo"
 */
export function defaultCheckpointRoot(storageUrl: string, studyName: string, storage?: object): string {
  if (storageUrl.startsWith("memory:")) return memoryCheckpointRoot(storage ?? MEMORY_URL_KEY, studyName);
  return checkpointRootIn(storageUrl, checkpointFolderName(studyName));
}

function memoryCheckpointRoot(storage: object, studyName: string): string {
  let roots = memoryRoots.get(storage);
  if (!roots) memoryRoots.set(storage, (roots = new Map()));
  let root = roots.get(studyName);
  if (!root) {
    const folder = mkdtempSync(join(tmpdir(), "sextant-checkpoints-"));
    if (temporaryRoots.length === 0) process.once("exit", () => temporaryRoots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
    temporaryRoots.push(folder);
    root = join(folder, checkpointFolderName(studyName));
    roots.set(studyName, root);
  }
  return root;
}

/**
 * Where Sextant before 2026-12-05 kept the checkpoints of a study whose name is not a plain file
 * name (the name with other characters replaced by "_"), or null when that is today's folder.
 * Populations started then keep reading their checkpoints there (see {@link CheckpointStore}).
 */
export function formerCheckpointRoot(storageUrl: string, studyName: string): string | null {
  if (storageUrl.startsWith("memory:")) return null;
  const former = plainCharacters(studyName);
  return former === checkpointFolderName(studyName) ? null : checkpointRootIn(storageUrl, former);
}

function checkpointRootIn(storageUrl: string, safe: string): string {
  const path = sqlitePath(storageUrl);
  if (path !== null) {
    const file = resolve(path);
    return join(dirname(file), `${basename(file)}-checkpoints`, safe);
  }
  return resolve("sextant-checkpoints", safe);
}

/**
 * A study's folder name: the name itself when it is a plain file name, else its plain characters
 * and a hash of the whole name. Replacing the other characters alone made "学习率" and "批大小" (both
 * "_"), or "exp/1" and "exp 1", share one folder, and one study restored the other's checkpoints.
 */
function checkpointFolderName(studyName: string): string {
  if (/^[A-Za-z0-9_.-]+$/.test(studyName) && !/^\.+$/.test(studyName)) return studyName;
  const plain = plainCharacters(studyName).slice(0, 60);
  return `${plain === "_" ? "study" : plain}-${createHash("sha256").update(studyName).digest("hex").slice(0, 12)}`;
}

/** The name with each run of characters other than letters, digits and `_.-` replaced by "_". */
function plainCharacters(studyName: string): string {
  return studyName.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/**
 * Throws {@link FolderNotWritableError} when checkpoint folder `root` is marked as another study's
 * than `owner` (see {@link CheckpointStore.claim}); a study deleted and made again under its name
 * keeps its folder, and a folder without a mark is anyone's.
 *
 * @example
 * checkFolderOwner("/data/ckpt", "lr-june") // throws if study "lr-may" saves its checkpoints there
 */
export function checkFolderOwner(root: string, owner: string): void {
  const mark = join(root, FOLDER_OWNER_FILE);
  let other: string;
  try {
    other = readFileSync(mark, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  // Empty while another worker of the same study is writing it.
  if (other === "" || other === owner) return;
  throw new FolderNotWritableError(
    resolve(root),
    `it holds the checkpoints of study ${JSON.stringify(other)}, which study ${JSON.stringify(owner)} would overwrite (both name theirs trial-N); ` +
      `give study ${JSON.stringify(owner)} a checkpoint folder of its own, or delete ${resolve(mark)} if study ${JSON.stringify(other)} no longer needs them; ` +
      // A renamed copy (sextant copy --to-study) needs the trial-N folders it was copied with: "a folder of its own" alone left it nothing to start from.
      `a copy of study ${JSON.stringify(other)} (sextant copy --to-study), which goes on from them, takes a copy of the folder without its ${FOLDER_OWNER_FILE} file as its checkpointDir ` +
      `(sextant tune --scheduler-opt checkpoint_dir=DIR stores it for its workers)`,
  );
}

/** Whether folder `outer` is `inner` or holds it (a name starting with ".." inside it is inside it). */
function holds(outer: string, inner: string): boolean {
  const path = relative(outer, inner);
  return path === "" || (path !== ".." && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

function removeDataFiles(dir: string): void {
  rmSync(join(dir, DATA_JSON), { force: true });
  rmSync(join(dir, DATA_BINARY), { force: true });
}

/**
 * The checkpoint folder of one study.
 *
 * @example
 * const store = new CheckpointStore("/data/ckpt/my-study");
 * store.save(12, { data: { weights: [0.1, 0.2] } }); // "trial-12"
 * store.open("trial-12", 12).data // { weights: [0.1, 0.2] }
 */
export class CheckpointStore {
  /**
   * @param root where checkpoints are saved and looked for first
   * @param formerRoot where an earlier version saved them: a checkpoint missing from `root` is
   *   read there (a population started before the folder was renamed goes on after an upgrade)
   */
  constructor(
    root: string,
    readonly formerRoot: string | null = null,
    /** The study that saves here: {@link claim} refuses a folder another study saves in. */
    readonly owner: string | null = null,
  ) {
    // Absolute: a command run in another working directory gets its folders as paths
    // (SEXTANT_CHECKPOINT_DIR, SEXTANT_RESTORE_FROM), and a relative checkpointDir sent it to a
    // folder of that name under its own directory, which did not exist.
    this.root = resolve(root);
  }

  /** The folder checkpoints are saved in and looked for first, absolute. */
  readonly root: string;

  /** The name of trial `number`'s checkpoint. */
  nameFor(trialNumber: number): string {
    return `trial-${trialNumber}`;
  }

  private claimed = false;

  /**
   * Makes the folder and marks it as {@link owner}'s. Throws {@link FolderNotWritableError} if it
   * cannot be written, or if another study's mark is there: checkpoints are named by trial number
   * alone, so two studies given one `checkpointDir` emptied and overwrote each other's `trial-N`
   * folders, and each restored the other's models. Without an owner it only makes the folder.
   */
  claim(): void {
    if (this.claimed) return;
    ensureWritableFolder(this.root);
    if (this.owner !== null) {
      try {
        writeFileSync(join(this.root, FOLDER_OWNER_FILE), this.owner, { flag: "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        checkFolderOwner(this.root, this.owner);
      }
    }
    this.claimed = true;
  }

  /** Trials whose folder this store has handed out, emptied the first time. */
  private readonly handedOut = new Set<number>();

  /**
   * The folder trial `number` saves into: created, and emptied the first time it is asked for. A
   * folder left by a deleted study of the same name was handed to the new study's trial as it was,
   * and its next segment restored the other study's files. One that cannot be made throws
   * {@link FolderNotWritableError} with the cause (read-only, permission denied), not the ENOENT
   * Node's recursive mkdir reports for any folder it cannot create.
   */
  dirFor(trialNumber: number): string {
    if (this.owner !== null) this.claim();
    const dir = join(this.root, this.nameFor(trialNumber));
    if (!this.handedOut.has(trialNumber)) {
      rmSync(dir, { recursive: true, force: true });
      this.handedOut.add(trialNumber);
    }
    ensureWritableFolder(dir);
    return dir;
  }

  /** Trials whose folder holds a data file an earlier `save({ data })` of this store wrote. */
  private readonly dataSaved = new Set<number>();

  /**
   * Saves trial `number`'s checkpoint and returns its name. A folder other than {@link dirFor}'s is
   * copied in. Saved again, the last save wins: an earlier save's data file goes (it was read back
   * before a later folder or bytes, JSON before bytes), and a folder copied in replaces what an
   * earlier save copied. Files the program wrote into {@link dirFor}'s folder stay beside `{ data }`.
   */
  save(trialNumber: number, input: CheckpointInput): string {
    const dir = this.dirFor(trialNumber);
    if ("dir" in input) {
      if (typeof input.dir !== "string") throw new TypeError("saveCheckpoint({ dir }): dir must be a path");
      const source = resolve(input.dir);
      if (!existsSync(source)) throw new Error(`saveCheckpoint({ dir }): ${source} does not exist`);
      // Compared by real path: the segment's own folder under another spelling (a symlink on the
      // way, or its resolved path) was emptied, and the files it held were lost.
      const realSource = realpathSync(source);
      const realDir = realpathSync(dir);
      // Emptied unless one folder holds the other (a folder inside this one would go before it is copied).
      if (!holds(realDir, realSource) && !holds(realSource, realDir)) {
        rmSync(dir, { recursive: true, force: true });
        ensureWritableFolder(dir);
      } else if (this.dataSaved.has(trialNumber)) removeDataFiles(dir);
      this.dataSaved.delete(trialNumber);
      if (realSource !== realDir) cpSync(source, dir, { recursive: true });
    } else {
      const { data } = input;
      if (data === undefined) throw new TypeError("saveCheckpoint({ data }): data must be a JSON value or bytes");
      // JSON.stringify wrote a Date as a string, a Map as {} and dropped undefined fields: the next
      // segment restored something else without a word. Refused before the earlier save is touched.
      const problem = data instanceof Uint8Array ? null : jsonValueProblem(data, "data");
      if (problem !== null) throw new TypeError(`saveCheckpoint({ data }): ${problem}`);
      removeDataFiles(dir);
      if (data instanceof Uint8Array) writeFileSync(join(dir, DATA_BINARY), data);
      // NaN and ±Infinity (weights of a diverged model) came back as null: tagged, as in attributes.
      else writeFileSync(join(dir, DATA_JSON), JSON.stringify(tagNonFinite(data, API_SPELLING)));
      this.dataSaved.add(trialNumber);
    }
    return this.nameFor(trialNumber);
  }

  /** Trials whose checkpoint folder {@link remove} has deleted. */
  private readonly removed = new Set<number>();

  /**
   * Deletes trial `trialNumber`'s checkpoint folder, here and where an earlier version saved it
   * (`keepCheckpoints: "latest"`, once nothing can start from it). Gone already is as good as done.
   */
  remove(trialNumber: number): void {
    if (this.removed.has(trialNumber)) return;
    const name = this.nameFor(trialNumber);
    rmSync(join(this.root, name), { recursive: true, force: true });
    if (this.formerRoot !== null) rmSync(join(this.formerRoot, name), { recursive: true, force: true });
    this.removed.add(trialNumber);
  }

  /** Whether the checkpoint called `name` is here (or where an earlier version saved it). */
  has(name: string): boolean {
    return existsSync(join(this.root, name)) || (this.formerRoot !== null && existsSync(join(this.formerRoot, name)));
  }

  /** The checkpoint called `name`, saved by trial `trialNumber`; its data is read when first asked for. */
  open(name: string, trialNumber: number): Checkpoint {
    let dir = join(this.root, name);
    if (!existsSync(dir) && this.formerRoot !== null && existsSync(join(this.formerRoot, name))) dir = join(this.formerRoot, name);
    if (!existsSync(dir)) throw new Error(`checkpoint ${name} of trial ${trialNumber} is missing from ${this.root}`);
    let loaded = false;
    let data: JsonValue | Buffer | undefined;
    return {
      trialNumber,
      dir,
      get data() {
        if (!loaded) {
          loaded = true;
          if (existsSync(join(dir, DATA_JSON))) data = untagNonFinite(JSON.parse(readFileSync(join(dir, DATA_JSON), "utf8")) as JsonValue, API_SPELLING);
          else if (existsSync(join(dir, DATA_BINARY))) data = readFileSync(join(dir, DATA_BINARY));
        }
        return data;
      },
    };
  }
}

/**
 * The checkpoint segment `trial` started from when `store` no longer holds it (deleted under
 * `keepCheckpoints: "latest"`, or by hand), else null: run again, the segment would fail on
 * "checkpoint … is missing" as it started.
 *
 * @example
 * startingCheckpointGone(store, study.trials[7]!) // "trial-3"
 */
export function startingCheckpointGone(store: CheckpointStore, trial: Pick<FrozenTrial, "systemAttrs">): string | null {
  const name = segmentPlace(trial)?.checkpoint ?? null;
  return name === null || store.has(name) ? null : name;
}
