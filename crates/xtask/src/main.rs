//! Project automation (`cargo xtask <task>`), in Rust rather than shell glue.
//!
//! - `setup`: installs what a fresh machine lacks: the wasm target, trunk 0.21.14, the
//!   wasm-bindgen-cli matching Cargo.lock, a wasm-opt that reads rustc 1.95 output (npm
//!   binaryen), Node's playwright-core and axe-core, Chromium and ChromeDriver.
//! - `test`: everything: formatting, lints, the module boundaries, native unit, scenario and
//!   property tests, the wasm build, the in-browser determinism check and the browser tests.
//! - `structure`: only the boundaries (no import cycle; the core used through its façade).
//! - `build`: the release web bundle in `dist/` (glue minified, `.gz`/`.br` siblings written).
//! - `serve`: setup, then serve the app on http://127.0.0.1:8080.
//! - `bench`: native events/s, then the browser figures (frame times, seek, bundle size, wasm
//!   events/s) measured in headless Chromium.

mod structure;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

const TRUNK_VERSION: &str = "0.21.14";
const BINARYEN_NPM: &str = "binaryen@132";
const PLAYWRIGHT_NPM: &str = "playwright-core@1";
/// Minifies the wasm-bindgen glue (web/finish.mjs): Trunk's minifier cannot parse it.
const TERSER_NPM: &str = "terser@5";
/// The accessibility checker the browser test injects into the page (web/tests/a11y.test.mjs).
const AXE_NPM: &str = "axe-core@4";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/xtask is two levels down").to_path_buf()
}

fn tools_dir() -> PathBuf {
    root().join("target").join("tools")
}

/// PATH with cargo's bin and the npm tools first, so that trunk finds our wasm-bindgen and
/// wasm-opt instead of trying to download its own.
fn path_env() -> String {
    let home = env::var("HOME").unwrap_or_else(|_| "/root".into());
    let mut parts = vec![format!("{home}/.cargo/bin"), tools_dir().join("node_modules/.bin").display().to_string()];
    parts.push(env::var("PATH").unwrap_or_default());
    parts.join(":")
}

fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", path_env());
    c
}

fn run(c: &mut Command) {
    eprintln!("xtask: running {c:?}");
    let status = c.status().unwrap_or_else(|e| fail(&format!("could not start {c:?}: {e}")));
    if !status.success() {
        fail(&format!("{c:?} failed with {status}"));
    }
}

fn output(c: &mut Command) -> Option<String> {
    let out = c.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn fail(msg: &str) -> ! {
    eprintln!("xtask: {msg}");
    exit(1)
}

/// The `wasm-bindgen` version Cargo.lock pins; the CLI must be the same version.
fn wasm_bindgen_version() -> String {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_else(|e| fail(&format!("Cargo.lock: {e}")));
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return v.trim_end_matches('"').to_string();
            }
        }
    }
    fail("Cargo.lock has no wasm-bindgen entry")
}

fn setup() {
    let installed = output(cmd("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed.lines().any(|l| l == "wasm32-unknown-unknown") {
        run(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]));
    }
    if !output(cmd("trunk").arg("--version")).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        run(cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]));
    }
    let wb = wasm_bindgen_version();
    if !output(cmd("wasm-bindgen").arg("--version")).is_some_and(|v| v.ends_with(&wb)) {
        // Without --locked: that crate's own lockfile names a version the registry lacks.
        run(cmd("cargo").args(["install", "wasm-bindgen-cli", "--version", &wb, "--force"]));
    }
    let tools = tools_dir();
    std::fs::create_dir_all(&tools).unwrap_or_else(|e| fail(&format!("{}: {e}", tools.display())));
    let have = |p: &str| tools.join("node_modules").join(p).exists();
    if !have(".bin/wasm-opt")
        || !have("playwright-core/package.json")
        || !have("terser/package.json")
        || !have("axe-core/axe.min.js")
    {
        run(cmd("npm").args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(&tools).args([
            BINARYEN_NPM,
            PLAYWRIGHT_NPM,
            TERSER_NPM,
            AXE_NPM,
        ]));
    }
    if output(cmd("sh").args(["-c", "command -v chromium && command -v chromedriver"])).is_none() {
        run(cmd("apt-get").arg("update"));
        run(cmd("apt-get").args(["install", "-y", "--no-install-recommends", "chromium", "chromium-driver"]));
    }
}

/// The shipped bundle, in `dist/`: no test hooks.
fn build_web() {
    run(cmd("trunk").args(["build", "--release", "--offline", "--no-default-features"]));
    finish(&root().join("dist"));
}

/// The same app with the page-level hooks the browser tests and benchmarks call.
fn build_web_with_hooks() -> PathBuf {
    let dist = root().join("target").join("dist-hooks");
    run(cmd("trunk").args(["build", "--release", "--offline", "--dist"]).arg(&dist));
    finish(&dist);
    dist
}

/// What Trunk cannot do: minify the wasm-bindgen glue (keeping its integrity hash true) and
/// write `.gz` and `.br` siblings of every file (web/finish.mjs).
fn finish(dist: &Path) {
    run(cmd("node").arg("web/finish.mjs").arg(dist).env("NODE_PATH", tools_dir().join("node_modules")));
}

