//! `quorumscope fuzz`: feeds generated inputs through the same path as `quorumscope run` (UTF-8
//! check, parser, simulation, report, verdicts) and says what became of them: panics, refusals by
//! the field they name, runs that reached the step cap, the slowest and the largest.
//!
//! Inputs are derived from the seed alone (input i of seed s is always the same bytes), so a
//! finding is reproduced with `--seed s --first i --inputs 1 --keep DIR`. Most are
//! structure-aware: a lesson parsed as JSON with one to three values changed (numbers to edge
//! values, strings to markup or long text, arrays emptied or flooded, keys dropped or invented);
//! the rest are byte-level damage to a lesson (truncation, bit flips) or random bytes.

use quorumscope_core::{parse, Level, Sim};
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

/// SplitMix64: a fixed, documented generator, so the inputs of a seed never change.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, input: u64) -> Rng {
        let mut r = Rng(seed ^ input.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What became of one input.
enum Fate {
    Panic(String),
    Refused { path: String, message: String },
    Ran { steps: u64, truncated: bool, events: usize },
}

struct Finding {
    input: u64,
    ms: f64,
    bytes: usize,
    what: String,
}

#[derive(Default)]
struct Tally {
    inputs: u64,
    ran: u64,
    truncated: u64,
    panics: Vec<Finding>,
    refused_by: BTreeMap<String, u64>,
    /// Single-field mutations that were refused, and those whose message names that field (or a
    /// field inside or around it): the message points where the user must change something.
    one_field_refused: u64,
    one_field_named: u64,
    /// The first few that did not: (input, field changed, the refusal).
    misnamed: Vec<(u64, String, String)>,
    /// Those that did not, by (field changed, field named), indices left out: which fields'
    /// errors point elsewhere, and where.
    misnamed_by: BTreeMap<(String, String), u64>,
    slowest: Vec<Finding>,
    largest: Vec<(u64, Finding)>,
    total_ms: f64,
}

pub struct Options {
    pub inputs: u64,
    pub first: u64,
    pub seed: u64,
    pub workers: usize,
    pub corpus: Vec<String>,
    pub keep: Option<String>,
}

pub fn run(o: &Options) -> String {
    // A panic is a finding to count, not noise on stderr for every input.
    std::panic::set_hook(Box::new(|_| {}));
    let seeds: Vec<Value> = o.corpus.iter().filter_map(|t| serde_json::from_str(t).ok()).collect();
    assert!(!seeds.is_empty(), "the corpus has no valid JSON scenario");
    let workers = o.workers.clamp(1, 16) as u64;
    let started = Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let seeds = &seeds;
                scope.spawn(move || {
                    let mut t = Tally::default();
                    let mut i = o.first + w;
                    while i < o.first + o.inputs {
                        one(o, seeds, i, &mut t);
                        i += workers;
                    }
                    t
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a worker catches every panic")).collect()
    });
    let _ = std::panic::take_hook();
    summary(merge(tallies), started.elapsed().as_secs_f64(), o)
}

fn one(o: &Options, seeds: &[Value], i: u64, t: &mut Tally) {
    let (bytes, mutated) = input(&mut Rng::new(o.seed, i), seeds);
    let start = Instant::now();
    let fate = catch_unwind(AssertUnwindSafe(|| fate_of(bytes.clone()))).unwrap_or_else(|p| {
        let msg = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned());
        Fate::Panic(msg.unwrap_or_else(|| "a panic without a message".into()))
    });
    let ms = start.elapsed().as_secs_f64() * 1e3;
    t.inputs += 1;
    t.total_ms += ms;
    let finding = |what: String| Finding { input: i, ms, bytes: bytes.len(), what };
    match fate {
        Fate::Panic(msg) => {
            keep(o, i, &bytes, "panic");
            t.panics.push(finding(msg));
        }
        Fate::Refused { path, message } => {
            if let Some(m) = &mutated {
                t.one_field_refused += 1;
                if names_field(&path, m) {
                    t.one_field_named += 1;
                } else {
                    *t.misnamed_by.entry((normalise(m), normalise(&path))).or_default() += 1;
                    if t.misnamed.len() < TOP {
                        t.misnamed.push((i, m.clone(), message));
                    }
                }
            }
            *t.refused_by.entry(normalise(&path)).or_default() += 1;
        }
        Fate::Ran { steps, truncated, events } => {
            if ms > SLOW_MS {
                keep(o, i, &bytes, "slow");
            }
            t.ran += 1;
            t.truncated += u64::from(truncated);
            let what =
                format!("{steps} steps, {events} events{}", if truncated { ", stopped at the step cap" } else { "" });
            push_top(&mut t.largest, (steps, finding(what.clone())), |x| x.0 as f64);
            push_top(&mut t.slowest, finding(what), |x| x.ms);
        }
    }
}

