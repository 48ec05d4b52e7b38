// Smoke test of the TypeScript client generated from spec/openapi.yaml (generated/typescript/).
//
// It starts the project's own local server (`groq-batch serve --port 0`) on loopback and drives
// a whole batch job through the generated client only: no hand-written HTTP. Run it with
// `nox -s clients`, which installs the server, compiles this file with the generated client
// (tsc, so the test is also a type check of the generated signatures) and runs `node --test`.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { type Client, createClient, createConfig } from '../../generated/typescript/client/index.js';
import {
  type Batch,
  cancelBatch,
  createBatch,
  downloadFile,
  type ErrorResponse,
  listBatches,
  retrieveBatch,
  retrieveFile,
  uploadFile,
} from '../../generated/typescript/index.js';

const API_KEY = 'gsk_typescript_smoke_test';
// Per-request model time on the echo executor, and one request per chunk, so a batch of
// CANCEL_LINES requests runs for CANCEL_LINES * LATENCY seconds (50 s) unless cancelled: the
// cancel, sent right after creation, always finds it running, and stops it within one chunk.
// Small batches finish in well under a second.
const LATENCY = 0.05;
const CANCEL_LINES = 1000;
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
// Only a guard against a hung server; a normal run takes a few seconds.
const DEADLINE_MS = 60_000;

let server: ChildProcessWithoutNullStreams;
let baseUrl: string;
let client: Client;

/** Start `groq-batch serve` on a free loopback port and read its URL from the startup log. */
async function startServer(): Promise<{ proc: ChildProcessWithoutNullStreams; url: string }> {
  const command = process.env.GROQ_BATCH_CLI ?? 'groq-batch';
  const proc = spawn(
    command,
    [
      'serve',
      '--host', '127.0.0.1',
      '--port', '0',
      '--api-key', API_KEY,
      '--request-latency', String(LATENCY),
      '--chunk-size', '1',
      '--log-level', 'warning',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // The log goes to stderr: read it whole (it stays small at --log-level warning), so the
  // server never blocks on a full pipe and a failed start can show what it said.
  let log = '';
  proc.stderr.setEncoding('utf8');
  proc.stdout.resume();
  const url = await new Promise<string>((resolve, reject) => {
    proc.stderr.on('data', (chunk: string) => {
      log += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(log);
      if (match?.[1]) resolve(match[1]);
    });
    proc.on('error', (error) =>
      reject(new Error(`cannot start ${command} (is the server extra installed?): ${error}`)),
    );
    proc.on('exit', (code) =>
      reject(new Error(`groq-batch serve exited with ${code} before listening:\n${log}`)),
    );
  });
  return { proc, url };
}

function jsonl(ids: string[]): string {
  return ids
    .map((id) =>
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'llama-3.1-8b-instant',
          messages: [{ role: 'user', content: `Question ${id}?` }],
          max_tokens: 20,
        },
      }),
    )
    .join('\n')
    .concat('\n');
}

/** Upload a JSONL file (multipart) and return its id. */
async function upload(name: string, ids: string[]): Promise<string> {
  const file = new File([jsonl(ids)], name, { type: 'application/jsonl' });
  const { data, error, response } = await uploadFile({
    client,
    body: { file, purpose: 'batch' },
  });
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assert.equal(data.object, 'file');
  assert.equal(data.filename, name);
  assert.equal(data.purpose, 'batch');
  return data.id;
}

async function create(fileId: string, metadata?: Record<string, string>): Promise<Batch> {
  const { data } = await createBatch({
    client,
    body: {
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata,
    },
    throwOnError: true,
  });
  assert.equal(data.object, 'batch');
  assert.equal(data.input_file_id, fileId);
  return data;
}

async function waitFor(batchId: string): Promise<Batch> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const { data } = await retrieveBatch({ client, path: { batch_id: batchId }, throwOnError: true });
    if (TERMINAL.has(data.status)) return data;
    assert.ok(Date.now() < deadline, `batch ${batchId} still ${data.status} after ${DEADLINE_MS} ms`);
    await delay(50);
  }
}

before(async () => {
  const started = await startServer();
  server = started.proc;
  baseUrl = started.url;
  client = createClient(createConfig({ baseUrl, auth: API_KEY }));
});

