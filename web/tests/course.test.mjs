// The embedding API from a course page on another origin: the host page is served by one server,
// the app by another (another port, so another origin), and it drives the app through the helper
// (quorumscope-embed.js). Run by `cargo xtask test` on the build with hooks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, browser } from './harness.mjs';

const ROOT = process.env.QS_ROOT || path.resolve(import.meta.dirname, '../..');
const s = {};
before(async () => {
  s.app = await serve();
  s.host = await serve();
  s.b = await browser();
});
after(async () => {
  await s.b?.close();
  s.app?.server.close();
  s.host?.server.close();
});

const lesson = (slug) => JSON.parse(fs.readFileSync(path.join(ROOT, 'lessons', `${slug}.json`), 'utf8'));

// The host page with the app embedded; resolves once the app said `ready` (unless `ready` is false).
async function host(frag, { ready = true } = {}) {
  assert.notEqual(new URL(s.app.base).origin, new URL(s.host.base).origin, 'two origins');
  const page = await s.b.newPage({ viewport: { width: 1200, height: 900 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${s.host.base}/web/tests/course-host.html?app=${encodeURIComponent(`${s.app.base}/`)}&frag=${encodeURIComponent(frag)}`);
  await page.waitForFunction(() => window.qs, null, { timeout: 15000 });
  page.app = () => page.frames().find((f) => f.url().startsWith(s.app.base));
  await page.waitForFunction(() => document.querySelector('#app').contentWindow, null);
  if (ready) page.hello = await page.evaluate(() => window.qs.ready);
  await waitFrame(page);
  return page;
}
async function waitFrame(page) {
  for (let i = 0; i < 150 && !page.app(); i++) await new Promise((r) => setTimeout(r, 100));
  await page.app().waitForSelector('[data-node]:not(#boot *)', { timeout: 15000 });
}
const send = (page, type, fields = {}) => page.evaluate(([t, f]) => window.qs.send(t, f), [type, fields]);
const state = (page) => page.evaluate(() => window.qs.getState());
const got = (page, type) => page.evaluate((t) => window.got.filter((m) => m.type === t), type);
const waitGot = (page, type, n = 1) =>
  page.waitForFunction(([t, k]) => window.got.filter((m) => m.type === t).length >= k, [type, n], { timeout: 30000 });
const simTime = (page) => page.app().$eval('#sim-time', (e) => Number(e.textContent));
const settle = () => new Promise((r) => setTimeout(r, 400));

test('ready, load, seek and get-state: the state matches what the page shows', async () => {
  const page = await host('lesson=failed-write');
  assert.equal(page.hello.version, 1);
  assert.ok(page.hello.lessons.includes('stale-read'), 'ready lists the lessons');
  assert.equal(await page.app().locator('[data-op]').count(), 0, 'an embed shows no history unless asked');
  await send(page, 'configure', { panels: ['history', 'controls'] });
  await page.app().waitForSelector('[data-op]');
  await send(page, 'load', { lesson: 'quorum-overlap' });
  await page.app().waitForFunction(() => document.querySelector('.caption strong')?.textContent.length > 0);
  await send(page, 'set', { r: 1 });
  await send(page, 'seek', { t_ms: 150 });
  const st = await state(page);
  assert.equal(st.quorumscope, 1);
  assert.equal(st.type, 'state');
  assert.equal(st.lesson, 'quorum-overlap');
  assert.equal(st.edited, true, 'a setting changed the lesson');
  assert.equal(st.scenario.replication.r, 1);
  assert.equal(st.t_ms, 150);
  assert.equal(await simTime(page), 150);
  assert.equal(await page.app().$eval('input[name=r]', (e) => Number(e.value)), 1);
  // Ops done by the cursor are the history's finished rows; nothing later.
  const rows = await page.app().$$eval('[data-op]', (rs) => rs.map((r) => ({ op: Number(r.dataset.op), status: r.dataset.status })));
  const finished = rows.filter((r) => r.status === 'ok' || r.status === 'failed').map((r) => r.op);
  assert.deepEqual(st.ops.map((o) => o.index), finished);
  assert.ok(st.ops.every((o) => o.end_ms <= 150));
  const listed = await page.app().$$eval('[data-anomaly]', (as) => as.length);
  assert.equal(st.anomalies.length, listed);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('load of a long run: get-state says what is computing over the experiment on screen, then the new one opens', async () => {
  const page = await host('lesson=failed-write');
  const names = Array.from({ length: 64 }, (_, i) => `n${i}`);
  const long = {
    title: 'Anti-entropy every 500 ms on 64 nodes for an hour', nodes: names,
    replication: { n: 3, w: 2, r: 2, anti_entropy_ms: 500 }, run_until_ms: 3600000,
    events: Array.from({ length: 200 }, (_, i) => ({ at_ms: i, client: 'c', put: `k${i}`, value: 'v' })),
  };
  await send(page, 'load', { scenario: long });
  await page.app().waitForSelector('[data-building] [role=progressbar]', { timeout: 10000 });
  const during = await state(page);
  assert.equal(during.lesson, 'failed-write', 'the rest still describes the experiment on screen');
  assert.equal(during.computing.title, long.title);
  assert.ok(during.computing.percent >= 0 && during.computing.percent < 100, JSON.stringify(during.computing));
  await page.app().waitForFunction((t) => document.querySelector('.caption strong')?.textContent === t, long.title, { timeout: 60000 });
  const after = await state(page);
  assert.equal(after.computing, null);
  assert.equal(after.scenario.title, long.title);
  assert.equal(after.lesson, null);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// A host page embedding `slug`, played through the API until its first question opens.
async function toTheQuestion(slug) {
  const file = lesson(slug);
  const q = file.steps.findIndex((st) => st.choices?.length);
  const page = await host(`lesson=${slug}`);
  await send(page, 'speed', { value: 1 });
  await send(page, 'play');
  await waitGot(page, 'checkpoint');
  return { file, q, page };
}

test('ready is heard whether the helper is attached before the frame loads or after the app is up', async () => {
  // Before: the host page attaches as it creates the frame (page.hello came from the app's own ready).
  const early = await host('lesson=failed-write');
  assert.equal(early.hello.version, 1);
  const readies = await got(early, 'ready');
  assert.equal(readies.length, 1, 'one ready');
  await early.close();
  // After: the app has rendered (and sent its ready to nobody) before the helper exists.
  const page = await s.b.newPage({ viewport: { width: 1200, height: 900 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${s.host.base}/web/tests/course-host.html?late=1&app=${encodeURIComponent(`${s.app.base}/`)}&frag=${encodeURIComponent('lesson=failed-write')}`);
  await page.waitForFunction(() => window.hostReady, null, { timeout: 15000 });
  page.app = () => page.frames().find((f) => f.url().startsWith(s.app.base));
  await waitFrame(page);
  await page.app().waitForFunction(() => document.querySelector('[data-node]:not(#boot *)'));
  await settle();
  await page.evaluate(() => window.attachNow());
  const hello = await page.evaluate(() => Promise.race([window.qs.ready, new Promise((r) => setTimeout(() => r('timeout'), 5000))]));
  assert.notEqual(hello, 'timeout', 'ready resolves for a late helper');
  assert.equal(hello.version, 1);
  assert.ok(hello.lessons.includes('failed-write'));
  await send(page, 'seek', { t_ms: 120 });
  await page.app().waitForFunction(() => Number(document.querySelector('#sim-time').textContent) === 120);
  assert.equal((await state(page)).t_ms, 120, 'and get-state is answered');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('configure theme: dark, light and auto override or follow the system; theme= in the link too', async () => {
  const page = await host('lesson=failed-write&reveal=1');
  const colours = () => page.app().evaluate(() => {
    const cs = getComputedStyle(document.documentElement);
    return { bg: cs.getPropertyValue('--bg').trim(), body: getComputedStyle(document.body).backgroundColor, scheme: cs.colorScheme, theme: document.documentElement.dataset.theme || null };
  });
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal((await colours()).bg, '#fbfbf8', 'the system is light');
  await send(page, 'configure', { theme: 'dark' });
  await page.app().waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  let c = await colours();
  assert.deepEqual([c.bg, c.body, c.scheme], ['#15171a', 'rgb(21, 23, 26)', 'dark'], 'dark over a light system');
  await page.emulateMedia({ colorScheme: 'dark' });
  await send(page, 'configure', { theme: 'light' });
  await page.app().waitForFunction(() => document.documentElement.dataset.theme === 'light');
  c = await colours();
  assert.deepEqual([c.bg, c.scheme], ['#fbfbf8', 'light'], 'light over a dark system');
  await send(page, 'configure', { theme: 'auto' });
  await page.app().waitForFunction(() => !document.documentElement.dataset.theme);
  assert.equal((await colours()).bg, '#15171a', 'auto follows the (dark) system again');
  // The messages on the canvas are repainted in the new theme's colours (puts are in flight at
  // 102 ms): pixels of the light put blue, none of the dark one, and the other way round.
  await send(page, 'seek', { t_ms: 102 });
  const puts = () => page.app().evaluate(() => {
    const c = document.querySelector('.msg-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let light = 0, dark = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] !== 255) continue;
      if (d[i] === 0x00 && d[i + 1] === 0x72 && d[i + 2] === 0xb2) light++;
      if (d[i] === 0x56 && d[i + 1] === 0xb4 && d[i + 2] === 0xe9) dark++;
    }
    return { light, dark };
  });
  await page.app().waitForFunction(() => Number(document.querySelector('#sim-time').textContent) === 102);
  await settle();
  let p = await puts();
  assert.ok(p.dark > 0 && p.light === 0, `auto on a dark system: dark puts (${JSON.stringify(p)})`);
  await send(page, 'configure', { theme: 'light' });
  await page.app().waitForFunction(() => document.documentElement.dataset.theme === 'light');
  await settle();
  p = await puts();
  assert.ok(p.light > 0 && p.dark === 0, `light: light puts (${JSON.stringify(p)})`);
  const fig = await page.evaluate(() => window.qs.export('ring', 'svg'));
  assert.match(fig.data, /fill="#0072b2"/, 'the figure in the light theme\'s blue');
  await send(page, 'configure', { theme: 'sepia' });
  await waitGot(page, 'error');
  assert.equal((await got(page, 'error'))[0].message, "configure's theme is light, dark or auto.");
  assert.equal((await colours()).theme, 'light', 'a refused theme changes nothing');
  assert.equal((await state(page)).t_ms, 102);
  assert.deepEqual(page.errors, []);
  await page.close();
  const linked = await host('lesson=failed-write&theme=dark');
  await linked.emulateMedia({ colorScheme: 'light' });
  assert.equal((await linked.app().evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim())), '#15171a');
  await linked.close();
});

test('play until the question, answer it: answered with its correctness, lesson-complete with the score', async () => {
  const { file, q, page } = await toTheQuestion('stale-read');
  const [cp] = await got(page, 'checkpoint');
  assert.equal(cp.step, q);
  assert.deepEqual(cp.choices, file.steps[q].choices);
  assert.equal(cp.text, file.steps[q].predict);
  assert.ok((await got(page, 'time')).length >= 1, 'time while playing');
  const st = await state(page);
  assert.equal(st.question, q);
  assert.equal(st.playing, false, 'the run waits at the question');
  await page.app().click(`[data-choice="${file.steps[q].answer}"]`);
  await waitGot(page, 'answered');
  const [a] = await got(page, 'answered');
  assert.deepEqual([a.step, a.choice, a.correct], [q, file.steps[q].answer, true]);
  assert.equal(a.statement.verb.id, 'http://adlnet.gov/expapi/verbs/answered');
  assert.deepEqual(a.statement.result, { score: { raw: 1, max: 1 }, success: true });
  await waitGot(page, 'lesson-complete');
  const [done] = await got(page, 'lesson-complete');
  assert.deepEqual([done.lesson, done.score, done.of], ['stale-read', 1, 1]);
  assert.equal(done.statement.object.id, 'urn:quorumscope:lesson:stale-read');
  // Playing on, the cursor passes the stale read: an anomaly event, once.
  await send(page, 'play');
  await waitGot(page, 'anomaly');
  const [an] = await got(page, 'anomaly');
  assert.equal(an.kind, 'stale_read');
  assert.ok(an.explanation.length > 10);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a wrong answer is answered with correct: false and a score of 0', async () => {
  const { file, q, page } = await toTheQuestion('stale-read');
  const wrong = (file.steps[q].answer + 1) % file.steps[q].choices.length;
  await page.app().click(`[data-choice="${wrong}"]`);
  await waitGot(page, 'lesson-complete');
  const [a] = await got(page, 'answered');
  assert.equal(a.correct, false);
  const [done] = await got(page, 'lesson-complete');
  assert.deepEqual([done.score, done.of, done.statement.result.success], [0, 1, false]);
  await page.close();
});

test('a malformed message gets an error and changes nothing; so does an unknown lesson', async () => {
  const page = await host('lesson=failed-write&reveal=1');
  await send(page, 'seek', { t_ms: 200 });
  const before = await state(page);
  for (const [type, fields] of [['seek', { t_ms: 'soon' }], ['dance', {}], ['play', { loud: true }], ['load', { lesson: 'no-such' }],
    ['load', { scenario: { nodes: 'x' } }], ['intervene', { event: { crash: 'ZZ' } }]]) {
    await send(page, type, fields);
  }
  await waitGot(page, 'error', 6);
  const errors = (await got(page, 'error')).map((e) => e.message);
  assert.match(errors[0], /could not read the "seek" message/);
  assert.match(errors[3], /no lesson called "no-such"/);
  const after = await state(page);
  assert.deepEqual({ ...after, id: 0 }, { ...before, id: 0 }, 'the experiment is unchanged');
  assert.equal(await simTime(page), 200);
  assert.equal(await page.app().locator('.error').count(), 0, 'the student sees no error bar for the host\'s mistakes');
  await page.close();
});

test('commands from a window that is not the parent are ignored', async () => {
  const page = await host('lesson=failed-write&reveal=1');
  // A sibling frame of the same origin as the host posts a well-formed command to the app.
  await page.evaluate(() => new Promise((resolve) => {
    const other = document.createElement('iframe');
    other.srcdoc = `<script>parent.document.querySelector('#app').contentWindow.postMessage({ quorumscope: 1, type: 'seek', t_ms: 500 }, '*'); parent.postMessage('sent', '*');<\/script>`;
    window.addEventListener('message', (e) => { if (e.data === 'sent') resolve(); });
    document.body.append(other);
  }));
  await settle();
  assert.equal(await simTime(page), 0);
  assert.equal((await state(page)).t_ms, 0);
  assert.deepEqual(await got(page, 'error'), [], 'not even an error: it was not for us');
  await page.close();
});

test('with origin= set, commands from another origin are ignored and the pinned origin is obeyed', async () => {
  const wrong = await host(`lesson=failed-write&reveal=1&origin=${encodeURIComponent('http://127.0.0.1:9')}`, { ready: false });
  await send(wrong, 'seek', { t_ms: 500 });
  await settle();
  assert.equal(await simTime(wrong), 0, 'ignored');
  assert.deepEqual(await wrong.evaluate(() => window.got), [], 'nothing is sent to an origin that is not the pinned one');
  await wrong.close();
  const right = await host(`lesson=failed-write&reveal=1&origin=${encodeURIComponent(s.host.base)}`);
  await send(right, 'seek', { t_ms: 500 });
  await right.app().waitForFunction(() => Number(document.querySelector('#sim-time').textContent) === 500);
  await right.close();
});

test('the course page: "show me" seeks its lesson, and the score box counts the answers', async () => {
  const page = await s.b.newPage({ viewport: { width: 1440, height: 900 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${s.app.base}/course.html`);
  const frame = async (id) => {
    const el = await page.waitForSelector(`#${id}`);
    await el.scrollIntoViewIfNeeded();
    const f = await el.contentFrame();
    await f.waitForSelector('[data-node]:not(#boot *)', { timeout: 15000 });
    return f;
  };
  const stale = await frame('lesson-stale');
  await page.click('button.show[data-frame=lesson-stale]');
  await stale.waitForFunction(() => Number(document.querySelector('#sim-time').textContent) === 10);
  assert.equal(await page.textContent('#score'), 'none yet');
  await stale.click('.transport button.play');
  await stale.waitForSelector('[data-choice]', { timeout: 30000 });
  const answer = lesson('stale-read').steps.find((st) => st.choices?.length).answer;
  await stale.click(`[data-choice="${answer}"]`);
  await page.waitForFunction(() => document.querySelector('#score').textContent === '1 right of 1');
  await page.waitForFunction(() => document.querySelector('#log li')?.textContent.includes('1 of 1'));
  // A figure of the ring where the lesson stands, exported into the page as an image.
  const t = await stale.$eval('#sim-time', (e) => Number(e.textContent));
  await page.click('button.figure');
  await page.waitForFunction(() => document.querySelector('#notes img')?.complete && document.querySelector('#notes img').naturalWidth > 0);
  assert.equal(await page.textContent('#notes figcaption'), `quorumscope-stale-read-ring-${t.toFixed(1)}ms.svg`);
  const src = await page.$eval('#notes img', (i) => decodeURIComponent(i.src));
  assert.equal((src.match(/data-node="/g) || []).length, 3, 'its three nodes');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('export: the ring as SVG has the page\'s nodes and messages as marks, the PNG is twice its size', async () => {
  const page = await host('lesson=failed-write&reveal=1&panels=spacetime');
  await send(page, 'seek', { t_ms: 102 });
  await page.app().waitForFunction(() => Number(document.querySelector('#sim-time').textContent) === 102);
  const onPage = await page.app().evaluate(() => ({
    nodes: [...document.querySelectorAll('svg.ring [data-node]')].map((n) => n.dataset.node).sort(),
    msgs: [...document.querySelectorAll('.msg-hooks [data-message]')].map((m) => `${m.dataset.message}:${m.dataset.msgId}`).sort(),
  }));
  assert.ok(onPage.msgs.length >= 3, 'puts in flight at 102 ms');
  const fig = await page.evaluate(() => window.qs.export('ring', 'svg'));
  assert.equal(fig.type, 'figure');
  assert.equal(fig.name, 'quorumscope-failed-write-ring-102.0ms.svg');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      error: doc.querySelector('parsererror')?.textContent || null,
      nodes: [...root.querySelectorAll('[data-node]')].map((n) => n.getAttribute('data-node')).sort(),
      msgs: [...root.querySelectorAll('.msg-marks [data-message]')].map((m) => `${m.getAttribute('data-message')}:${m.getAttribute('data-msg-id')}`).sort(),
      fills: [...root.querySelectorAll('.msg-marks [data-message]')].map((m) => m.getAttribute('fill')),
      text: [...root.querySelectorAll('text')].map((t) => t.textContent).join(' '),
      styled: root.querySelector('text')?.getAttribute('style') || '',
      width: Number(root.getAttribute('width')),
    };
  }, fig.data);
  assert.equal(parsed.error, null, 'the SVG parses');
  assert.deepEqual(parsed.nodes, onPage.nodes);
  assert.deepEqual(parsed.msgs, onPage.msgs, 'every message on the canvas is a mark in the figure');
  assert.ok(parsed.fills.every((f) => f && !f.includes('var(')), 'colours resolved');
  assert.match(parsed.text, /A/, 'labels are text');
  assert.match(parsed.styled, /font-family/, 'fonts inlined');
  const png = await page.evaluate(() => window.qs.export('ring', 'png'));
  assert.match(png.data, /^data:image\/png;base64,/);
  const size = await page.evaluate((url) => new Promise((r) => { const i = new Image(); i.onload = () => r(i.naturalWidth); i.src = url; }), png.data);
  assert.equal(size, 2 * parsed.width);
  const st = await page.evaluate(() => window.qs.export('spacetime', 'svg'));
  assert.match(st.data, /^<svg/);
  assert.equal(st.name, 'quorumscope-failed-write-spacetime-102.0ms.svg');
  await send(page, 'export', { what: 'merkle', format: 'svg' });
  await waitGot(page, 'error');
  // Through the helper, a refused export rejects its promise with the app's message (its error
  // carries the export's id), whether the command was unreadable or the view is not shown.
  const refused = (what) => page.evaluate((w) => window.qs.export(w, 'svg').then(() => 'resolved', (e) => e.message), what);
  assert.match(await refused('merkle'), /could not read the "export" message: what must be ring or spacetime/);
  await send(page, 'configure', { panels: [] });
  await page.app().waitForFunction(() => !document.querySelector('svg.st'));
  assert.equal(await refused('spacetime'), "that view is not on the page (see configure's panels).");
  assert.deepEqual(page.errors, []);
  await page.close();
});
