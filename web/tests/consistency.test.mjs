// The consistency panel and Import of Jepsen histories, in the built app (with hooks). Run by
// `cargo xtask test`. What the panel must say comes from the CLI (`run --consistency`) and from
// the published verdicts of the etcd histories, never from this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { session, open, scrub, simTime } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const CLI = process.env.QS_CLI || path.join(ROOT, 'target/debug/quorumscope');
const ETCD = path.join(ROOT, '..', 'shared', 'reference', 'jepsen-etcd');
const ETCD_DIR = fs.existsSync(ETCD) ? ETCD : '/work/shared/reference/jepsen-etcd';
const s = session();

const cliVerdicts = (file) => JSON.parse(execFileSync(CLI, ['run', '--consistency', file]).toString()).models;
const status = (page, model) => page.$eval(`[data-model="${model}"]`, (e) => e.dataset.status);
async function seek(page, ms) {
  await scrub(page, ms);
  await page.waitForFunction((t) => Math.abs(Number(document.querySelector('#sim-time').textContent) - t) < 0.06, ms);
}
async function importFile(page, name, buffer) {
  await page.setInputFiles('input[type=file]', { name, mimeType: 'text/plain', buffer });
}

test('quorum-not-linearizable: held before the witness\'s moment, violated after; selecting it highlights the witness and moves the cursor', async () => {
  const lesson = path.join(ROOT, 'lessons', 'quorum-not-linearizable.json');
  const want = cliVerdicts(lesson).linearizable;
  assert.equal(want.verdict, 'violated');
  const at = want.decided_at_us / 1000;
  const witness = want.witness.map((o) => o.op);
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-not-linearizable`);
  // The lesson's question comes first: answer it (the right choice), then look.
  await scrub(page, at + 1);
  await page.waitForSelector('[data-question]');
  assert.equal(await page.locator('.consistency [data-asking]').count(), 1, 'the panel waits while the question does');
  await page.locator('[data-question] [data-choice="1"]').click();
  await page.locator('[data-action=continue]').click();
  // Continue plays on: pause.
  await page.locator('.transport .play').click();
  await page.waitForFunction(() => !document.querySelector('.app').classList.contains('playing'));
  await seek(page, at - 1);
  assert.equal(await status(page, 'linearizable'), 'held', `held so far at ${at - 1} ms`);
  assert.match(await page.$eval('[data-model="linearizable"]', (e) => e.textContent), /held so far/);
  assert.equal(await page.locator('.cm.violated').count(), 0, 'nothing violated yet');
  await seek(page, at);
  assert.equal(await status(page, 'linearizable'), 'violated', `violated at ${at} ms`);
  for (const m of ['sequential', 'read_your_writes', 'monotonic_reads', 'monotonic_writes', 'writes_follow_reads']) {
    assert.equal(await status(page, m), cliVerdicts(lesson)[m].verdict === 'held' ? 'held' : 'violated', m);
  }
  assert.equal(await status(page, 'convergent'), 'not-yet', 'convergence is known only at the end');
  // Selecting it: the cursor goes to the moment it became impossible, from anywhere later.
  await seek(page, at + 30);
  await page.locator('[data-model="linearizable"]').click();
  await page.waitForFunction((t) => Math.abs(Number(document.querySelector('#sim-time').textContent) - t) < 0.06, at);
  assert.equal(await page.$eval('[data-detail="linearizable"] p', (e) => e.textContent), want.explanation, 'the core\'s words, as the CLI prints them');
  // The witness: its rows in the history, its spans on the space-time diagram, its first op in the inspector.
  const rows = await page.$$eval('tr[data-op]', (rs) => rs.filter((r) => r.matches('.related, .selected')).map((r) => Number(r.dataset.op)));
  assert.deepEqual(rows, witness);
  const spans = await page.$$eval('.spacetime .op-span', (gs) => gs.map((g) => g.matches('.related, .selected')));
  assert.deepEqual(spans.flatMap((on, i) => (on ? [i] : [])), witness);
  assert.match(await page.$eval('.inspector', (e) => e.textContent), new RegExp(`op ${witness[0]}\\b|Operation ${witness[0]}\\b`, 'i'));
  // At the end convergence is decided, as the CLI says.
  await seek(page, await page.$eval('input[name=time]', (e) => Number(e.max)));
  assert.equal(await status(page, 'convergent'), cliVerdicts(lesson).convergent.verdict === 'held' ? 'held' : 'violated');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('while the lesson\'s question waits, the panel gives nothing away', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-not-linearizable`);
  await scrub(page, 400);
  await page.waitForSelector('[data-question]');
  const text = await page.$eval('.consistency', (e) => e.textContent);
  assert.doesNotMatch(text, /violated|held/, text);
  assert.equal(await page.locator('.consistency [data-model]').count(), 0);
  // And no witness is lit anywhere.
  assert.equal(await page.locator('tr.related').count(), 0);
  await page.close();
});

