//! Checks the boundaries ARCHITECTURE.md states, so they stay true: no import cycle among the
//! modules of a crate, and the app and CLI reach the core only through its façade (`lib.rs`).
//! Reads the sources as text (no parser: `crate::a::b` and `super::b` paths are enough here).

use std::collections::BTreeMap;
use std::path::Path;

/// The core's public modules; everything else the app uses is re-exported at the crate root.
const FACADE_MODULES: [&str; 5] = ["scenario", "num", "order", "bench", "pbs"];

/// Module name of a source file: `view/ring.rs` -> `view::ring`, `view/mod.rs` -> `view`.
fn module_of(rel: &str) -> String {
    let rel = rel.trim_end_matches(".rs").trim_end_matches("/mod");
    rel.replace('/', "::")
}

/// The source without its test module, which may import anything.
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

fn idents_after<'a>(text: &'a str, prefix: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
    text.match_indices(prefix).map(move |(i, _)| {
        let rest = &text[i + prefix.len()..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        rest[..end].split("::").filter(|s| !s.is_empty()).collect()
    })
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Module -> the modules of the same crate it names, for every file under `src`.
pub fn graph(src: &Path) -> BTreeMap<String, Vec<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let named: Vec<(&std::path::PathBuf, String)> = files
        .iter()
        .map(|p| (p, module_of(&p.strip_prefix(src).unwrap_or(p).display().to_string())))
        .filter(|(_, m)| m != "lib" && m != "main")
        .collect();
    let modules: Vec<String> = named.iter().map(|(_, m)| m.clone()).collect();
    let mut g: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (p, me) in named.iter().map(|(p, m)| (*p, m.clone())) {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        let text = without_tests(&text);
        let parent = me.rsplit_once("::").map(|x| x.0.to_string());
        let mut deps: Vec<String> = Vec::new();
        for path in idents_after(text, "crate::") {
            // The longest prefix of the path that is a module: `crate::view::ring::Layout`.
            let m = (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains(m));
            deps.extend(m);
        }
        if let Some(parent) = &parent {
            for path in idents_after(text, "super::") {
                let m = path.first().map(|s| format!("{parent}::{s}")).filter(|m| modules.contains(m));
                deps.extend(m);
            }
        }
        deps.sort();
        deps.dedup();
        // A module may use its own parent's items (`view` re-exports): not a cycle of files.
        deps.retain(|d| *d != me && Some(d) != parent.as_ref() && !me.starts_with(&format!("{d}::")));
        g.insert(me, deps);
    }
    g
}

/// Every cycle found by a depth-first walk, each as the modules around it.
pub fn cycles(g: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    fn walk(
        g: &BTreeMap<String, Vec<String>>,
        u: &str,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        state.insert(u.to_string(), 1);
        stack.push(u.to_string());
        for v in g.get(u).into_iter().flatten() {
            match state.get(v) {
                Some(1) => {
                    let from = stack.iter().position(|s| s == v).unwrap_or(0);
                    let mut c = stack[from..].to_vec();
                    c.push(v.clone());
                    out.push(c);
                }
                None => walk(g, v, state, stack, out),
                _ => {}
            }
        }
        stack.pop();
        state.insert(u.to_string(), 2);
    }
    let (mut state, mut out) = (BTreeMap::new(), Vec::new());
    for u in g.keys() {
        if !state.contains_key(u) {
            walk(g, u, &mut state, &mut Vec::new(), &mut out);
        }
    }
    out
}

/// Uses of the core that bypass its façade: `quorumscope_core::MODULE::` for a private module.
pub fn facade_breaches(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = Vec::new();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        for path in idents_after(&text, "quorumscope_core::") {
            let lowercase_module = path.len() > 1 && path[0].chars().all(|c| c.is_lowercase() || c == '_');
            if lowercase_module && !FACADE_MODULES.contains(&path[0]) {
                out.push(format!("{}: quorumscope_core::{}", p.display(), path.join("::")));
            }
        }
    }
    out
}