after(async () => {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  // A graceful stop takes well under a second; never let a stuck one hang the test run.
  const forced = setTimeout(() => server.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(forced);
});

test('a whole batch: upload, create, poll to completed, download every custom_id', async () => {
  const ids = ['q-001', 'q-002', 'q-003', 'q-004', 'q-005'];
  const fileId = await upload('questions.jsonl', ids);

  const stored = await retrieveFile({ client, path: { file_id: fileId }, throwOnError: true });
  assert.equal(stored.data.id, fileId);
  assert.ok(stored.data.bytes > 0);

  const created = await create(fileId, { run: 'smoke' });
  assert.ok(!TERMINAL.has(created.status), `a new batch is ${created.status}`);
  assert.deepEqual(created.metadata, { run: 'smoke' });

  const done = await waitFor(created.id);
  assert.equal(done.status, 'completed');
  assert.deepEqual(
    { total: done.request_counts?.total, completed: done.request_counts?.completed },
    { total: ids.length, completed: ids.length },
  );
  assert.ok(done.output_file_id, 'a completed batch has an output file');
  assert.ok(done.completed_at);

  const { data: blob, response } = await downloadFile({
    client,
    path: { file_id: done.output_file_id },
    throwOnError: true,
  });
  assert.equal(response.status, 200);
  assert.ok(blob instanceof Blob, `the download is a ${typeof blob}, not a Blob`);
  const rows = (await blob.text())
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { custom_id: string; response: { status_code: number } });
  assert.deepEqual(rows.map((row) => row.custom_id).sort(), [...ids].sort());
  for (const row of rows) assert.equal(row.response.status_code, 200, row.custom_id);
});

test('list batches page by page, with after/limit and with the cursor', async () => {
  const fileId = await upload('paged.jsonl', ['p-1']);
  const made = new Set<string>();
  for (let i = 0; i < 3; i++) made.add((await create(fileId)).id);

  // OpenAI's style: `after` = the previous page's last_id, until has_more is false.
  const seen: string[] = [];
  let afterId: string | undefined;
  let pages = 0;
  for (;;) {
    const { data } = await listBatches({ client, query: { limit: 2, after: afterId }, throwOnError: true });
    pages++;
    assert.ok(data.data.length <= 2);
    seen.push(...data.data.map((b) => b.id));
    if (!data.has_more) break;
    afterId = data.last_id ?? undefined;
    assert.ok(afterId, 'a page with has_more names its last_id');
  }
  assert.ok(pages >= 2, `${seen.length} batches came in ${pages} page(s) of at most 2`);
  assert.equal(new Set(seen).size, seen.length, 'no batch is listed twice');
  for (const id of made) assert.ok(seen.includes(id), `${id} is listed`);

  // Groq's style: `cursor` = the previous page's paging.next_cursor, until there is none.
  const viaCursor: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const { data } = await listBatches({ client, query: { limit: 2, cursor }, throwOnError: true });
    viaCursor.push(...data.data.map((b) => b.id));
    cursor = data.paging?.next_cursor ?? undefined;
    if (!cursor) break;
  }
  assert.deepEqual(viaCursor, seen, 'both pagination styles list the same batches in order');

  // Only these batches, by repeated `id`.
  const { data: some } = await listBatches({ client, query: { id: [...made] }, throwOnError: true });
  assert.deepEqual(new Set(some.data.map((b) => b.id)), made);
});

test('cancel a running batch', async () => {
  const ids = Array.from({ length: CANCEL_LINES }, (_, i) => `c-${String(i).padStart(4, '0')}`);
  const fileId = await upload('long.jsonl', ids);
  const created = await create(fileId);

  const { data: cancelling } = await cancelBatch({
    client,
    path: { batch_id: created.id },
    throwOnError: true,
  });
  assert.equal(cancelling.id, created.id);
  assert.ok(
    cancelling.status === 'cancelling' || cancelling.status === 'cancelled',
    `a cancelled batch is ${cancelling.status}`,
  );

  const done = await waitFor(created.id);
  assert.equal(done.status, 'cancelled');
  assert.ok(done.cancelled_at);
  assert.ok(
    (done.request_counts?.completed ?? 0) < ids.length,
    'the cancel stopped the batch before every request ran',
  );
});

test('a 404 and a 401 come back as typed errors', async () => {
  // With the default `throwOnError: false` the error body is returned, typed by status.
  const missing = await retrieveBatch({ client, path: { batch_id: 'batch_does_not_exist' } });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.data, undefined);
  const notFound: ErrorResponse | undefined = missing.error;
  assert.ok(notFound?.error.message, 'a 404 carries a message');

  // With `throwOnError: true` the same body is thrown.
  await assert.rejects(
    retrieveFile({ client, path: { file_id: 'file_does_not_exist' }, throwOnError: true }),
    (thrown: ErrorResponse) => {
      assert.ok(thrown.error.message);
      return true;
    },
  );

  const stranger = createClient(createConfig({ baseUrl, auth: 'gsk_wrong_key' }));
  const denied = await listBatches({ client: stranger });
  assert.equal(denied.response.status, 401);
  assert.ok(denied.error?.error.message, 'a 401 carries a message');

  const anonymous = createClient(createConfig({ baseUrl }));
  const noKey = await listBatches({ client: anonymous });
  assert.equal(noKey.response.status, 401);
});
