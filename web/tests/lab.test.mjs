// The staleness lab in the built app (with hooks): its worker is fetched only when the lab runs,
// the same seed gives the CLI's curve (`quorumscope pbs`, QS_CLI), Cancel stops the worker and
// leaves the page responsive, and a stale trial opened in the main view is stale there. Run by
// `cargo xtask test`. What the numbers must be comes from the CLI, never from this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { session, open, simTime } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const CLI = process.env.QS_CLI || path.join(ROOT, 'target/debug/quorumscope');
const s = session();

// Every message the page's workers send, as the page receives it, and how many were terminated.
function recordWorkers() {
  const W = window.Worker;
  window.__lab = { messages: [], started: 0, terminated: 0 };
  window.Worker = class extends W {
    constructor(...a) {
      super(...a);
      window.__lab.started++;
      this.addEventListener('message', (e) => window.__lab.messages.push(e.data));
    }
    terminate() {
      window.__lab.terminated++;
      super.terminate();
    }
  };
}

async function labPage(opts = {}) {
  const b = s.b;
  const page = await b.newPage({ viewport: opts.viewport || { width: 1440, height: 900 } });
  await page.addInitScript(recordWorkers);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.requests = [];
  page.on('request', (r) => page.requests.push(r.url()));
  await page.goto(`${s.srv.base}/${opts.hash || ''}`);
  await page.waitForSelector('[data-node]:not(#boot *)');
  page.errors = errors;
  return page;
}

async function setField(page, name, value) {
  await page.fill(`[name=${name}]`, String(value));
  await page.dispatchEvent(`[name=${name}]`, 'change');
}

const outcomes = (page) => page.evaluate(() => window.__lab.messages.map((m) => JSON.parse(m)).filter((m) => m.outcome).map((m) => m.outcome));
const status = (page) => page.$eval('[data-lab-status]', (e) => e.textContent);
const done = (page) => page.waitForFunction(() => document.querySelector('[data-lab-status]')?.textContent === 'Done.', null, { timeout: 120000 });

function cli(args) {
  const out = JSON.parse(execFileSync(CLI, ['pbs', ...args]).toString());
  delete out.trials_per_s;
  return out;
}

