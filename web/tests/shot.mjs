// Screenshots of every view for the README and for looking at: node web/tests/shot.mjs OUTDIR
import { serve, browser, open } from './harness.mjs';
import fs from 'node:fs';

const out = process.argv[2] || 'docs/screenshots';
fs.mkdirSync(out, { recursive: true });
const { server, base } = await serve();
const b = await browser();
const shots = [
  { name: 'overview', hash: '#lesson=sloppy-stale-read', t: 400, select: 1, viewport: { width: 1400, height: 1000 } },
  { name: 'dark', hash: '#lesson=failed-write', t: 803, select: 1, viewport: { width: 1400, height: 1000 }, colorScheme: 'dark' },
  { name: 'merkle', hash: '#lesson=anti-entropy', t: 712, viewport: { width: 1400, height: 1400 }, full: true },
  { name: 'narrow-640', hash: '#lesson=racing-siblings', t: 12, viewport: { width: 640, height: 900 } },
  { name: 'checkpoint', hash: '#lesson=sloppy-stale-read&t=399.9', play: true, viewport: { width: 1400, height: 1000 } },
  { name: 'embed-640x400', hash: '?embed#lesson=failed-write&t=803', viewport: { width: 640, height: 400 } },
  { name: 'course', path: 'course.html', viewport: { width: 900, height: 1300 }, course: true },
];
for (const s of process.argv[3] ? shots.filter((x) => x.name === process.argv[3]) : shots) {
  if (s.course) {
    const page = await b.newPage({ viewport: s.viewport });
    await page.goto(`${base}/${s.path}`);
    for (const id of ['lesson-stale', 'lesson-sloppy']) await page.frameLocator(`#${id}`).locator('[data-node]').first().waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${out}/${s.name}.png`, fullPage: true });
    await page.close();
    continue;
  }
  const page = await open(b, `${base}/${s.hash}`, s);
  if (s.play) {
    await page.selectOption('.transport select', '1');
    await page.click('.transport .play');
    await page.waitForSelector('.checkpoint');
    await page.click('.checkpoint [data-choice="0"]');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${out}/${s.name}.png` });
    await page.close();
    continue;
  }
  if (s.t !== undefined && !s.hash.includes('t=')) {
    await page.evaluate((t) => { const r = document.querySelector('input[name=time]'); r.value = String(t); r.dispatchEvent(new Event('input', { bubbles: true })); }, s.t);
  }
  if (s.select !== undefined) await page.click(`[data-op="${s.select}"]`);
  if (s.t !== undefined) await page.evaluate((t) => { const r = document.querySelector('input[name=time]'); r.value = String(t); r.dispatchEvent(new Event('input', { bubbles: true })); }, s.t);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${out}/${s.name}.png`, fullPage: !!s.full });
  if (page.errors.length) console.log(s.name, 'errors:', page.errors);
  await page.close();
}
await b.close();
server.close();
console.log('screenshots in', out);
