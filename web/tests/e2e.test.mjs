// End-to-end tests: the built app (dist/) in headless Chromium. Run by `cargo xtask test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { serve, session, open, scrub, simTime } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const CLI = process.env.QS_CLI || path.join(ROOT, 'target/debug/quorumscope');
const s = session();

async function seek(page, ms) {
  await scrub(page, ms);
  await page.waitForFunction((t) => Math.abs(Number(document.querySelector('#sim-time').textContent) - t) < 0.06, ms);
}
async function setSlider(page, name, value) {
  await page.evaluate(([n, v]) => {
    const r = document.querySelector(`input[name=${n}]`);
    r.value = String(v);
    r.dispatchEvent(new Event('input', { bubbles: true }));
  }, [name, value]);
  await page.waitForFunction(([n, v]) => document.querySelector(`input[name=${n}]`).value === String(v), [name, value]);
}
async function fill(page, name, value) {
  await page.fill(`input[name=${name}]`, value);
}
const nodeUp = (page, id) => page.$eval(`[data-node="${id}"]`, (e) => e.dataset.up);

test('the app loads with its DOM hooks and no errors', async () => {
  const page = await open(s.b, `${s.srv.base}/`);
  assert.equal(await page.locator('[data-node]').count(), 4, 'the default lesson has nodes A-D');
  for (const n of ['n', 'w', 'r', 'sloppy']) assert.equal(await page.locator(`input[name=${n}]`).count(), 1, n);
  assert.equal(await simTime(page), 0);
  assert.equal(await page.locator('[data-op]').count(), 2);
  // Every button has a name for a screen reader.
  const unnamed = await page.$$eval('button', (bs) => bs.filter((x) => !(x.textContent.trim() || x.getAttribute('aria-label'))).length);
  assert.equal(unnamed, 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('messages in flight carry their kind, and scrubbing moves every view', async () => {
  // Revealed: the lesson's question at 600 ms would hold the cursor there.
  const page = await open(s.b, `${s.srv.base}/#lesson=failed-write&reveal=1`);
  await seek(page, 102);
  assert.equal(await page.locator('[data-message="put"]').count(), 3);
  // B and C are down from 0 ms; their puts are dropped at 105 ms and fade where they were lost.
  await seek(page, 106);
  assert.equal(await page.locator('[data-message].dropped').count(), 2);
  assert.equal(await nodeUp(page, 'B'), 'false');
  await seek(page, 750);
  assert.equal(await nodeUp(page, 'B'), 'true');
  await seek(page, 10);
  assert.equal(await nodeUp(page, 'B'), 'false');
  assert.equal(await simTime(page), 10);
  // The space-time cursor follows.
  const cursorX = () => page.$eval('.st-cursor', (c) => Number(/translateX\(([-\d.]+)%\)/.exec(c.style.transform)[1]));
  const x1 = await cursorX();
  await seek(page, 1200);
  const x2 = await cursorX();
  assert.ok(x2 > x1);
  await page.close();
});

test('change N/W/R, crash nodes, a failed put, a get that reads it, the anomaly listed', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-overlap`);
  await setSlider(page, 'r', 1);
  await seek(page, 300);
  for (const n of ['C', 'D', 'E']) {
    await page.click(`[data-node="${n}"]`);
    await page.click('[data-action=crash]');
    await page.waitForFunction((id) => document.querySelector(`[data-node="${id}"]`).dataset.up === 'false', n);
  }
  assert.equal(await simTime(page), 300, 'the view stays at the same time');
  await fill(page, 'client', 'zoe');
  await fill(page, 'key', 'x');
  await fill(page, 'value', 'lost');
  await page.click('[data-action=put]');
  const putIndex = (await page.locator('[data-op]').count()) - 1;
  await seek(page, 900);
  await fill(page, 'client', 'yann');
  await page.click('[data-action=get]');
  const getIndex = putIndex + 1;
  await seek(page, 1000);
  assert.equal(await page.$eval(`[data-op="${putIndex}"]`, (r) => r.dataset.status), 'failed');
  // A failed put is named as Jepsen does: not confirmed, its outcome indeterminate.
  assert.match(await page.$eval(`[data-op="${putIndex}"] .status`, (s) => s.textContent), /failed: indeterminate/);
  assert.match(await page.$eval(`[data-op="${getIndex}"] .result`, (c) => c.textContent), /lost/);
  const anomaly = page.locator('[data-anomaly=failed_write_read]');
  assert.equal(await anomaly.count(), 1);
  // The anomaly's definition, in the checker's own words (the README has the same).
  assert.match(await page.locator('li.anomaly.failed_write_read .definition').textContent(), /fewer than W acknowledgements before its timeout/);
  // Selecting it jumps to its time and highlights the operations behind it. (Before its time it
  // is not listed: the checker could not know it yet.)
  await seek(page, 900);
  assert.equal(await anomaly.count(), 0);
  await seek(page, 1000);
  await anomaly.click();
  assert.ok((await simTime(page)) > 900);
  assert.equal(await page.locator(`tr.selected[data-op="${getIndex}"]`).count(), 1);
  assert.equal(await page.locator(`tr.related[data-op="${putIndex}"]`).count(), 1);
  // W above N is refused by the slider bounds; N below W pulls W down.
  await setSlider(page, 'n', 2);
  assert.equal(await page.$eval('input[name=w]', (i) => i.value), '2');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('keyboard: space plays and pauses, arrows step, ? opens help; paused means no work', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  await page.keyboard.press('ArrowRight');
  assert.equal(await simTime(page), 5);
  await page.keyboard.press('ArrowRight');
  assert.equal(await simTime(page), 10);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await simTime(page), 5);
  assert.match(await page.$eval('#narration', (e) => e.textContent), /ms: /);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => Number(document.querySelector('#sim-time').textContent) > 6);
  await page.keyboard.press(' ');
  const t = await simTime(page);
  const s1 = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
  await page.waitForTimeout(1000);
  const s2 = JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
  assert.equal(s2.frames, s1.frames, 'no animation frame while paused');
  assert.equal(s2.renders, s1.renders, 'no re-render while paused');
  assert.equal(await simTime(page), t);
  await page.keyboard.press('?');
  assert.equal(await page.locator('[role=dialog]').count(), 1);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('[role=dialog]').count(), 0);
  await page.close();
});

test('Escape closes every dialog and gives the focus back to the button that opened it', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  for (const action of ['glossary', 'copy-link', 'embed']) {
    await page.click(`[data-action=${action}]`);
    await page.waitForSelector('[role=dialog][aria-modal=true]');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Close', `${action}: focus moves into the dialog`);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('[role=dialog]').count(), 0, `${action}: Escape closes it`);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.action), action, `${action}: focus comes back`);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('reduced motion: playback jumps from event to event', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`, { reducedMotion: 'reduce' });
  assert.equal(await page.locator('.app.reduced-motion').count(), 1);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => Number(document.querySelector('#sim-time').textContent) >= 5, null, { timeout: 5000 });
  await page.keyboard.press(' ');
  // Only event instants are visited: 5 ms (put reaches A), 10 ms (ack), 20 ms (bob's get)...
  assert.ok([5, 10, 20, 25, 30].includes(await simTime(page)));
  await page.close();
});

