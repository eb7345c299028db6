// temporary review script (not committed)
import { serve, browser } from './harness.mjs';
import http from 'node:http';
import fs from 'node:fs';
const out = '/tmp/review';
const app = await serve();
const hostSrv = await new Promise((resolve) => {
  const server = http.createServer((req, res) => {
    const t = fs.readFileSync('/tmp/myhost/quiz.html', 'utf8').replaceAll('APP', app.base).replaceAll('HOST', encodeURIComponent(`http://127.0.0.1:${server.address().port}`));
    res.writeHead(200, { 'content-type': 'text/html' }); res.end(t);
  });
  server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` }));
});
const b = await browser();
const what = process.argv[2] || 'all';
if (what === 'all' || what === 'quiz') {
  const page = await b.newPage({ viewport: { width: 1200, height: 1000 } });
  const errs = []; page.on('pageerror', (e) => errs.push(String(e))); page.on('console', (m) => errs.push(m.type() + ': ' + m.text()));
  await page.goto(`${hostSrv.base}/quiz.html`);
  await page.waitForFunction(() => log.some((m) => m.type === 'checkpoint'), null, { timeout: 60000 }).catch((e) => console.log('no checkpoint', e.message));
  await page.waitForTimeout(2000);
  console.log(JSON.stringify(await page.evaluate(() => log.map((m) => m.type ? `${m.type}${m.type === 'error' ? ':' + m.message : ''}${m.type === 'figure' ? ':' + m.name : ''}` : JSON.stringify(m)))));
  console.log('errors', errs);
  await page.screenshot({ path: `${out}/quiz.png`, fullPage: true });
  await page.close();
}
if (what === 'all' || what === 'course') {
  for (const [w, h] of [[1440, 900], [390, 844]]) for (const scheme of ['light', 'dark']) {
    const page = await b.newPage({ viewport: { width: w, height: h }, colorScheme: scheme });
    await page.goto(`${app.base}/course.html`);
    for (const id of ['lesson-stale', 'lesson-sloppy']) { await page.locator(`#${id}`).scrollIntoViewIfNeeded(); await page.frameLocator(`#${id}`).locator('[data-node]').first().waitFor(); }
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${out}/course-${w}-${scheme}.png`, fullPage: true });
    await page.close();
  }
}
if (what === 'all' || what === 'figure') {
  for (const [w, h] of [[390, 844], [640, 400], [1440, 900]]) for (const scheme of ['light', 'dark']) {
    const page = await b.newPage({ viewport: { width: w, height: h }, colorScheme: scheme });
    await page.goto(`${app.base}/#lesson=failed-write&t=102`);
    await page.waitForSelector('[data-node]');
    await page.click('[data-action=figure]');
    await page.keyboard.press('Tab');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}/figure-${w}x${h}-${scheme}.png` });
    await page.close();
  }
}
await b.close(); app.server.close(); hostSrv.server.close();