/// As `quorumscope run` does it: the UTF-8 check, the parser, the run, the report and verdicts.
fn fate_of(bytes: Vec<u8>) -> Fate {
    let text = match quorumscope_core::scenario::text_of(bytes) {
        Ok(t) => t,
        Err(e) => return Fate::Refused { path: "(not UTF-8)".into(), message: e.to_string() },
    };
    match parse(&text) {
        Err(e) => Fate::Refused {
            message: e.to_string(),
            path: if e.path.is_empty() { "(JSON syntax)".into() } else { e.path },
        },
        Ok((_, sc)) => {
            let events = sc.events.len();
            let mut sim = Sim::new(sc, Level::Summary);
            sim.run();
            let report = serde_json::to_string(&sim.report()).map(|s| s.len()).unwrap_or(0);
            let verdicts = sim.consistency_json().to_string().len();
            debug_assert!(report + verdicts > 0);
            Fate::Ran { steps: sim.steps(), truncated: sim.truncated(), events }
        }
    }
}

/// An input: mostly a lesson with one to three values changed (and, when it was one, that
/// value's path), else a damaged lesson text or random bytes.
fn input(r: &mut Rng, seeds: &[Value]) -> (Vec<u8>, Option<String>) {
    let seed = &seeds[r.below(seeds.len())];
    match r.below(10) {
        0..=6 => {
            let mut v = seed.clone();
            let count = 1 + r.below(3);
            let mut last = None;
            for _ in 0..count {
                last = mutate(r, &mut v);
            }
            (v.to_string().into_bytes(), if count == 1 { last } else { None })
        }
        7 | 8 => (damage(r, seed.to_string().into_bytes()), None),
        _ => ((0..r.below(300)).map(|_| r.next() as u8).collect(), None),
    }
}

/// Changes one value somewhere in `v`; returns its path as the parser names paths.
fn mutate(r: &mut Rng, v: &mut Value) -> Option<String> {
    let mut paths = Vec::new();
    walk(v, String::new(), &mut paths);
    let path = paths[r.below(paths.len())].clone();
    let target = lookup(v, &path)?;
    *target = replacement(r, target);
    Some(path)
}

