//! Paths in raw JSON text. serde_json reports malformed JSON by line and column only, and of two
//! equal names in one object it keeps the last without a word; a person fixing a file needs the
//! field (`network.links[2].from`). This scan walks the text's structure — strings, `{`, `[`,
//! `,`, `:` — without building values, so it costs one pass and the names it meets.

use std::borrow::Cow;

const MAX_SHOWN_DEPTH: usize = 12;

/// One open object or list.
enum Frame<'a> {
    /// `key`: the name whose value is being read (`None` before the first, after a comma).
    /// `names`: every name met so far with its byte position (checked for repeats on close).
    Object { key: Option<Cow<'a, str>>, expect_key: bool, names: Vec<(Cow<'a, str>, usize)> },
    /// `started`: whether the item at `index` has begun (an error right after `[` or `,` is
    /// the list's, not an item's).
    List { index: usize, started: bool },
}

/// A repeated name: the path of its second occurrence, and where it is (byte).
pub struct Repeat {
    pub path: String,
    pub at: usize,
}

/// A name and its byte, ordered by name then byte (so the one sort can order them).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Named<'a>(Cow<'a, str>, usize);

impl AsRef<str> for Named<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

struct Scan<'a> {
    text: &'a str,
    stack: Vec<Frame<'a>>,
    first_repeat: Option<Repeat>,
}

/// The path (as scenario errors write it) of the value being read at byte `offset`.
pub fn path_at(text: &str, offset: usize) -> String {
    let mut s = Scan { text, stack: Vec::new(), first_repeat: None };
    s.run(offset.min(text.len()), false);
    s.path()
}

/// The first name (in the file's order) given twice in one object, if any. `text` is valid JSON.
pub fn first_repeat(text: &str) -> Option<Repeat> {
    let mut s = Scan { text, stack: Vec::new(), first_repeat: None };
    s.run(text.len(), true);
    s.first_repeat
}

/// A JSON string's contents (`raw` without its quotes): escapes decoded when there are any.
fn name_of(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    match serde_json::from_str::<String>(&format!("\"{raw}\"")) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(raw),
    }
}

impl<'a> Scan<'a> {
    /// Reads up to byte `end`; with `repeats`, checks each closed object's names.
    fn run(&mut self, end: usize, repeats: bool) {
        let bytes = self.text.as_bytes();
        let mut i = 0;
        while i < end {
            match bytes[i] {
                b'"' => i = self.string(i, end),
                b'{' => {
                    self.item_begins();
                    self.stack.push(Frame::Object { key: None, expect_key: true, names: Vec::new() });
                }
                b'[' => {
                    self.item_begins();
                    self.stack.push(Frame::List { index: 0, started: false });
                }
                b'}' | b']' => self.close(repeats),
                b',' => match self.stack.last_mut() {
                    Some(Frame::List { index, started }) => (*index, *started) = (*index + 1, false),
                    Some(Frame::Object { key, expect_key, .. }) => (*key, *expect_key) = (None, true),
                    None => {}
                },
                b':' => {
                    if let Some(Frame::Object { expect_key, .. }) = self.stack.last_mut() {
                        *expect_key = false;
                    }
                }
                b' ' | b'\t' | b'\n' | b'\r' => {}
                _ => self.item_begins(),
            }
            i += 1;
        }
    }

    /// A value starts here: in a list, the current item has begun.
    fn item_begins(&mut self) {
        if let Some(Frame::List { started, .. }) = self.stack.last_mut() {
            *started = true;
        }
    }

