// The last step of `cargo xtask build`, after Trunk: what Trunk cannot do for the shipped files.
//
// 1. Minifies the wasm-bindgen glue with terser (Trunk's own minifier cannot parse it and leaves it
//    as it is) and rewrites that file's `integrity` hash in index.html to match, so the browser
//    still checks it (Subresource Integrity).
// 2. Puts the app's first view of the default lesson into index.html (`prerender`): the built app
//    runs once in headless Chromium and its rendered DOM (header, the lesson's words, the ring, the
//    transport, every panel) becomes the page's `#boot-view`, painted before the wasm arrives.
//    The app replaces it with the same DOM once it renders (no Yew hydration: that needs the
//    `hydration` feature in the bundle and render paths free of browser calls; a snapshot taken by
//    the same wasm is the same DOM without either). Its controls are disabled until then.
// 3. Writes serve-ready `.gz` (gzip -9) and `.br` (brotli -q 11) siblings of every file, for
//    hosts that serve precompressed files (nginx `gzip_static`, Netlify, Cloudflare Pages...).
//
// Usage: node web/finish.mjs DIST   (`cargo xtask setup` installs terser)
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import crypto from "node:crypto";
import { createRequire } from "node:module";

// terser from NODE_PATH, else where `cargo xtask setup` puts it.
const require = createRequire(import.meta.url);
const tools = createRequire(path.resolve(import.meta.dirname, "../target/tools/node_modules/"));
function terser() {
  for (const r of [require, tools]) {
    try {
      return r("terser");
    } catch {}
  }
  console.error("finish.mjs: terser is not installed; run `cargo xtask setup`");
  process.exit(2);
}
const dist = process.argv[2];
if (!dist || !fs.existsSync(path.join(dist, "index.html"))) {
  console.error(`finish.mjs: no index.html in ${dist ?? "(no folder given)"}; run Trunk first`);
  process.exit(2);
}

// Every file, with its path under dist (wasm-bindgen's inline JS is in snippets/).
const files = () =>
  fs.readdirSync(dist, { recursive: true }).filter((f) => !/\.(gz|br)$/.test(f) && fs.statSync(path.join(dist, f)).isFile());

async function minifyGlue() {
  const { minify } = terser();
  let html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
  // The host pages' helper (quorumscope-embed.js) stays as written: course authors read it.
  // Snippets (in a folder) stay as written too: small, and their hashes are Trunk's own.
  // The staleness lab's worker (quorumscope-pbs*) is not in index.html: Trunk minified its
  // classic-script glue already, and the page starts it by name.
  const glue = (f) => f.endsWith(".js") && f !== "quorumscope-embed.js" && !f.startsWith("quorumscope-pbs") && !f.includes(path.sep);
  for (const f of files().filter(glue)) {
    const file = path.join(dist, f);
    const src = fs.readFileSync(file, "utf8");
    const out = await minify(src, { module: true, compress: { passes: 2 }, mangle: true });
    if (!out.code) throw new Error(`terser produced nothing for ${f}`);
    fs.writeFileSync(file, out.code);
    const sri = "sha384-" + crypto.createHash("sha384").update(out.code).digest("base64");
    // Trunk writes `href=./NAME integrity=sha384-...` (quoted or not, depending on minification).
    const re = new RegExp(`(href="?\\./${f.replace(/\./g, "\\.")}"?[^>]*?integrity=)"?sha384-[A-Za-z0-9+/=]+"?`);
    if (!re.test(html)) throw new Error(`index.html has no integrity hash for ${f}`);
    html = html.replace(re, `$1${sri}`);
    console.log(`finish.mjs: ${f} ${src.length} → ${out.code.length} bytes`);
  }
  fs.writeFileSync(path.join(dist, "index.html"), html);
}

function precompress() {
  for (const f of files()) {
    const body = fs.readFileSync(path.join(dist, f));
    fs.writeFileSync(path.join(dist, f + ".gz"), zlib.gzipSync(body, { level: 9 }));
    const br = zlib.brotliCompressSync(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
    fs.writeFileSync(path.join(dist, f + ".br"), br);
  }
}

// The head's script tells the default lesson's address from any other (`.other` hides the
// prerendered view for those): it must name the lesson the app opens by default.
function checkDefaultLesson() {
  const root = path.resolve(import.meta.dirname, "..");
  const slug = fs.readFileSync(path.join(root, "web/src/lessons.rs"), "utf8").match(/pub const DEFAULT: &str = "([^"]+)"/)?.[1];
  const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
  if (!html.includes(`#lesson=${slug}(`)) throw new Error(`index.html's head script does not name the default lesson ${slug}`);
}

