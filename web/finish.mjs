// The last step of `cargo xtask build`, after Trunk: what Trunk cannot do for the shipped files.
//
// 1. Minifies the wasm-bindgen glue with terser (Trunk's own minifier cannot parse it and leaves it
//    as it is) and rewrites that file's `integrity` hash in index.html to match, so the browser
//    still checks it (Subresource Integrity).
// 2. Puts the default lesson's words into the first paint (`bootLesson`).
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

// The default lesson's title and description, in the first paint (index.html's #boot-lesson),
// so a reader sees what the lesson asks while the wasm downloads.
function bootLesson() {
  const root = path.resolve(import.meta.dirname, "..");
  const slug = fs.readFileSync(path.join(root, "web/src/lessons.rs"), "utf8").match(/pub const DEFAULT: &str = "([^"]+)"/)?.[1];
  const lesson = JSON.parse(fs.readFileSync(path.join(root, "lessons", `${slug}.json`), "utf8"));
  const file = path.join(dist, "index.html");
  let html = fs.readFileSync(file, "utf8");
  if (!html.includes(`#lesson=${slug}(`)) throw new Error(`index.html's head script does not name the default lesson ${slug}`);
  const esc = (t) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const re = /(<p[^>]*id="?boot-lesson"?[^>]*>)(<\/p>)/;
  if (!re.test(html)) throw new Error("index.html has no #boot-lesson paragraph");
  html = html.replace(re, `$1<strong>${esc(lesson.title)}</strong> ${esc(lesson.description)}$2`);
  fs.writeFileSync(file, html);
}

bootLesson();
await minifyGlue();
precompress();