/// Calls that pull large tables into the browser's wasm, with what they cost there (gzipped):
/// Unicode case conversion brings the case tables (`to_lowercase` alone cost 11.6 KB), and `{:?}`
/// brings Debug formatting with the Unicode printable tables. ASCII versions and our own words
/// do the same for our text.
const COSTLY_IN_THE_BROWSER: [(&str, &str); 4] = [
    (".to_lowercase()", "Unicode case tables (~11.6 KB gzipped); use to_ascii_lowercase"),
    (".to_uppercase()", "Unicode case tables (~11.6 KB gzipped); use to_ascii_uppercase"),
    (":?}", "Debug formatting and the Unicode printable tables"),
    (":#?}", "Debug formatting and the Unicode printable tables"),
];

/// Costly calls in code the browser runs (tests, and the core's CLI-only modules, may use them).
pub fn costly_calls(src: &Path, cli_only: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = Vec::new();
    for p in files {
        let rel = p.strip_prefix(src).unwrap_or(&p).display().to_string();
        if cli_only.iter().any(|m| rel.starts_with(m)) {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        for (n, line) in without_tests(&text).lines().enumerate() {
            for (call, why) in COSTLY_IN_THE_BROWSER {
                if line.contains(call) && !line.trim_start().starts_with("//") {
                    out.push(format!("{}:{}: `{call}` in browser code pulls in {why}", p.display(), n + 1));
                }
            }
        }
    }
    out
}

/// All of the above over the workspace; the problems found, in words.
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for src in ["crates/core/src", "crates/cli/src", "crates/xtask/src", "web/src"] {
        for c in cycles(&graph(&root.join(src))) {
            problems.push(format!("{src}: import cycle {}", c.join(" -> ")));
        }
    }
    for src in ["crates/cli/src", "crates/pbs-worker/src", "web/src", "web/tests", "crates/core/tests"] {
        problems.extend(facade_breaches(&root.join(src)));
    }
    problems.extend(costly_calls(&root.join("web/src"), &[]));
    // The verdict checker and the staleness lab are not linked into the app.
    problems.extend(costly_calls(&root.join("crates/core/src"), &["verdict", "pbs", "bench"]));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_has_no_import_cycle_and_the_core_is_used_through_its_facade() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("two levels down");
        let problems = check(root);
        assert!(problems.is_empty(), "{problems:#?}");
        // The check sees what it should: the core's layers are all there.
        let g = graph(&root.join("crates/core/src"));
        assert!(g.len() > 20 && g["sim"].contains(&"actor".to_string()), "{g:?}");
    }

    #[test]
    fn a_cycle_is_found() {
        let mut g = BTreeMap::new();
        g.insert("a".to_string(), vec!["b".to_string()]);
        g.insert("b".to_string(), vec!["c".to_string()]);
        g.insert("c".to_string(), vec!["a".to_string()]);
        g.insert("d".to_string(), vec!["a".to_string()]);
        assert_eq!(cycles(&g), vec![vec!["a", "b", "c", "a"]]);
    }

    #[test]
    fn a_costly_call_is_found_outside_tests_only() {
        let dir = std::env::temp_dir().join(format!("qs-structure-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pbs")).unwrap();
        let test_module = "#[cfg(test)]\nmod tests {\n    fn t() { \"A\".to_lowercase(); }\n}\n";
        std::fs::write(
            dir.join("a.rs"),
            format!("fn f(s: &str) -> String {{\n    s.to_lowercase()\n}}\n{test_module}"),
        )
        .unwrap();
        std::fs::write(dir.join("pbs/b.rs"), "fn g() { format!(\"{:?}\", 1); }\n").unwrap();
        let found = costly_calls(&dir, &["pbs"]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].ends_with("a.rs:2: `.to_lowercase()` in browser code pulls in Unicode case tables (~11.6 KB gzipped); use to_ascii_lowercase"), "{found:?}");
    }

    #[test]
    fn module_names_follow_files() {
        assert_eq!(module_of("view/ring.rs"), "view::ring");
        assert_eq!(module_of("view/mod.rs"), "view");
        assert_eq!(module_of("sim.rs"), "sim");
    }
}
