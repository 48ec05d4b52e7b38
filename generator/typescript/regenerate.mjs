// Regenerate generated/typescript/ from spec/openapi.yaml with the pinned @hey-api/openapi-ts.
//
//   node regenerate.mjs          regenerate in place (`nox -s generate`)
//   node regenerate.mjs --check  generate into a temporary directory and compare (`nox -s drift`)
//
// Like generator/regenerate.py for Python: the output is written to a temporary directory first
// and swapped in only when generation succeeded, and `--check` never touches the tree.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createClient } from '@hey-api/openapi-ts';

import config from './openapi-ts.config.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const SPEC = join(ROOT, 'spec', 'openapi.yaml');
const TARGET = join(ROOT, 'generated', 'typescript');
const PROVENANCE = 'PROVENANCE.json';

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

function pinnedVersion(name) {
  const lock = JSON.parse(readFileSync(join(HERE, 'package-lock.json'), 'utf8'));
  const want = lock.packages[`node_modules/${name}`].version;
  const have = JSON.parse(
    readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8'),
  ).version;
  if (have !== want) {
    console.error(`regenerate: ${name} ${have} is installed, the lockfile pins ${want}; run npm ci`);
    process.exit(1);
  }
  return want;
}

async function generateInto(dest) {
  const version = pinnedVersion('@hey-api/openapi-ts');
  await createClient({
    ...config,
    input: SPEC,
    output: { ...config.output, path: dest },
  });
  const stamp = {
    generator: `@hey-api/openapi-ts@${version}`,
    spec_sha256: sha256(SPEC),
    config_sha256: sha256(join(HERE, 'openapi-ts.config.mjs')),
  };
  writeFileSync(join(dest, PROVENANCE), `${JSON.stringify(stamp, null, 2)}\n`);
}

function tree(root) {
  const files = new Map();
  let entries;
  try {
    entries = readdirSync(root, { recursive: true, withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    files.set(relative(root, path), readFileSync(path));
  }
  return files;
}

function check(fresh) {
  const want = tree(fresh);
  const have = tree(TARGET);
  const report = [];
  for (const [name, bytes] of want) {
    if (!have.has(name)) report.push(`  missing: ${name}`);
    else if (!bytes.equals(have.get(name))) report.push(`  differs: ${name}`);
  }
  for (const name of have.keys()) if (!want.has(name)) report.push(`  not generated: ${name}`);
  if (report.length === 0) {
    console.log('generated/typescript matches a fresh regeneration of spec/openapi.yaml');
    return 0;
  }
  console.log(report.sort().join('\n'));
  console.log(
    'generated/typescript differs from a fresh regeneration of spec/openapi.yaml.\n' +
      'Fix: run `nox -s generate` and commit generated/ together with your spec/ or ' +
      'generator/ change. Never edit generated/ by hand.',
  );
  return 1;
}

const args = process.argv.slice(2);
const tmp = mkdtempSync(join(tmpdir(), 'groq-batch-ts-'));
try {
  const fresh = join(tmp, 'typescript');
  await generateInto(fresh);
  if (args.length === 1 && args[0] === '--check') {
    process.exitCode = check(fresh);
  } else if (args.length === 0) {
    rmSync(TARGET, { recursive: true, force: true });
    cpSync(fresh, TARGET, { recursive: true });
    console.log(`regenerated ${relative(ROOT, TARGET)}`);
  } else {
    console.error('usage: node regenerate.mjs [--check]');
    process.exitCode = 2;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