test('the layout fits a 640-pixel iframe without horizontal scrolling, in light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await open(s.b, `${s.srv.base}/#lesson=sloppy-quorum`, { viewport: { width: 640, height: 400 }, colorScheme });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${colorScheme}: ${overflow}px too wide`);
    await page.close();
  }
});

test('every lesson loads and plays to its end', async () => {
  const page = await open(s.b, `${s.srv.base}/`);
  const slugs = await page.$$eval('.lesson-pick option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(slugs.length >= 13);
  for (const slug of slugs) {
    await page.selectOption('.lesson-pick select', slug);
    await page.selectOption('.transport select', '5');
    const end = await page.$eval('input[name=time]', (i) => Number(i.max));
    await page.click('.transport .play');
    // Plays (not jumps) to the end, answering each predict-then-reveal checkpoint on the way.
    let answered = 0;
    for (;;) {
      // A minute: the lessons slow the messages their captions describe to about a second each
      // (anti-entropy's Merkle exchange takes over 20 s of real time at the fastest speed).
      await page.waitForFunction((e) => Number(document.querySelector('#sim-time').textContent) === e || document.querySelector('.checkpoint'), end, { timeout: 60000 });
      if (!(await page.locator('.checkpoint').count())) break;
      const choices = page.locator('.checkpoint [data-choice]');
      if (await choices.count()) await choices.first().click();
      assert.ok((await page.locator('.checkpoint .reveal').count()) === 1, `${slug}: the answer is revealed`);
      await page.click('[data-action=continue]');
      answered++;
    }
    assert.ok(answered >= 1, `${slug}: at least one checkpoint`);
    assert.equal(await page.$eval('.transport .play', (b) => b.getAttribute('aria-pressed')), 'false', slug);
    assert.ok((await page.locator('[data-node]').count()) >= 2, slug);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the browser run equals the native run byte for byte', async () => {
  const page = await open(s.b, `${s.srv.base}/`);
  const dir = path.join(ROOT, 'lessons');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f));
  // And one with every latency distribution and message loss, to exercise the float paths.
  const extra = path.join(fs.mkdtempSync('/tmp/qs-'), 'dists.json');
  fs.writeFileSync(extra, JSON.stringify({
    seed: 99, nodes: ['A', 'B', 'C', 'D'],
    replication: { n: 3, w: 2, r: 2, read_repair: true, anti_entropy_ms: 150, conflicts: 'siblings' },
    network: { latency_ms: { mix: [[0.9122, { pareto: { xm: 0.235, alpha: 10 } }], [0.0878, { exp: 0.6 }]] }, loss: 0.1,
      links: [{ from: 'A', to: 'B', latency_ms: { pareto: { xm: 1.05, alpha: 1.51 } } }] },
    events: Array.from({ length: 60 }, (_, i) => (i % 3 ? { at_ms: i * 7, client: `c${i % 4}`, get: `k${i % 5}` } : { at_ms: i * 7, client: `c${i % 4}`, put: `k${i % 5}`, value: `v${i}` })),
  }));
  files.push(extra);
  for (const f of files) {
    const native = execFileSync(CLI, ['run', '--trace', f], { maxBuffer: 1 << 28 }).toString().trim();
    const wasm = await page.evaluate((t) => window.wasmBindings.qs_run_trace(t), fs.readFileSync(f, 'utf8'));
    assert.equal(wasm.length, native.length, f);
    assert.ok(wasm === native, `${f}: browser and native traces differ`);
  }
  await page.close();
});