// A static server for `dist` and the built app in headless Chromium (playwright-core from NODE_PATH
// or the tools folder; Chromium from Debian, both installed by `cargo xtask setup`).
async function prerender() {
  const http = await import("node:http");
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
  const server = http.createServer((req, res) => {
    const file = path.join(path.resolve(dist), decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\/$/, "/index.html"));
    if (!file.startsWith(path.resolve(dist)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { chromium } = load("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    // The phone layout differs (below 761 px: web/style.css), so both are rendered; CSS shows one.
    const wide = await snapshot(browser, server, { width: 1440, height: 900 }, "");
    const narrow = await snapshot(browser, server, { width: 390, height: 844 }, "-n");
    const view = `<div class="boot-wide">${wide}</div><div class="boot-narrow">${narrow}</div>`;
    const file = path.join(dist, "index.html");
    let html = fs.readFileSync(file, "utf8");
    // #boot-view holds no nested div in index.html: its first `</div>` is its own.
    const re = /(<div[^>]*id="?boot-view"?[^>]*>)[\s\S]*?(<\/div>)/;
    if (!re.test(html) || /class="?boot-wide/.test(html)) throw new Error("index.html has no #boot-view, or it is prerendered already (run Trunk again)");
    html = html.replace(re, (_, open, close) => open + view + close);
    fs.writeFileSync(file, html);
    console.log(`finish.mjs: the first view prerendered into index.html (${view.length} bytes)`);
  } finally {
    await browser.close();
    server.close();
  }
}

// The live app's DOM at one viewport, made inert: controls disabled, nothing focusable, the
// properties Yew sets (checked, value, selected) written as attributes so the copy shows them.
// `suffix` renames ids (and what refers to them) so two copies never share an id.
async function snapshot(browser, server, viewport, suffix) {
  const page = await browser.newPage({ viewport, colorScheme: "light" });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => !document.getElementById("boot") && document.querySelector("[data-node]"), null, { timeout: 30000 });
  // The ring is laid out for its measured width (a ResizeObserver): wait until the page is still.
  let last = "";
  for (let same = 0, tries = 0; same < 3; tries++) {
    if (tries === 100) throw new Error("the first view never settled (is it playing?)");
    await page.waitForTimeout(100);
    const now = await page.evaluate(() => document.body.innerHTML);
    same = now === last ? same + 1 : 0;
    last = now;
  }
  if (errors.length) throw new Error(`the app failed while prerendering: ${errors.join("; ")}`);
  const served = fs.readFileSync(path.join(dist, "index.html"), "utf8");
  const html = await page.evaluate(([suffix, served]) => {
    const parts = [...document.body.children].filter((e) => e.tagName !== "SCRIPT");
    for (const root of parts) {
      for (const c of root.querySelectorAll("input")) {
        if (c.type === "checkbox" || c.type === "radio") c.toggleAttribute("checked", c.checked);
        else c.setAttribute("value", c.value);
      }
      for (const o of root.querySelectorAll("option")) o.toggleAttribute("selected", o.selected);
    }
    const copy = parts.map((e) => e.cloneNode(true));
    const refs = ["for", "aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "list"];
    for (const root of copy) {
      for (const c of root.querySelectorAll("button, input, select, textarea")) c.setAttribute("disabled", "");
      for (const c of root.querySelectorAll("[tabindex]")) c.setAttribute("tabindex", "-1");
      for (const c of root.querySelectorAll("[autofocus]")) c.removeAttribute("autofocus");
      if (!suffix) continue;
      for (const c of [root, ...root.querySelectorAll("*")]) {
        if (c.id) c.id += suffix;
        for (const a of refs) if (c.hasAttribute(a)) c.setAttribute(a, c.getAttribute(a).split(/\s+/).map((x) => x + suffix).join(" "));
        const href = c.getAttribute("href");
        if (href && href.startsWith("#") && !href.includes("=")) c.setAttribute("href", href + suffix);
      }
    }
    // What the app adds to the head (the message kinds' styles) goes with the view.
    const styles = [...document.head.querySelectorAll("style")].filter((st) => !served.includes(st.textContent));
    return (suffix ? "" : styles.map((st) => `<style>${st.textContent}</style>`).join("")) + copy.map((e) => e.outerHTML).join("");
  }, [suffix, served]);
  await page.close();
  return html;
}

function load(name) {
  for (const r of [require, tools]) {
    try {
      return r(name);
    } catch {}
  }
  console.error(`finish.mjs: ${name} is not installed; run \`cargo xtask setup\``);
  process.exit(2);
}

checkDefaultLesson();
await minifyGlue();
await prerender();
precompress();
