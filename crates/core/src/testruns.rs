//! Seeded small runs for the core's unit tests (compiled only for them).

use crate::run::Sim;

/// A seeded generator (SplitMix64): each call gives a number below its argument.
pub(crate) fn below(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |n: u64| {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// Seeded small runs of one or two keys, many clients racing, every conflict mode, some
/// crashes and blind puts: where stale reads, replaced versions and lost updates happen.
pub(crate) fn runs(count: u64) -> Vec<Sim> {
    let mut next = below(0x5EED);
    (0..count)
        .map(|i| {
            let mode = ["siblings", "lww", "last_arrival"][(i % 3) as usize];
            let (n, clients, keys) = (2 + next(3), 2 + next(5), 1 + next(2));
            let (w, r) = (1 + next(2), 1 + next(2));
            let mut t = 0;
            let events: Vec<String> = (0..10 + next(50))
                .map(|j| {
                    t += next(6);
                    let (c, k) = (next(clients), next(keys));
                    match next(20) {
                        0 => format!(r#"{{"at_ms": {t}, "crash": "n{}"}}"#, next(n + 1)),
                        1 | 2 => format!(r#"{{"at_ms": {t}, "recover": "n{}"}}"#, next(n + 1)),
                        3..=10 => {
                            let blind = if mode == "siblings" && next(8) == 0 { r#", "blind": true"# } else { "" };
                            format!(r#"{{"at_ms": {t}, "client": "c{c}", "put": "k{k}", "value": "v{j}"{blind}}}"#)
                        }
                        _ => format!(r#"{{"at_ms": {t}, "client": "c{c}", "get": "k{k}"}}"#),
                    }
                })
                .collect();
            let nodes: Vec<String> = (0..=n).map(|i| format!(r#""n{i}""#)).collect();
            let text = format!(
                r#"{{"seed": {i}, "nodes": [{}], "replication": {{"n": {n}, "w": {w}, "r": {r}, "conflicts": "{mode}", "read_repair": {}}},
                "network": {{"latency_ms": {{"uniform": [1, {}]}}}}, "events": [{}]}}"#,
                nodes.join(", "),
                next(2) == 0,
                2 + next(40),
                events.join(", ")
            );
            crate::run_text(&text, crate::Level::Off).expect("a valid scenario")
        })
        .collect()
}