test('a bad scenario file shows a message and the experiment keeps running', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  const ok = await page.evaluate(() => window.wasmBindings.qs_load('{"nodes": ["A"], "replication": {"n": 1, "w": 3}}'));
  assert.equal(ok, true);
  await page.waitForSelector('[role=alert]');
  assert.match(await page.$eval('[role=alert]', (e) => e.textContent), /replication\.w/);
  assert.equal(await page.locator('[data-node]').count(), 3);
  await page.evaluate(() => window.wasmBindings.qs_load('{"title": "<img src=x onerror=alert(1)>", "nodes": ["P", "Q"], "replication": {"n": 2, "w": 1, "r": 1}}'));
  await page.waitForSelector('[data-node="P"]');
  // Text from a file is only ever text.
  assert.equal(await page.locator('.caption img').count(), 0);
  assert.match(await page.$eval('.caption', (e) => e.textContent), /<img src=x/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an imported file that is not UTF-8 is refused where the CLI refuses it, and the experiment stays', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  const caption = await page.$eval('.caption', (e) => e.textContent);
  const file = path.join(fs.mkdtempSync('/tmp/qs-'), 'latin1.json');
  const bytes = Buffer.concat([Buffer.from('{"nodes":["A","B","C"],"title":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
  fs.writeFileSync(file, bytes);
  await page.setInputFiles('input[type=file]', file);
  const alert = await (await page.waitForSelector('[role=alert]:has-text("not UTF-8")')).textContent();
  assert.match(alert, /Could not read latin1\.json: title: the file is not UTF-8 text: byte 35 \(line 1, column 36\) is 0xe9\. Nothing was changed\./);
  const cli = (() => { try { execFileSync(CLI, ['run', file], { stdio: 'pipe' }); return ''; } catch (e) { return String(e.stderr); } })();
  assert.match(cli, /title: the file is not UTF-8 text: byte 35 \(line 1, column 36\) is 0xe9/);
  assert.equal(await page.$eval('.caption', (e) => e.textContent), caption);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The state a reader sees: time, every node's status and contents, operation statuses, anomalies.
async function observed(page) {
  return page.evaluate(() => ({
    t: document.querySelector('#sim-time').textContent,
    nodes: [...document.querySelectorAll('[data-node]')].map((n) => `${n.dataset.node}:${n.dataset.up}:${n.getAttribute('aria-label')}`),
    ops: [...document.querySelectorAll('[data-op]')].map((r) => `${r.dataset.op}:${r.dataset.status}:${r.querySelector('.result').textContent}`),
    anomalies: [...document.querySelectorAll('[data-anomaly]')].map((a) => a.textContent),
  }));
}

test('a link copied after interventions reproduces the same state in a fresh browser', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-overlap`);
  await setSlider(page, 'r', 1);
  await seek(page, 150);
  await page.click('[data-node="C"]');
  await page.click('[data-action=crash]');
  await fill(page, 'client', 'zoe');
  await fill(page, 'value', 'linked');
  await page.click('[data-action=put]');
  await seek(page, 420.5);
  await page.click('[data-action=copy-link]');
  // The browser packs the link (CompressionStream) and the dialog opens when it is done.
  const url = await (await page.waitForSelector('.share-text')).evaluate((t) => t.value);
  assert.match(url, /#v1=[A-Za-z0-9_-]+&t=420\.5$/);
  assert.ok(url.length < 2000, `${url.length} characters`);
  const before = await observed(page);
  const fresh = await s.b.newContext();
  const other = await fresh.newPage({ viewport: { width: 1400, height: 1000 } });
  await other.goto(url);
  await other.waitForSelector('[data-node]:not(#boot *)');
  assert.deepEqual(await observed(other), before);
  await fresh.close();
  // An unchanged lesson gets a short link.
  const plain = await open(s.b, `${s.srv.base}/#lesson=sloppy-quorum&t=350&reveal=1`);
  assert.equal(await simTime(plain), 350);
  await plain.click('[data-action=copy-link]');
  assert.match(await (await plain.waitForSelector('.share-text')).evaluate((t) => t.value), /#lesson=sloppy-quorum&t=350&reveal=1$/);
  await plain.close();
  await page.close();
});

test('damaged links show a message and the default lesson', async () => {
  // A real link cut short when copied: the browser's inflater must notice, not hang or guess.
  const whole = forge({ scenario: { nodes: ['A', 'B', 'C'], events: [{ at_ms: 1, client: 'c', put: 'k', value: 'v'.repeat(300) }] } });
  const cut = whole.slice(0, Math.floor(whole.length / 2));
  for (const frag of ['#v1=eJzLSM3JyVcozy_KSQEAGgQEXQ', cut, '#v1=' + 'A'.repeat(70000), '#v1=%%%', '#v2=abc', '#lesson=no-such-lesson']) {
    const page = await open(s.b, `${s.srv.base}/${frag}`);
    assert.match(await page.$eval('[role=alert]', (e) => e.textContent), /could not be opened|no lesson called/, frag.slice(0, 30));
    assert.match(await page.$eval('.caption', (e) => e.textContent), /Leaderless: who does a write wait for/);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('embed mode: minimal chrome in a 640x400 iframe, panels on request', async () => {
  const page = await open(s.b, `${s.srv.base}/?embed#lesson=stale-read&panels=history`, { viewport: { width: 640, height: 400 } });
  assert.equal(await page.locator('header.top').count(), 0);
  assert.equal(await page.locator('.controls').count(), 0);
  assert.equal(await page.locator('.history').count(), 1, 'panels=history shows the history');
  assert.equal(await page.locator('.spacetime').count(), 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${overflow}px too wide`);
  await page.click('[data-action=more]');
  assert.equal(await page.locator('.controls').count(), 1);
  // "Open in Quorumscope" carries the experiment once focused (packed by the browser).
  const open_link = page.locator('.embed-bar a');
  await open_link.focus();
  await page.waitForFunction(() => document.querySelector('.embed-bar a').href.includes('#lesson=stale-read&t='));
  await page.close();
  // The Embed dialog's snippet opens the same experiment in embed mode.
  const full = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  await full.click('[data-node="B"]');
  await full.click('[data-action=crash]');
  await full.click('[data-action=embed]');
  const snippet = await (await full.waitForSelector('.share-text')).evaluate((t) => t.value);
  const src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.match(src, /\?embed#v1=[A-Za-z0-9_-]+&t=0&embed=1$/);
  const framed = await open(s.b, src, { viewport: { width: 640, height: 400 } });
  assert.equal(await framed.locator('header.top').count(), 0);
  assert.match(await framed.$eval('.caption', (e) => e.textContent), /Your experiment, from lesson 3: W\+R≤N/);
  assert.deepEqual(framed.errors, []);
  await framed.close();
  await full.close();
});

test('the example course page shows both lessons in iframes', async () => {
  const page = await s.b.newPage({ viewport: { width: 900, height: 1400 } });
  await page.goto(`${s.srv.base}/course.html`);
  for (const id of ['lesson-stale', 'lesson-sloppy']) {
    const frame = page.frameLocator(`#${id}`);
    await frame.locator('[data-node]').first().waitFor({ timeout: 15000 });
    assert.ok((await frame.locator('[data-node]').count()) >= 3, id);
  }
  // The second one autoplays.
  const sloppy = page.frameLocator('#lesson-sloppy');
  await page.waitForFunction(() => {
    const f = document.querySelector('#lesson-sloppy').contentDocument;
    return f && Number(f.querySelector('#sim-time')?.textContent) > 0;
  });
  assert.ok(Number(await sloppy.locator('#sim-time').textContent()) > 0);
  await page.close();
});

test('the app works from a path prefix', async () => {
  const prefixed = await serve('/courses/db/quorumscope/');
  const page = await open(s.b, `${prefixed.base}/courses/db/quorumscope/#lesson=read-repair`);
  assert.equal(await page.locator('[data-node]').count(), 3);
  assert.deepEqual(page.errors, []);
  await page.close();
  prefixed.server.close();
});

// A v1 link built outside the app: raw deflate and URL-safe base64, as the format says.
const forge = (obj) => '#v1=' + zlib.deflateRawSync(Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj))).toString('base64url');

test('hostile links: script in titles stays text, bombs and floods are refused', async () => {
  const hostile = {
    scenario: { title: '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>', description: '<b>bold?</b>',
      nodes: ['A', 'B', 'C'], events: [{ at_ms: 1, client: '<i>eve</i>', put: 'k', value: '<svg onload="window.pwned=3">' }],
      steps: [{ at_ms: 0, caption: '<a href="javascript:alert(1)">click</a>' }] },
    t_ms: 50,
  };
  const page = await open(s.b, `${s.srv.base}/${forge(hostile)}`);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.match(await page.$eval('.caption', (e) => e.textContent), /<img src=x onerror=/);
  assert.equal(await page.locator('.caption img, .caption script, .step-caption a, svg svg').count(), 0);
  assert.match(await page.$eval('.step-caption', (e) => e.textContent), /<a href=/);
  await page.close();
  const cases = [
    [forge(' '.repeat(4 << 20)), /more than 1024 KiB/],
    [forge({ scenario: { nodes: ['A'], events: Array.from({ length: 6000 }, (_, i) => ({ at_ms: i, heal: true })) } }), /limited to 5000/],
    [forge('{"scenario": {"nodes": ["A"], "replication": {"n": 1, "w": 4}}}'), /replication\.w/],
    [forge('not json'), /not JSON/],
  ];
  for (const [frag, want] of cases) {
    const p = await open(s.b, `${s.srv.base}/${frag}`);
    assert.match(await p.$eval('[role=alert]', (e) => e.textContent), want);
    assert.match(await p.$eval('.caption', (e) => e.textContent), /Leaderless: who does a write wait for/);
    await p.close();
  }
});

test('an exported experiment runs in the CLI with the same operations and anomalies', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=failed-write&reveal=1`);
  await seek(page, 850);
  await fill(page, 'client', 'dora');
  await page.click('[data-action=get]');
  await seek(page, 1000);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export')]);
  const file = path.join(fs.mkdtempSync('/tmp/qs-export-'), 'exp.json');
  await download.saveAs(file);
  await page.keyboard.press('End');
  const shown = await page.evaluate(() => ({
    ops: [...document.querySelectorAll('[data-op]')].map((r) => r.dataset.status),
    anomalies: [...document.querySelectorAll('[data-anomaly]')].map((a) => a.dataset.anomaly).sort(),
  }));
  const report = JSON.parse(execFileSync(CLI, ['run', file]).toString());
  assert.deepEqual(report.ops.map((o) => o.status), shown.ops);
  assert.deepEqual(report.anomalies.map((a) => a.kind).sort(), shown.anomalies);
  assert.equal(report.ops.at(-1).client, 'dora');
  // Import: the same file through the real file input, in a fresh page, shows the same run.
  const other = await open(s.b, `${s.srv.base}/#lesson=stale-read&reveal=1`);
  await other.setInputFiles('input[type=file]', file);
  await other.waitForFunction(() => document.querySelectorAll('[data-op]').length === 4);
  await other.keyboard.press('End');
  const imported = await other.evaluate(() => ({
    ops: [...document.querySelectorAll('[data-op]')].map((r) => r.dataset.status),
    anomalies: [...document.querySelectorAll('[data-anomaly]')].map((a) => a.dataset.anomaly).sort(),
  }));
  assert.deepEqual(imported, shown);
  await other.close();
  await page.close();
});

test('last_arrival has no repair, and the controls say why', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=racing-last-arrival`);
  assert.equal(await page.$eval('input[name=read_repair]', (i) => i.disabled), true);
  assert.equal(await page.$eval('select[name=anti_entropy]', (s) => s.disabled), true);
  // The lesson asks first what the replicas keep: until it is answered the mode's words wait.
  assert.equal(await page.locator('.conflict-design').count(), 0);
  await page.locator('[data-question] [data-choice="1"]').click();
  await page.click('[data-action=continue]');
  assert.match(await page.locator('.conflict-design').textContent(), /nothing to repair by/);
  await page.selectOption('select[name=conflicts]', 'siblings');
  await page.waitForFunction(() => !document.querySelector('input[name=read_repair]').disabled);
  assert.match(await page.locator('.conflict-design').textContent(), /Riak/);
});

test('blocking read repair: Bob writes v1 back before returning, so Carol reads v1 and the run is linearizable', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-not-linearizable&reveal=1`);
  const results = async () => {
    await page.keyboard.press('End');
    return page.$$eval('[data-op]', (rows) => rows.map((r) => r.textContent));
  };
  const before = await results();
  assert.match(before[2], /v1/, 'Bob reads v1');
  assert.match(before[3], /v0/, 'Carol reads v0 without the write-back');
  await page.check('input[name=blocking_read_repair]');
  assert.equal(await page.isChecked('input[name=read_repair]'), true, 'blocking read repair is a read repair');
  await page.waitForFunction(() => document.querySelectorAll('[data-op]')[3].textContent.includes('v1'));
  const after = await results();
  assert.match(after[3], /v1/, 'Carol reads v1: B has it from Bob\'s write-back');
  // The acknowledgements a blocking read waits for are on the wire, with their own kind.
  await seek(page, 117);
  await page.waitForSelector('[data-message="repair_ack"]', { state: 'attached' });
  // The experiment as exported runs in the CLI with the same setting and a linearizable verdict.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export')]);
  const file = path.join(fs.mkdtempSync('/tmp/qs-export-'), 'blocking.json');
  await download.saveAs(file);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).replication.blocking_read_repair, true);
  const report = JSON.parse(execFileSync(CLI, ['run', file]).toString());
  assert.deepEqual(report.ops.map((o) => o.values ?? o.value), ['v0', 'v1', ['v1'], ['v1']]);
  assert.equal(report.consistency.linearizable, true);
  await page.close();
});

test('Figure: a dialog chooses the view and the format with the keyboard alone, and fits a phone and a short embed window', async () => {
  for (const viewport of [{ width: 1400, height: 1000 }, { width: 390, height: 844 }, { width: 640, height: 400 }]) {
    const page = await open(s.b, `${s.srv.base}/#lesson=failed-write&reveal=1`, { viewport });
    await seek(page, 102);
    await page.focus('[data-action=figure]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[role=dialog][aria-labelledby=figure-title]');
    // Everything in the dialog can be reached without scrolling the page sideways, and is on screen.
    const boxes = await page.$$eval('[role=dialog] input, [role=dialog] button, [role=dialog] legend', (es) => es.map((e) => {
      const r = (e.closest('label') || e).getBoundingClientRect();
      return { what: e.value || e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    }));
    for (const b of boxes) {
      assert.ok(b.left >= 0 && b.right <= viewport.width, `${b.what} inside the width at ${viewport.width}`);
    }
    const scrolls = await page.$eval('.help-body', (e) => ({ sh: e.scrollHeight, ch: e.clientHeight, bottom: e.getBoundingClientRect().bottom }));
    assert.ok(scrolls.bottom <= viewport.height, 'the dialog is on screen');
    if (viewport.height >= 800) assert.ok(scrolls.sh <= scrolls.ch + 1, `no scrolling inside the dialog at ${viewport.width}×${viewport.height}`);
    // Tab from Close (focused when it opens) wraps to the first choice; the arrows pick within a group.
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Close');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'ring');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'spacetime');
    assert.equal(await page.$eval('input[value=spacetime]', (e) => e.checked), true);
    assert.equal(await simTime(page), 102, 'the arrow moved the choice, not the time');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'svg');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'png');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'figure-download');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), 'quorumscope-failed-write-spacetime-102.0ms.png');
    const file = path.join(fs.mkdtempSync('/tmp/qs-figure-'), 'fig.png');
    await download.saveAs(file);
    const png = fs.readFileSync(file);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    // Twice the diagram's width on screen.
    const onScreen = await page.$eval('svg.st', (e) => Math.round(e.getBoundingClientRect().width));
    assert.equal(png.readUInt32BE(16), 2 * onScreen);
    await page.waitForSelector('[role=dialog]', { state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'figure', 'the focus is back on the button');
    // The default choice is the ring as SVG, in the page's own theme and text.
    await page.click('[data-action=figure]');
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=figure-download]')]);
    assert.equal(svg.suggestedFilename(), 'quorumscope-failed-write-ring-102.0ms.svg');
    const svgFile = path.join(fs.mkdtempSync('/tmp/qs-figure-'), 'fig.svg');
    await svg.saveAs(svgFile);
    const text = fs.readFileSync(svgFile, 'utf8');
    assert.match(text, /^<svg[^>]*class="ring"/);
    assert.equal((text.match(/data-message="put"/g) || []).length, 3, 'the three puts in flight');
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('an edited experiment survives a reload and a lesson picked over it, kept only in this browser', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-overlap`);
  await setSlider(page, 'w', 1);
  await page.waitForSelector('[data-edited]');
  // Reloaded (the address still names the lesson): the lesson opens, and the experiment is offered back.
  await page.reload();
  await page.waitForSelector('[data-draft]');
  assert.equal(await page.locator('[data-edited]').count(), 0);
  await page.click('[data-action=restore-draft]');
  await page.waitForSelector('[data-edited]');
  assert.equal(await page.$eval('input[name=w]', (i) => i.value), '1');
  assert.equal(await page.locator('[data-draft]').count(), 0);
  // A lesson picked over it: kept again, and restorable.
  await page.selectOption('header select', 'stale-read');
  await page.waitForSelector('[data-draft]');
  await page.click('[data-action=restore-draft]');
  assert.equal(await page.$eval('input[name=w]', (i) => i.value), '1');
  // Discarded: nothing offered after a reload, nothing left in storage.
  await page.selectOption('header select', 'stale-read');
  await page.click('[data-action=discard-draft]');
  await page.reload();
  await page.waitForSelector('[data-node]:not(#boot *)');
  assert.equal(await page.locator('[data-draft]').count(), 0);
  assert.equal(await page.evaluate(() => localStorage.getItem('quorumscope-draft-v1')), null);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('leaving an experiment the student edited asks first; an unedited one never asks', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-overlap`);
  const asked = [];
  page.on('dialog', async (d) => { asked.push(d.type()); await d.accept(); });
  // A real click (the browser asks only on pages the reader has used), but no edit.
  await page.click('.transport .play');
  await page.reload();
  await page.waitForSelector('[data-node]:not(#boot *)');
  assert.deepEqual(asked, [], 'nothing to lose: no prompt');
  await page.check('input[name=read_repair]');
  await page.waitForSelector('[data-edited]');
  await page.reload();
  await page.waitForSelector('[data-draft]');
  assert.deepEqual(asked, ['beforeunload'], 'an edited experiment asks before the page goes');
  await page.click('[data-action=discard-draft]');
  await page.close();
});