    /// The string opening at byte `open`; returns the byte of its closing quote (or `end`). A
    /// string where an object expects a name becomes the current key.
    fn string(&mut self, open: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut j = open + 1;
        while j < end && bytes[j] != b'"' {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        let close = j.min(end);
        self.item_begins();
        if let Some(Frame::Object { key, expect_key: true, names }) = self.stack.last_mut() {
            // `"` and `\` are ASCII, so `open + 1` and `close` are character boundaries.
            let name = name_of(&self.text[open + 1..close]);
            names.push((name.clone(), open));
            *key = Some(name);
        }
        close
    }

    fn close(&mut self, repeats: bool) {
        if repeats {
            if let Some(Frame::Object { names, .. }) = self.stack.last_mut() {
                let second = second_of_a_repeat(std::mem::take(names));
                if let Some((at, name)) = second {
                    if self.first_repeat.as_ref().is_none_or(|r| at < r.at) {
                        let parent = self.path_without_top_key();
                        self.first_repeat = Some(Repeat { path: join(&parent, &name), at });
                    }
                }
            }
        }
        self.stack.pop();
    }

    /// `a.b[2].c` for the open frames; past `MAX_SHOWN_DEPTH` of them, `…` (nesting too deep
    /// for serde_json would otherwise be named by 128 `[0]`s).
    fn path(&self) -> String {
        let mut p = String::new();
        for f in self.stack.iter().take(MAX_SHOWN_DEPTH) {
            push_frame(&mut p, f);
        }
        if self.stack.len() > MAX_SHOWN_DEPTH {
            p.push('…');
        }
        p
    }

    /// The path of the innermost open object itself (its current name left out).
    fn path_without_top_key(&self) -> String {
        let mut p = String::new();
        let n = self.stack.len();
        for f in &self.stack[..n.saturating_sub(1)] {
            push_frame(&mut p, f);
        }
        p
    }
}

/// Of the names in one object (with their bytes), the second occurrence of a repeated name
/// that comes first in the file. Most objects have a few names: those are compared pairwise;
/// large ones (the `keys` map) sorted.
fn second_of_a_repeat(names: Vec<(Cow<'_, str>, usize)>) -> Option<(usize, Cow<'_, str>)> {
    if names.len() <= 16 {
        let pairs = names.iter().enumerate().flat_map(|(i, a)| names[..i].iter().map(move |b| (a, b)));
        return pairs.filter(|(a, b)| a.0 == b.0).map(|(a, _)| (a.1, a.0.clone())).min();
    }
    let mut sorted: Vec<Named<'_>> = names.into_iter().map(|(n, at)| Named(n, at)).collect();
    // By name, then position: a repeat's first occurrence sorts just before it.
    crate::order::sort_strings(&mut sorted);
    sorted.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| (w[1].1, w[1].0.clone())).min()
}

fn push_frame(p: &mut String, f: &Frame<'_>) {
    match f {
        Frame::Object { key: Some(k), .. } => *p = join(p, k),
        Frame::Object { key: None, .. } => {}
        Frame::List { started: false, .. } => {}
        Frame::List { index, started: true } => {
            p.push('[');
            p.push_str(&index.to_string());
            p.push(']');
        }
    }
}

fn join(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_at_a_byte_names_keys_and_indexes() {
        let t = r#"{"network": {"links": [{"from": "a"}, {"from": "b", "to": x}]}}"#;
        let at = t.find('x').unwrap();
        assert_eq!(path_at(t, at), "network.links[1].to");
        assert_eq!(path_at(t, 1), "");
        // Right after `[` or `,` the place is the list's, not an item's.
        assert_eq!(path_at(r#"{"nodes": ["#, 11), "nodes");
        assert_eq!(path_at(r#"{"nodes": ["a", "#, 16), "nodes");
        assert_eq!(path_at(t, t.find("\"a\"").unwrap()), "network.links[0].from");
        // Escaped names are decoded; a colon or brace inside a string is text.
        let t = r#"{"a\u0062": {"k:{[": [1, 2, !]}}"#;
        assert_eq!(path_at(t, t.find('!').unwrap() + 1), "ab.k:{[[2]");
        let deep = format!(r#"{{"a": {}1"#, "[".repeat(40));
        assert_eq!(path_at(&deep, deep.len()), format!("a{}…", "[0]".repeat(11)));
    }

    #[test]
    fn the_first_repeated_name_in_file_order_is_found() {
        assert!(first_repeat(r#"{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}"#).is_none());
        let t = r#"{"r": {"n": 1, "w": 1, "n": 2}, "x": 1, "x": 2}"#;
        let r = first_repeat(t).unwrap();
        assert_eq!((r.path.as_str(), r.at), ("r.n", t.rfind("\"n\"").unwrap()));
        let r = first_repeat(r#"{"e": [{}, {"at": 1, "a\u0074": 2}]}"#).unwrap();
        assert_eq!(r.path, "e[1].at");
        // A large object (sorted, not compared pairwise).
        let many: Vec<String> = (0..40).map(|i| format!(r#""k{}": 1"#, if i == 33 { 7 } else { i })).collect();
        let t = format!("{{\"keys\": {{{}}}}}", many.join(", "));
        let r = first_repeat(&t).unwrap();
        assert_eq!((r.path.as_str(), r.at), ("keys.k7", t.find(r#""k7": 1, "k34""#).unwrap()));
        // The outer object closes last but its repeat comes first in the file.
        let t = r#"{"x": 1, "x": {"y": 1, "y": 2}}"#;
        assert_eq!(first_repeat(t).unwrap().path, "x");
    }
}