test('an imported etcd history shows its published verdict; Back returns to the experiment', async () => {
  const published = JSON.parse(fs.readFileSync(path.join(ETCD_DIR, 'verdicts.json'), 'utf8'));
  const names = Object.keys(published);
  // Both verdicts, a few of each.
  const pick = [...names.filter((n) => published[n]).slice(0, 2), ...names.filter((n) => !published[n]).slice(0, 3)];
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  const title = await page.$eval('.caption strong', (e) => e.textContent);
  for (const name of pick) {
    await importFile(page, name, fs.readFileSync(path.join(ETCD_DIR, name)));
    await page.waitForFunction((n) => document.querySelector('.caption strong')?.textContent === `History: ${n}`, name);
    assert.equal(await status(page, 'linearizable'), published[name] ? 'held' : 'violated', name);
    assert.equal(await page.locator('[data-node]').count(), 0, 'the ring is not shown over a history');
    if (!published[name]) {
      await page.locator('[data-model="linearizable"]').click();
      const listed = await page.locator('[data-detail="linearizable"] .witness li').count();
      assert.ok(listed >= 1, `${name}: a witness`);
      assert.equal(await page.locator('.history-lanes .op-span.witness').count(), listed, `${name}: the witness drawn on the lanes`);
      assert.match(await page.$eval('[data-detail="linearizable"]', (e) => e.textContent), /Impossible from line \d+/);
    }
    await page.locator('[data-action=close-history]').click();
    await page.waitForSelector('[data-node]:not(#boot *)');
    assert.equal(await page.$eval('.caption strong', (e) => e.textContent), title);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a damaged history gives a message with its line and leaves the experiment', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  const [before, t] = [await page.$eval('.caption strong', (e) => e.textContent), await simTime(page)];
  const lines = fs.readFileSync(path.join(ETCD_DIR, 'etcd_000.log'), 'utf8').split('\n');
  // An event line whose process completes an operation it never invoked.
  const n = lines.findIndex((l) => /\t:ok\t/.test(l));
  lines[n] = lines[n].replace(/- (\d+)\t/, '- 999\t');
  await importFile(page, 'damaged.log', Buffer.from(lines.join('\n')));
  await page.waitForSelector('[role=alert]');
  const msg = await page.$eval('[role=alert]', (e) => e.textContent);
  assert.match(msg, new RegExp(`damaged\\.log.*line ${n + 1}:`), msg);
  assert.equal(await page.$eval('.caption strong', (e) => e.textContent), before);
  assert.equal(await page.locator('[data-node]').count(), 3);
  assert.equal(await simTime(page), t);
  // Text that is no history at all says so too.
  await page.click('[role=alert] button');
  await importFile(page, 'notes.txt', Buffer.from('just some notes\nnothing here\n'));
  await page.waitForSelector('[role=alert]');
  assert.match(await page.$eval('[role=alert]', (e) => e.textContent), /notes\.txt is neither a scenario file/);
  assert.equal(await page.locator('[data-node]').count(), 3);
  assert.deepEqual(page.errors, []);
  await page.close();
});