test('when the wasm stops (a trap, as out of memory gives), the page says so and reopens the last experiment', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=quorum-overlap`);
  await setSlider(page, 'w', 1);
  await page.waitForSelector('[data-edited]');
  // The trap comes from a timer, as from any event the app handles.
  await page.evaluate(() => setTimeout(() => window.wasmBindings.qs_trap(), 0));
  const dialog = page.locator('[role=alertdialog]');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Quorumscope stopped[\s\S]*unreachable[\s\S]*Nothing you made is lost/);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Reopen the last experiment');
  assert.ok(await page.$$eval('body > *', (ns) => ns.filter((n) => n.id !== 'qs-stopped').every((n) => n.hasAttribute('inert'))), 'the dead app is not clickable');
  await page.click('text=Reopen the last experiment');
  await page.waitForSelector('[data-node]:not(#boot *)');
  await page.waitForSelector('[data-edited]');
  assert.equal(await page.$eval('input[name=w]', (i) => i.value), '1', 'the experiment as it was, W = 1');
  assert.equal(await page.locator('[role=alertdialog]').count(), 0);
  // A tab that kept nothing says so and shows the first lesson.
  const fresh = await open(s.b, `${s.srv.base}/#restore=last`);
  assert.match(await fresh.$eval('[role=alert]', (e) => e.textContent), /this tab kept no experiment to reopen/);
  await fresh.close();
  await page.close();
});