fn node_test(file: &str, dist: &Path) {
    run(cmd("node")
        .args(["--test", "--test-concurrency=1", file])
        .env("NODE_PATH", tools_dir().join("node_modules"))
        .env("QS_DIST", dist)
        .env("QS_ROOT", root())
        .env("QS_CLI", root().join("target/debug/quorumscope")));
}

fn main() {
    let task = env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "setup" => setup(),
        "test" => {
            // The habits CI enforces: formatting, lints, and the boundaries ARCHITECTURE.md states.
            run(cmd("cargo").args(["fmt", "--all", "--check"]));
            run(cmd("cargo").args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"]));
            run(cmd("cargo").args(["test", "--workspace", "--locked"]));
            if env::args().any(|a| a == "--native-only") {
                return;
            }
            setup();
            // Component tests: each view mounted in headless Chromium through chromedriver.
            run(cmd("cargo")
                .args([
                    "test",
                    "--locked",
                    "-p",
                    "quorumscope-web",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--test",
                    "components",
                ])
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
                .env("CHROMEDRIVER", "/usr/bin/chromedriver")
                .env("WASM_BINDGEN_TEST_TIMEOUT", "120"));
            run(cmd("cargo").args(["build", "--locked", "-p", "quorumscope-cli"]));
            let dist = build_web_with_hooks();
            node_test("web/tests/e2e.test.mjs", &dist);
            node_test("web/tests/lessons.test.mjs", &dist);
            node_test("web/tests/collisions.test.mjs", &dist);
            // The consistency panel, and Jepsen histories through Import.
            node_test("web/tests/consistency.test.mjs", &dist);
            // The staleness lab: its worker against the CLI, Cancel, the stale trial.
            node_test("web/tests/lab.test.mjs", &dist);
            // The embedding API from a host page on another origin (course.test.mjs).
            node_test("web/tests/course.test.mjs", &dist);
            // Phones, embeds, short windows, a projector, a desktop: legible text, no sideways
            // scrolling, question, ring and transport in view (it rewrites docs/screenshots/screen-*).
            node_test("web/tests/screens.test.mjs", &dist);
            node_test("web/tests/a11y.test.mjs", &dist);
            // Links by the thousand, hostile in every way a course page could hand one over.
            node_test("web/tests/hostile.test.mjs", &dist);
            // What people download, without the hooks: it must work on its own.
            build_web();
            node_test("web/tests/shipped.test.mjs", &root().join("dist"));
        }
        "structure" => {
            let problems = structure::check(&root());
            problems.iter().for_each(|p| eprintln!("xtask: {p}"));
            if !problems.is_empty() {
                fail("the boundaries in ARCHITECTURE.md do not hold");
            }
            eprintln!("xtask: no import cycles; the core is used through its façade");
        }
        "build" => {
            setup();
            build_web();
        }
        "serve" => {
            setup();
            run(cmd("trunk").args(["serve", "--release", "--offline", "--address", "127.0.0.1", "--port", "8080"]));
        }
        "soak" => {
            // `cargo xtask soak [MINUTES]`: a heavy scenario played and scrubbed in the browser;
            // prints the JS heap and wasm memory every minute and fails on an error or growth (web/tests/soak.mjs).
            setup();
            let dist = build_web_with_hooks();
            let minutes = env::args().nth(2).unwrap_or_else(|| "15".into());
            run(cmd("node")
                .arg("web/tests/soak.mjs")
                .arg(&minutes)
                .env("NODE_PATH", tools_dir().join("node_modules"))
                .env("QS_DIST", dist));
        }
        "fuzz" => {
            // `cargo xtask fuzz [INPUTS] [SEED]`: generated inputs through the parser and the
            // simulator (crates/cli/src/fuzz.rs); panicking and slow inputs land in target/fuzz.
            let inputs = env::args().nth(2).unwrap_or_else(|| "100000".into());
            let seed = env::args().nth(3).unwrap_or_else(|| "1".into());
            run(cmd("cargo").args(["run", "--locked", "--release", "-p", "quorumscope-cli", "--", "fuzz"]).args([
                "--inputs",
                &inputs,
                "--seed",
                &seed,
                "--keep",
                "target/fuzz",
            ]));
        }
        "bench" => {
            run(cmd("cargo").args([
                "run",
                "--locked",
                "--profile",
                "bench-native",
                "-p",
                "quorumscope-cli",
                "--",
                "bench",
            ]));
            if env::args().any(|a| a == "--native-only") {
                return;
            }
            setup();
            build_web();
            let hooks = build_web_with_hooks();
            run(cmd("node")
                .arg("web/tests/bench.mjs")
                .env("NODE_PATH", tools_dir().join("node_modules"))
                .env("QS_SHIPPED_DIST", root().join("dist"))
                .env("QS_DIST", hooks)
                .env("QS_ROOT", root()));
        }
        _ => {
            eprintln!("usage: cargo xtask <setup|test [--native-only]|structure|build|serve|bench [--native-only]|soak [MINUTES]|fuzz [INPUTS] [SEED]>");
            exit(2);
        }
    }
}