test('the header\'s Lab button brings the lab into view and focuses it, on a phone too', async () => {
  for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    const page = await labPage({ viewport });
    await page.evaluate(() => scrollTo(0, 0));
    const lab = await page.$eval('#lab', (e) => e.getBoundingClientRect().top);
    assert.ok(lab > viewport.height, `${viewport.width}: the lab starts below the first screen`);
    await page.click('[data-action=lab]');
    await page.waitForFunction(() => document.activeElement?.id === 'lab');
    const r = await page.$eval('#lab', (e) => e.getBoundingClientRect());
    assert.ok(r.top >= -1 && r.top < viewport.height, `${viewport.width}: the lab is on screen (top ${r.top})`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('the worker\'s wasm is not fetched until the lab runs; then it is, and the worker is gone when done', async () => {
  const page = await labPage();
  await page.waitForTimeout(500);
  assert.deepEqual(page.requests.filter((u) => u.includes('quorumscope-pbs')), [], 'nothing of the worker on the first view');
  assert.equal(await page.evaluate(() => window.__lab.started), 0);
  await setField(page, 'lab-trials', 2000);
  await page.click('[data-action=lab-run]');
  await done(page);
  assert.ok(page.requests.some((u) => u.endsWith('/quorumscope-pbs_bg.wasm')), 'the worker\'s wasm once the lab runs');
  assert.equal(await page.evaluate(() => window.wasmBindings.qs_lab_worker_alive()), false, 'no worker left after the run');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the same seed gives the CLI\'s curve, latencies and t-visibility, for every (R, W) choice', async () => {
  const page = await labPage();
  await page.selectOption('[name=lab-model]', { label: 'WAN' });
  await setField(page, 'lab-choices', '1,1 2,1');
  await setField(page, 'lab-trials', 20000);
  await setField(page, 'lab-seed', 7);
  await page.click('[data-action=lab-run]');
  await done(page);
  const got = await outcomes(page);
  assert.equal(got.length, 2);
  for (const o of got) {
    assert.ok(o.ms > 0 && o.trials_per_s > 0, 'the worker timed itself');
    delete o.ms;
    delete o.trials_per_s;
    const t = o.consistent.map((c) => c.t_ms).join(',');
    const want = cli(['--model', 'WAN', '--n', '3', '--r', String(o.r), '--w', String(o.w), '--trials', '20000', '--seed', '7', '--t', t, '--k', '1']);
    assert.deepEqual(o, want, `R=${o.r} W=${o.w}`);
    // What the panel shows is that outcome: a point per t, the t-visibility in the table.
    const dots = await page.locator(`[data-curve="${o.r},${o.w}"] circle`).count();
    assert.equal(dots, o.consistent.length);
    const vis = await page.$eval(`[data-visibility="${o.r},${o.w}"]`, (e) => e.textContent);
    // Shown to three significant figures (what a quantile of these trials is known to).
    const tv = o.t_visibility_ms['99.9'];
    assert.equal(vis, `${tv.toFixed(tv >= 100 ? 0 : tv >= 10 ? 1 : tv >= 1 ? 2 : 3)} ms`);
  }
  assert.equal(await page.$eval('[data-engine]', (e) => e.dataset.engine), 'wars');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Cancel mid-run terminates the worker, keeps nothing, and the page stays responsive', async () => {
  const page = await labPage();
  await setField(page, 'lab-trials', 1000000);
  await page.click('[data-action=lab-run]');
  await page.waitForFunction(() => window.__lab.messages.some((m) => JSON.parse(m).progress?.done > 0), null, { timeout: 60000 });
  // While the trials run the page answers at once (a timer fires on time).
  const lag = await page.evaluate(() => new Promise((r) => { const t0 = performance.now(); setTimeout(() => r(performance.now() - t0), 10); }));
  assert.ok(lag < 200, `a 10 ms timer fired after ${lag} ms while the worker ran`);
  await page.click('[data-action=lab-cancel]');
  assert.match(await status(page), /^Cancelled/);
  assert.equal(await page.evaluate(() => window.__lab.terminated), 1, 'the worker was terminated');
  assert.equal(await page.evaluate(() => window.wasmBindings.qs_lab_worker_alive()), false);
  assert.equal(await page.locator('.lab-chart').count(), 0, 'no partial curve');
  assert.equal(await page.evaluate(() => window.__lab.messages.some((m) => JSON.parse(m).outcome)), false);
  // A click then works: play advances the run's time.
  const t0 = await simTime(page);
  if (await page.locator('[data-question] [data-choice]').count()) {
    // The first lesson asks a question at 0 ms: answered, Continue plays on.
    await page.locator('[data-question] [data-choice]').first().click();
    await page.click('[data-action=continue]');
  } else {
    await page.click('.transport .play');
  }
  await page.waitForFunction((t) => Number(document.querySelector('#sim-time').textContent) > t, t0, { timeout: 10000 });
  // And the lab runs again.
  await setField(page, 'lab-trials', 1000);
  await page.click('[data-action=lab-run]');
  await done(page);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a stale trial opened from a point of a curve is a stale read in the main view, and in the CLI', async () => {
  const page = await labPage();
  await setField(page, 'lab-choices', '1,1');
  await setField(page, 'lab-trials', 5000);
  await page.click('[data-action=lab-run]');
  await done(page);
  // A point picked on the chart: t = 2 ms of the R=W=1 curve.
  await page.click('[data-point="0:2"]');
  assert.match(await page.$eval('[data-action=lab-show]', (e) => e.textContent), /Show me a stale read at t = 2 ms/);
  await page.click('[data-action=lab-show]');
  await page.waitForFunction(() => /A stale read at t = 2 ms/.test(document.querySelector('.caption')?.textContent || ''), null, { timeout: 60000 });
  const stale = (await page.evaluate(() => window.__lab.messages.map((m) => JSON.parse(m)).find((m) => 'stale' in m))).stale;
  assert.ok(stale.seed >= 1);
  // The main view: the get is selected at the instant it returned, and it is a stale read there.
  await page.waitForSelector('[data-anomaly="stale_read"]');
  const line = await page.$eval('.quorum-line', (e) => e.textContent);
  assert.match(line, /here they do not meet/, line);
  // The same file in the CLI: one stale read, by the get that started 2 ms after the put ended.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qs-lab-')), 'stale.json');
  fs.writeFileSync(file, JSON.stringify(stale.scenario));
  const report = JSON.parse(execFileSync(CLI, ['run', file]).toString());
  assert.deepEqual(report.anomalies.map((a) => a.kind), ['stale_read']);
  assert.ok(Math.abs(report.ops[1].start_ms - report.ops[0].end_ms - 2) < 1e-6);
  assert.equal(report.seed, stale.seed);
  // The first such seed: every seed before it gives a fresh read.
  for (let seed = 1; seed < stale.seed; seed++) {
    fs.writeFileSync(file, JSON.stringify({ ...stale.scenario, seed, run_until_ms: undefined }));
    const r = JSON.parse(execFileSync(CLI, ['run', file]).toString());
    assert.ok(!r.anomalies.some((a) => a.kind === 'stale_read'), `seed ${seed} was stale too`);
  }
  assert.equal(await page.evaluate(() => window.wasmBindings.qs_lab_worker_alive()), false);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('kept curves compare a run with a mechanism turned on against the paper\'s model', async () => {
  const page = await labPage();
  await setField(page, 'lab-choices', '1,1');
  await setField(page, 'lab-trials', 400);
  await page.click('[data-action=lab-run]');
  await done(page);
  await page.click('[data-action=lab-keep]');
  await page.check('[name=lab-read-repair]');
  await page.click('[data-action=lab-run]');
  await done(page);
  assert.equal(await page.locator('.lab-chart [data-kept="1,1"] path').count(), 1, 'the kept curve, drawn');
  assert.equal(await page.locator('.lab-chart [data-curve="1,1"] path').count(), 1, 'the new one beside it');
  const legend = await page.$eval('.lab-legend', (e) => e.textContent);
  assert.match(legend, /R=1 W=1, read repair/);
  assert.match(legend, /kept: R=1 W=1, the paper's model/);
  assert.match(await page.$eval('[data-engine]', (e) => e.textContent), /Read repair acts only after a get returns/);
  await page.click('[data-action=lab-clear-kept]');
  assert.equal(await page.locator('.lab-chart [data-kept]').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});
