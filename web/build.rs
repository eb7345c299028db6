//! Compiles the lessons in without their indentation: the files in `lessons/` are written for
//! people (pretty-printed), the bundle carries them minified (whitespace outside strings dropped).

use std::path::Path;

/// JSON without the whitespace between tokens; strings (and their escapes) kept byte for byte.
fn minify(json: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::with_capacity(json.len()), false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            (in_string, escaped) = match (escaped, c) {
                (true, _) => (true, false),
                (false, '\\') => (true, true),
                (false, '"') => (false, false),
                _ => (true, false),
            };
        } else if !c.is_ascii_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

fn main() {
    let lessons = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons");
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed={}", lessons.display());
    let mut entries: Vec<_> =
        std::fs::read_dir(&lessons).expect("lessons/ exists").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("a lesson is UTF-8");
        std::fs::write(out.join(path.file_name().expect("a file")), minify(&text)).expect("OUT_DIR is writable");
    }
}
