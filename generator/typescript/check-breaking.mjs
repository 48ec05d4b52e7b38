// Compare spec/openapi.yaml with the last released spec, spec/released/openapi-<version>.yaml,
// and fail on a breaking change unless pyproject.toml's version allows one.
//
//   node check-breaking.mjs [--base FILE] [--spec FILE] [--version X.Y.Z]
//
// The diff and its classification come from api-smart-diff (pinned in package-lock.json), which
// reads OpenAPI 3.1. This script only adds the release policy and a few rules of this project:
//
// - A change is breaking when the tool calls it breaking either where it is used (under
//   `paths`, judged as request or response) or where it is defined (under `components`, judged
//   as a schema). The union catches removed fields and operations, newly required fields,
//   removed enum values and narrowed types, which is what generated clients break on.
// - A changed or removed `operationId` is breaking: generated clients name their functions
//   after it (`listBatches`), so a rename breaks every caller even if the wire is unchanged.
// - An added enum value is not breaking: every enum in this spec is open
//   (`anyOf: [{$ref: Enum}, {type: string}]`), so an old client keeps a new value as a string.
//
// Policy: breaking changes pass only when pyproject.toml's version has a new major number
// relative to the snapshot's (before 1.0: a new minor), which is how a release says so.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { apiCompare } from 'api-smart-diff';
import yaml from 'js-yaml';
import semver from 'semver';
import { parse as parseToml } from 'smol-toml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RELEASED = join(ROOT, 'spec', 'released');

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    spec: { type: 'string', default: join(ROOT, 'spec', 'openapi.yaml') },
    version: { type: 'string' },
  },
});

/** The newest snapshot in spec/released/, by the semantic version in its name. */
function latestSnapshot() {
  const snapshots = readdirSync(RELEASED)
    .map((name) => ({ name, version: /^openapi-(.+)\.yaml$/.exec(name)?.[1] }))
    .filter((s) => s.version && semver.valid(s.version))
    .sort((a, b) => semver.compare(a.version, b.version));
  if (snapshots.length === 0) {
    console.error(`check-breaking: no spec/released/openapi-<version>.yaml in ${RELEASED}`);
    process.exit(2);
  }
  const last = snapshots.at(-1);
  return { path: join(RELEASED, last.name), version: last.version };
}

/** Whether going from `released` to `current` may break: a new major, or before 1.0 a new minor. */
function allowsBreaking(released, current) {
  if (semver.major(current) > semver.major(released)) return true;
  return semver.major(released) === 0 && semver.major(current) === 0
    && semver.minor(current) > semver.minor(released);
}

function classify(diff) {
  const last = diff.path.at(-1);
  if (last === 'operationId' && diff.action !== 'add') return 'breaking';
  if (diff.action === 'add' && diff.path.at(-2) === 'enum') return 'non-breaking';
  return diff.type;
}

function describe(diff) {
  const where = diff.path.map(String).join('.');
  const what = diff.description && !/undefined/.test(diff.description) ? ` (${diff.description})` : '';
  return `${diff.action} ${where}${what}`;
}

const base = values.base ? { path: resolve(values.base), version: null } : latestSnapshot();
const current = values.version
  ?? parseToml(readFileSync(join(ROOT, 'pyproject.toml'), 'utf8')).project.version;
const releasedVersion = base.version ?? current;

const before = yaml.load(readFileSync(base.path, 'utf8'));
const after = yaml.load(readFileSync(values.spec, 'utf8'));
const { diffs } = apiCompare(before, after);

const groups = new Map();
for (const diff of diffs) {
  const type = classify(diff);
  if (!groups.has(type)) groups.set(type, []);
  groups.get(type).push(describe(diff));
}
const breaking = groups.get('breaking') ?? [];
const label = (path) => relative(process.cwd(), path) || path;
console.log(
  `spec changes from ${label(base.path)} (released ${releasedVersion}) to ${label(values.spec)} ` +
    `(pyproject ${current}): ${diffs.length}`,
);
for (const type of ['breaking', 'deprecated', 'non-breaking', 'unclassified', 'annotation']) {
  const lines = groups.get(type);
  if (!lines) continue;
  console.log(`${type} (${lines.length}):`);
  for (const line of lines.sort()) console.log(`  ${line}`);
}

if (breaking.length === 0) {
  console.log('no breaking change');
} else if (allowsBreaking(releasedVersion, current)) {
  console.log(`${breaking.length} breaking change(s), allowed: ${current} is a new release line after ${releasedVersion}`);
} else {
  console.log(
    `${breaking.length} breaking change(s) since ${releasedVersion}, and pyproject.toml's ` +
      `version ${current} does not announce them.\nFix: keep the old shape, or bump the ` +
      `version's ${semver.major(releasedVersion) === 0 ? 'minor' : 'major'} number in pyproject.toml.`,
  );
  process.exitCode = 1;
}