fn walk(v: &Value, path: String, out: &mut Vec<String>) {
    out.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                walk(x, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn lookup<'a>(v: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indices) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            cur = cur.get_mut(key)?;
        }
        for idx in indices.split('[').filter(|s| !s.is_empty()) {
            cur = cur.get_mut(idx.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(cur)
}

fn replacement(r: &mut Rng, old: &Value) -> Value {
    const NUMBERS: [f64; 12] = [0.0, -1.0, 0.5, 0.999, 1.0, 7.0, 1e3, 3.6e6, 3.6e6 + 1.0, 1e9, 1e300, -1e300];
    const STRINGS: [&str; 6] = ["", "<img src=x onerror=alert(1)>", "ñ💥\u{202e}", "A", "lww", "x"];
    match (old, r.below(8)) {
        (_, 0) => Value::Null,
        (Value::Number(_), _) => serde_json::json!(NUMBERS[r.below(NUMBERS.len())]),
        (Value::String(_), 1) => Value::String("y".repeat(1 + r.below(5000))),
        (Value::String(_), _) => Value::String(STRINGS[r.below(STRINGS.len())].into()),
        (Value::Bool(b), _) => Value::Bool(!b),
        (Value::Array(_), 1) => Value::Array(vec![]),
        (Value::Array(a), 2) if !a.is_empty() => {
            let x = a[r.below(a.len())].clone();
            Value::Array(a.iter().cloned().chain(std::iter::repeat_n(x, 1 + r.below(2000))).collect())
        }
        (Value::Array(a), _) if !a.is_empty() => {
            let mut a = a.clone();
            a.remove(r.below(a.len()));
            Value::Array(a)
        }
        (Value::Object(m), 1) => {
            let mut m = m.clone();
            m.insert("unknown_field".into(), Value::Bool(true));
            Value::Object(m)
        }
        (Value::Object(m), _) if !m.is_empty() => {
            let mut m = m.clone();
            let k = m.keys().nth(r.below(m.len())).cloned().expect("not empty");
            m.remove(&k);
            Value::Object(m)
        }
        (_, 3) => Value::String("3".into()),
        _ => serde_json::json!(NUMBERS[r.below(NUMBERS.len())]),
    }
}

fn damage(r: &mut Rng, mut b: Vec<u8>) -> Vec<u8> {
    match r.below(3) {
        0 => b.truncate(r.below(b.len())),
        1 => {
            for _ in 0..1 + r.below(8) {
                let i = r.below(b.len());
                b[i] ^= 1 << r.below(8);
            }
        }
        _ => {
            let i = r.below(b.len());
            b.insert(i, r.next() as u8);
        }
    }
    b
}

/// Does the refusal name the changed field, a field inside it, or the object holding it?
fn names_field(error_path: &str, mutated: &str) -> bool {
    let inside = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}.")) || a.starts_with(&format!("{b}["));
    inside(error_path, mutated) || inside(mutated, error_path)
}

/// `events[12].put` -> `events[].put`, so refusals group by field.
fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '[' => {
                skipping = true;
                out.push('[');
            }
            ']' => {
                skipping = false;
                out.push(']');
            }
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

const TOP: usize = 5;
/// An input this slow is kept with `--keep`, like a panic.
const SLOW_MS: f64 = 1_000.0;

fn push_top<T>(v: &mut Vec<T>, x: T, key: impl Fn(&T) -> f64) {
    v.push(x);
    v.sort_by(|a, b| key(b).total_cmp(&key(a)));
    v.truncate(TOP);
}

fn keep(o: &Options, i: u64, bytes: &[u8], what: &str) {
    if let Some(dir) = &o.keep {
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(format!("{dir}/{what}-seed{}-input{i}.json", o.seed), bytes);
    }
}

fn merge(ts: Vec<Tally>) -> Tally {
    let mut all = Tally::default();
    for t in ts {
        all.inputs += t.inputs;
        all.ran += t.ran;
        all.truncated += t.truncated;
        all.panics.extend(t.panics);
        for (k, n) in t.refused_by {
            *all.refused_by.entry(k).or_default() += n;
        }
        all.one_field_refused += t.one_field_refused;
        all.one_field_named += t.one_field_named;
        all.misnamed.extend(t.misnamed);
        for (k, n) in t.misnamed_by {
            *all.misnamed_by.entry(k).or_default() += n;
        }
        for f in t.slowest {
            push_top(&mut all.slowest, f, |x| x.ms);
        }
        for f in t.largest {
            push_top(&mut all.largest, f, |x| x.0 as f64);
        }
        all.total_ms += t.total_ms;
    }
    all
}

fn summary(t: Tally, wall_s: f64, o: &Options) -> String {
    let refused: u64 = t.refused_by.values().sum();
    let mut s = format!(
        "fuzz: {} inputs (seed {}, from input {}) in {wall_s:.1} s on {} workers ({:.2} ms each on average)\n\
         panics: {}\nran: {} ({} stopped at a cap)\nrefused: {refused}\n\
         single-field changes refused: {}, naming the changed field: {} ({:.1} %)\n",
        t.inputs,
        o.seed,
        o.first,
        o.workers,
        t.total_ms / t.inputs.max(1) as f64,
        t.panics.len(),
        t.ran,
        t.truncated,
        t.one_field_refused,
        t.one_field_named,
        100.0 * t.one_field_named as f64 / t.one_field_refused.max(1) as f64,
    );
    for p in &t.panics {
        s.push_str(&format!("  panic at input {}: {}\n", p.input, p.what));
    }
    let mut reasons: Vec<(&String, &u64)> = t.refused_by.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    s.push_str("refused by the field named (top 15):\n");
    for (k, n) in reasons.iter().take(15) {
        s.push_str(&format!("  {n:>9}  {k}\n"));
    }
    let mut by: Vec<(&(String, String), &u64)> = t.misnamed_by.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    s.push_str("refused naming another field, by field changed → field named (top 15):\n");
    for ((changed, named), n) in by.iter().take(15) {
        s.push_str(&format!("  {n:>9}  {changed} → {named}\n"));
    }
    let mut misnamed = t.misnamed;
    misnamed.sort();
    for (i, changed, message) in misnamed.iter().take(TOP) {
        s.push_str(&format!("  input {i} changed {changed}, refused: {message}\n"));
    }
    s.push_str("slowest:\n");
    for f in &t.slowest {
        s.push_str(&format!("  input {}: {:.0} ms, {} bytes, {}\n", f.input, f.ms, f.bytes, f.what));
    }
    s.push_str("largest:\n");
    for (_, f) in &t.largest {
        s.push_str(&format!("  input {}: {}, {:.0} ms, {} bytes\n", f.input, f.what, f.ms, f.bytes));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_group_and_match_as_the_parser_names_them() {
        assert_eq!(normalise("events[12].put"), "events[].put");
        assert!(names_field("replication.handoff_ms", "replication.handoff_ms"));
        assert!(names_field("events[3].at_ms", "events[3]"));
        assert!(names_field("events[3]", "events[3].at_ms"));
        assert!(!names_field("replication.timeout_ms", "replication.handoff_ms"));
        let mut v = serde_json::json!({"a": {"b": [1, {"c": 2}]}});
        assert_eq!(lookup(&mut v, "a.b[1].c"), Some(&mut serde_json::json!(2)));
    }

    #[test]
    fn the_same_seed_makes_the_same_inputs() {
        let seeds = vec![serde_json::json!({"nodes": ["A", "B"], "events": [{"at_ms": 1}]})];
        let a: Vec<_> = (0..50).map(|i| input(&mut Rng::new(7, i), &seeds).0).collect();
        let b: Vec<_> = (0..50).map(|i| input(&mut Rng::new(7, i), &seeds).0).collect();
        assert_eq!(a, b);
        assert!(a.iter().collect::<std::collections::BTreeSet<_>>().len() > 30, "inputs differ from each other");
    }
}
