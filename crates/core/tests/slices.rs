//! A run in slices (`Sim::run_steps`, how the app runs a long one) ends exactly as the run in one
//! go: the same report, trace and snapshots, whatever the slices' sizes.

use quorumscope_core::{parse, Level, Sim};

fn lessons() -> Vec<String> {
    let dir = format!("{}/../../lessons", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.retain(|p| p.extension().is_some_and(|e| e == "json"));
    names.sort();
    names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

fn sim(text: &str, cap: u64) -> Sim {
    let (_, sc) = parse(text).unwrap();
    Sim::new(sc, Level::Full).with_checkpoints().with_step_cap(cap)
}

/// What a run leaves: report, trace, and the state at a few instants (read from checkpoints).
fn outcome(s: &Sim) -> String {
    let end = s.scenario().run_until_us;
    let snaps: Vec<String> = [0, end / 3, end / 2, end].iter().map(|t| format!("{:?}", s.snapshot_at(*t))).collect();
    format!("{}\n{}\n{}\n{}", serde_json::to_string(&s.report()).unwrap(), s.trace_json(), snaps.join("\n"), s.now_us())
}

#[test]
fn a_run_in_slices_of_any_size_equals_the_run_in_one_go() {
    let mut rng = quorumscope_core::bench::Rng::new(7);
    let mut texts = lessons();
    // A long run, stopped by the step cap in the middle of a slice.
    texts.push(serde_json::to_string(&quorumscope_core::bench::workload(12, 400, 20, 3)).unwrap());
    for (i, text) in texts.iter().enumerate() {
        let cap = if i + 1 == texts.len() { 3_001 } else { u64::MAX };
        let mut whole = sim(text, cap);
        whole.run();
        let want = outcome(&whole);
        for size in [1, 2, 7, 64, rng.next_u64() % 500 + 1] {
            let mut sliced = sim(text, cap);
            let mut slices = 0;
            while !sliced.run_steps(size) {
                slices += 1;
                assert!(sliced.now_us() <= whole.now_us());
            }
            assert!(sliced.run_steps(size), "a finished run stays finished");
            assert_eq!(outcome(&sliced), want, "lesson {i}, slices of {size} steps");
            assert!(slices as u64 >= whole.steps() / size, "it ran in slices");
        }
    }
}

/// Checkpoints kept within a bound on their bytes still seek exactly: every instant's state
/// equals a straight run's, and the bytes kept stay under the bound (or only the start is kept).
#[test]
fn checkpoints_thinned_by_bytes_still_seek_exactly() {
    let text = serde_json::to_string(&quorumscope_core::bench::workload(12, 3000, 20, 3)).unwrap();
    let mut whole = sim(&text, 20_000);
    whole.run();
    let (count, bytes, every) = whole.checkpoint_stats();
    assert!(count > 4, "the plain run keeps several checkpoints ({count}, {bytes} bytes, every {every})");
    for cap in [bytes / 3, bytes / 10, 1] {
        let (_, sc) = parse(&text).unwrap();
        let mut thin =
            Sim::new(sc, Level::Full).with_checkpoints().with_step_cap(20_000).with_checkpoint_bytes_cap(cap);
        thin.run();
        let (kept, kept_bytes, spacing) = thin.checkpoint_stats();
        assert!(kept_bytes <= cap || kept == 1, "{kept} checkpoints of {kept_bytes} bytes past the cap of {cap}");
        assert!(kept < count && spacing > every, "thinned: {kept} every {spacing} steps (cap {cap})");
        let end = whole.now_us();
        for t in (0..=20).map(|i| end / 20 * i) {
            assert_eq!(
                format!("{:?}", thin.snapshot_at(t)),
                format!("{:?}", whole.snapshot_at(t)),
                "at {t} µs, cap {cap}"
            );
        }
    }
}

/// A run whose checkpoints would have to be further apart than allowed to stay within their
/// bytes stops there, says which cap, and still seeks exactly up to where it stopped.
#[test]
fn a_run_too_large_to_keep_seekable_stops_and_says_so() {
    let text = serde_json::to_string(&quorumscope_core::bench::workload(12, 3000, 20, 3)).unwrap();
    let mut whole = sim(&text, 20_000);
    whole.run();
    let (_, bytes, _) = whole.checkpoint_stats();
    let (_, sc) = parse(&text).unwrap();
    let mut capped = Sim::new(sc, Level::Full)
        .with_checkpoints()
        .with_step_cap(20_000)
        .with_checkpoint_bytes_cap(bytes / 10)
        .with_checkpoint_spacing_cap(2048);
    capped.run();
    let (_, _, spacing) = capped.checkpoint_stats();
    assert!(spacing <= 2048, "checkpoints {spacing} steps apart");
    assert!(capped.truncated() && capped.steps() < whole.steps(), "{} of {} steps", capped.steps(), whole.steps());
    let note = capped.report().stats.note.unwrap_or_default();
    assert!(
        note.contains(&format!(
            "the cap of {} steps the tab can keep seekable",
            quorumscope_core::num::grouped(capped.steps())
        )),
        "{note}"
    );
    for t in (0..=10).map(|i| capped.now_us() / 10 * i) {
        assert_eq!(format!("{:?}", capped.snapshot_at(t)), format!("{:?}", whole.snapshot_at(t)), "at {t} µs");
    }
}