test('a run that reaches the browser\'s step cap says so under the caption, and where it stopped', async () => {
  const page = await open(s.b, `${s.srv.base}/`);
  const nodes = Array.from({ length: 64 }, (_, i) => `n${i}`);
  const heavy = { title: 'Capped', nodes, replication: { n: 3, w: 2, r: 2, anti_entropy_ms: 500 },
    events: Array.from({ length: 50 }, (_, i) => ({ at_ms: i, client: 'c', put: `k${i}`, value: 'v' })), run_until_ms: 3600000 };
  await page.evaluate((t) => window.wasmBindings.qs_load(t), JSON.stringify(heavy));
  const note = await (await page.waitForSelector('[data-capped]', { timeout: 60000 })).textContent();
  assert.match(note, /^Stopped early: the run reached the cap of 400,000 steps at [\d.]+ ms of 3600000 ms: what was due later did not happen/);
  assert.match(note, /the command line \(quorumscope run\) goes on to 500,000 steps/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a run whose states are large stops where the tab can still seek it; one too large for the tab is refused', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  const stats = async () => JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
  // About 13 MB a state (128 nodes × 5,000 keys, 20,000 operations): a few checkpoints fit.
  const ops = (n, keys, clients) => Array.from({ length: n }, (_, i) => (i % 2
    ? { at_ms: i / 2, client: `c${i % clients}`, get: `k${i % keys}` }
    : { at_ms: i / 2, client: `c${i % clients}`, put: `k${i % keys}`, value: 'v' }));
  const large = { title: 'Large states', nodes: Array.from({ length: 128 }, (_, i) => `n${i}`), events: ops(20000, 5000, 8) };
  await page.evaluate((t) => window.wasmBindings.qs_load(t), JSON.stringify(large));
  const note = await (await page.waitForSelector('[data-capped]', { timeout: 60000 })).textContent();
  assert.match(note, /^Stopped early: the run reached the cap of 65,536 steps the tab can keep seekable for a run this large at [\d.]+ ms of 12049.5 ms/);
  // Seeking back and forth replays at most 16,384 steps.
  for (const t of [4000, 100, 2500, 4100]) {
    const t0 = Date.now();
    await scrub(page, t);
    await page.waitForFunction((x) => Math.abs(Number(document.querySelector('#sim-time').textContent) - x) < 1, t);
    console.log(`seek to ${t} ms: ${Date.now() - t0} ms`);
  }
  // About 69 MB a state: refused through Import, the experiment on screen kept.
  const huge = { title: 'Too large', nodes: Array.from({ length: 256 }, (_, i) => `n${i}`), events: ops(100000, 10000, 64) };
  const file = path.join(fs.mkdtempSync('/tmp/qs-'), 'huge.json');
  fs.writeFileSync(file, JSON.stringify(huge));
  await page.setInputFiles('input[type=file]', file);
  const alert = await (await page.waitForSelector('[role=alert]:has-text("Too large for the browser")', { timeout: 60000 })).textContent();
  assert.match(alert, /each state of this run takes about \d+ MB \(256 nodes × 10,000 keys, 64 clients, 100,000 operations\)/);
  assert.match(await page.$eval('.caption', (e) => e.textContent), /Large states/);
  const wasm_mib = (await stats()).wasm_bytes / 1048576;
  console.log(`wasm memory after both: ${wasm_mib.toFixed(0)} MiB`);
  assert.ok(wasm_mib <= 256, `the wasm memory reached ${wasm_mib} MiB (the tab's bound is 256 MiB)`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('siblings bounded as Riak bounds them: the warning past 25 versions and each refusal shown once the cursor reaches it', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  // 150 blind puts of one key, 10 ms apart, on one replica: the 26th to the 100th warn, the 101st on are refused.
  const events = Array.from({ length: 150 }, (_, i) => ({ at_ms: i * 10, client: `c${i % 50}`, put: 'k', value: `v${i}`, blind: true }));
  const text = JSON.stringify({ title: 'Blind writers', nodes: ['A'], events, replication: { n: 1, w: 1, r: 1, conflicts: 'siblings' } });
  await page.evaluate((t) => window.wasmBindings.qs_load(t), text);
  await page.waitForFunction(() => (document.querySelector('.caption')?.textContent ?? '').includes('Blind writers'));
  await seek(page, 230);
  assert.equal(await page.locator('[data-siblings]').count(), 0, 'nothing said before the 26th version');
  await seek(page, 400);
  const warned = await (await page.waitForSelector('[data-siblings]')).textContent();
  assert.match(warned, /^Sibling limit: At [\d.]+ ms A held 26 versions of k \(\d+ more warnings since\): siblings pile up when writers do not read first\. Like Riak \(warn_siblings 25, max_siblings 100\), a replica here warns of each put that leaves it more than 25 versions of a key, and refuses a put that would give it more than 100: none refused yet\.$/);
  assert.equal(await page.locator('.history :text("refused: too many siblings")').count(), 0);
  await seek(page, 1100);
  const refusing = await page.$eval('[data-siblings]', (e) => e.textContent);
  const so_far = Number(refusing.match(/: (\d+) puts? refused so far\.$/)[1]);
  assert.ok(so_far >= 1 && so_far <= 10, refusing);
  assert.match(await page.$eval('.inspector .log', (e) => e.textContent), /A refuses the put of k: it would hold 101 versions, more than the 100 a replica keeps/);
  await seek(page, 1600);
  assert.match(await page.$eval('[data-siblings]', (e) => e.textContent), /: 50 puts refused so far\.$/);
  assert.equal(await page.locator('.history :text("refused: too many siblings")').count(), 50);
  // The CLI's report says the same without --trace.
  const report = JSON.parse(execFileSync(CLI, ['run', '-'], { input: text }).toString());
  assert.deepEqual(report.sibling_warnings.map((w) => [w.node, w.key, w.siblings]), Array.from({ length: 75 }, (_, i) => ['A', 'k', 26 + i]));
  assert.equal(report.ops.filter((o) => o.outcome === 'refused').length, 50);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('past 1,000 anomalies of a kind the list stops, and says so only once the cursor has reached that many', async () => {
  const page = await open(s.b, `${s.srv.base}/#lesson=stale-read`);
  // 12 puts fail (W = 3, n2 down) yet are stored on two replicas; 100 gets each return all 12.
  const events = [{ at_ms: 0, crash: 'n2' },
    ...Array.from({ length: 12 }, (_, i) => ({ at_ms: 1, client: `c${i}`, put: 'k', value: `v${i}`, blind: true })),
    ...Array.from({ length: 100 }, (_, i) => ({ at_ms: 600 + i, client: `r${i % 8}`, get: 'k' }))];
  const text = JSON.stringify({ title: 'Many failed reads', nodes: ['n0', 'n1', 'n2'], events,
    replication: { n: 3, w: 3, r: 2, conflicts: 'siblings', hinted_handoff: false } });
  await page.evaluate((t) => window.wasmBindings.qs_load(t), text);
  await page.waitForFunction(() => (document.querySelector('.caption')?.textContent ?? '').includes('Many failed reads'));
  await scrub(page, 650);
  await page.waitForFunction(() => Number(document.querySelector('#sim-time').textContent) >= 649);
  assert.equal(await page.locator('[data-not-listed]').count(), 0, 'not said before the list is full');
  await scrub(page, 800);
  const note = await (await page.waitForSelector('[data-not-listed]')).textContent();
  assert.match(note, /^The list stops at the first 1,000 anomalies of a kind \(read of a failed write here\)/);
  assert.equal(await page.locator('[data-anomaly=failed_write_read]').count(), 1000);
  // Said first, above the list, and the heading counts what is listed.
  assert.match(await page.$eval('.anomalies h2', (e) => e.textContent), /^Anomalies (so far )?\(1,000 listed\)$/);
  const before = await page.$eval('[data-not-listed]', (n) =>
    Boolean(n.compareDocumentPosition(document.querySelector('.anomalies ul')) & Node.DOCUMENT_POSITION_FOLLOWING));
  assert.ok(before, 'the note comes before the list');
  const report = JSON.parse(execFileSync(CLI, ['run', '-'], { input: text }).toString());
  assert.deepEqual(report.stats.anomalies_not_listed, { failed_write_read: 200 });
  assert.deepEqual(page.errors, []);
  await page.close();
});

// A run at the tab's step cap: anti-entropy every 500 ms on 64 nodes for an hour (400,000 steps).
const LONG_RUN = {
  title: 'Anti-entropy every 500 ms on 64 nodes for an hour', nodes: Array.from({ length: 64 }, (_, i) => `n${i}`),
  replication: { n: 3, w: 2, r: 2, anti_entropy_ms: 500 }, run_until_ms: 3600000,
  events: Array.from({ length: 200 }, (_, i) => ({ at_ms: i, client: 'c', put: `k${i}`, value: 'v' })),
};

test('a first visit to a link whose run is long: the first lesson under the progress note, then the linked experiment', async () => {
  const long = LONG_RUN;
  const link = '#v1=' + zlib.deflateRawSync(Buffer.from(JSON.stringify({ scenario: long }))).toString('base64url');
  const page = await open(s.b, `${s.srv.base}/${link}`);
  await page.waitForSelector('[data-building] [role=progressbar]', { timeout: 10000 });
  // Both read at one instant: on a busy machine the run can finish between two round trips.
  const [note, under] = await page.evaluate(() => [document.querySelector('[data-building]')?.textContent ?? '',
    document.querySelector('.caption strong')?.textContent]);
  if (note) {
    assert.match(note, /Computing the new run \(Anti-entropy every 500 ms on 64 nodes for an hour\)/);
    assert.notEqual(under, long.title, 'the linked run is not shown before it is computed');
  } else console.log('the run finished before the page could be read: its progress not checked');
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await page.evaluate(() => 1);
    assert.ok(Date.now() - t0 < 200, 'the page answers while it computes');
  }
  await page.waitForFunction((t) => document.querySelector('.caption strong')?.textContent === t, long.title, { timeout: 60000 });
  assert.equal(await page.$$eval('[data-building]', (e) => e.length), 0);
  assert.ok(await page.$('[data-capped]'), 'it says the run stopped at the tab\'s cap');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a long run is computed in slices: its progress, a page that answers meanwhile, Cancel keeps the experiment, finishing opens it', async () => {
  // A lesson's run without its narrated steps, so no question holds the cursor.
  const plain = { ...JSON.parse(fs.readFileSync(path.join(ROOT, 'lessons', 'stale-read.json'), 'utf8')), steps: [] };
  const link = (sc) => '#v1=' + zlib.deflateRawSync(Buffer.from(JSON.stringify({ scenario: sc }))).toString('base64url');
  const page = await open(s.b, `${s.srv.base}/${link(plain)}`);
  await seek(page, 120);
  const title = () => page.$eval('.caption strong', (e) => e.textContent);
  const before = await title();
  const long = LONG_RUN;
  const text = JSON.stringify(long);
  const stats = async () => JSON.parse(await page.evaluate(() => window.wasmBindings.qs_stats()));
  // A link whose run is long: its progress shows over the experiment on screen. The run takes
  // about 0.3 s here, too quick to press Cancel in, so the CPU is slowed down six times until then
  // (slices are bounded by time, so the page answers as fast).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
  await page.evaluate((f) => { location.hash = f; }, link(long));
  await page.waitForSelector('[data-building] [role=progressbar]', { timeout: 10000 });
  assert.match(await page.$eval('[data-building]', (e) => e.textContent), /Computing the new run \(Anti-entropy every 500 ms on 64 nodes for an hour\): [\d,]+ ms of 3,600,000 ms simulated so far/);
  // The page answers while it computes: a script's call, and a control moved by hand.
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    await page.evaluate(() => 1);
    const took = Date.now() - t0;
    assert.ok(took < 200, `the page took ${took} ms to answer while computing`);
  }
  const t0 = Date.now();
  await seek(page, 90);
  assert.ok(Date.now() - t0 < 400, `seeking while computing took ${Date.now() - t0} ms`);
  await page.waitForFunction(() => Number(document.querySelector('[role=progressbar]').getAttribute('aria-valuenow')) > 0, null, { timeout: 20000 });
  assert.equal(await title(), before, 'the experiment on screen stays until the new one is ready');
  await page.click('[data-action=cancel-build]');
  await page.waitForSelector('[data-building]', { state: 'detached' });
  assert.match(await page.$eval('[role=alert]', (e) => e.textContent), /the new run was cancelled, so the experiment on screen is exactly as it was/);
  assert.equal(await title(), before);
  assert.equal(await simTime(page), 90);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  // Let it finish this time (Import's path): the new experiment opens.
  await page.evaluate(() => {
    window.wasmBindings.qs_reset_stats();
    // The main thread's long tasks (over 50 ms) while it computes.
    window.longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: 'longtask' });
  });
  const started = Date.now();
  await page.evaluate((t) => window.wasmBindings.qs_load(t), text);
  await page.waitForSelector('[data-building]');
  await page.waitForFunction((t) => document.querySelector('.caption strong')?.textContent === t, long.title, { timeout: 60000 });
  const wall = Date.now() - started;
  assert.equal(await page.$$eval('[data-building]', (e) => e.length), 0);
  assert.ok(await page.$('[data-capped]'), 'the run at the tab\'s step cap says so');
  const sl = (await stats()).slices;
  const oneGo = await page.evaluate((t) => window.wasmBindings.qs_build_ms(t), text);
  const long_tasks = await page.evaluate(() => window.longTasks);
  console.log(`400k-step run: ${sl.count} slices, longest ${sl.max_ms.toFixed(0)} ms, ${sl.total_ms.toFixed(0)} ms of work, ${wall} ms on the clock; in one go ${oneGo.toFixed(0)} ms; main-thread tasks over 50 ms: ${JSON.stringify(long_tasks.map(Math.round))}`);
  assert.ok(sl.count > 10, `${sl.count} slices`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
