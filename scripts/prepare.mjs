// `npm install`'s prepare step: builds dist/ unless it was built by this script from the same
// sources. npm runs prepare again whenever a package is linked, and `npx sextant` in a checkout
// links the checkout into npx's cache, so the README's first command (`npm install && npx sextant
// tune …`) built everything twice, two silent minutes the second time. The stamp is a digest of
// the build's inputs (not their times: a checkout or copy resets those), written only after a build
// succeeds. The stamp also holds a digest of dist/'s listing (path, size, modification time), so a
// build by hand (`npm run build`, perhaps from sources edited and then put back) makes the next
// prepare build again rather than trust a dist/ the stamp did not see made. `npm test` builds through
// this script too, so CI's `npm ci && npm test` builds once.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

const root = process.cwd();
const STAMP = join(root, "dist", ".build-inputs.sha256");
const INPUT_DIRS = ["src", "dashboard"];
const INPUT_FILES = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json"];
/** What the build writes and the package needs; a stamp without them means nothing. */
const OUTPUTS = [join("dist", "index.js"), join("dist", "cli", "main.js"), join("dist", "cli-bundle", "main.cjs"), join("dist", "dashboard", "index.html")];

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

/** One digest over the path and content of every input file, in a fixed order. */
function inputsDigest(dir) {
  const files = [...INPUT_DIRS.flatMap((d) => filesUnder(join(dir, d))), ...INPUT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f) && statSync(f).isFile())];
  const hash = createHash("sha256");
  for (const file of files.map((f) => relative(dir, f).split(sep).join("/")).sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(dir, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** One digest over the path, size and modification time of every file the build left in dist/, the stamp aside. */
function outputsDigest(dir) {
  const hash = createHash("sha256");
  const files = filesUnder(join(dir, "dist")).filter((f) => f !== STAMP);
  for (const file of files.map((f) => relative(dir, f).split(sep).join("/")).sort()) {
    const stat = statSync(join(dir, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  return hash.digest("hex");
}

const digest = inputsDigest(root);
const stamp = () => `${digest}\n${outputsDigest(root)}`;
const upToDate = OUTPUTS.every((f) => existsSync(join(root, f))) && existsSync(STAMP) && readFileSync(STAMP, "utf8").trim() === stamp();
if (upToDate) {
  console.error("sextant: dist/ is already built from these sources; skipping the build (npm run build forces one)");
} else {
  const build = spawnSync("npm", ["run", "build"], { stdio: "inherit", shell: process.platform === "win32" });
  if (build.status !== 0) process.exit(build.status ?? 1);
  writeFileSync(STAMP, `${stamp()}\n`);
}
