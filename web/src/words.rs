//! What the app says in its own words: the help, the dialogs' titles and notes, and the messages
//! it shows when something cannot be done. (Descriptions of the run itself come from `model`; the
//! glossary's terms are in `glossary`.)

use quorumscope_core::num::fixed;

/// The help dialog's text: shortcuts, and which behaviour of which real system each mechanism
/// follows. Static markup written here, not user input, so it is inserted as HTML: the same
/// elements built by `html!` cost several kilobytes of code in the bundle.
pub const HELP_HTML: &str = concat!(
    r#"<div><h2 id="help-title">Keyboard shortcuts</h2><dl class="keys">"#,
    r#"<dt><kbd>space</kbd></dt><dd>play / pause</dd>"#,
    r#"<dt><kbd>←</kbd> <kbd>→</kbd></dt><dd>previous / next event</dd>"#,
    r#"<dt><kbd>Home</kbd> <kbd>End</kbd></dt><dd>start / end of the run</dd>"#,
    r#"<dt><kbd>Tab</kbd>, <kbd>Enter</kbd></dt><dd>focus a node or row, select it</dd>"#,
    r#"<dt><kbd>?</kbd></dt><dd>this help</dd>"#,
    r#"<dt><kbd>Esc</kbd></dt><dd>close, clear the selection</dd></dl>"#,
    r#"<h2>What this simulator models</h2><ul>"#,
    r#"<li>The client coordinates its own requests: a put goes to the key's N home replicas and succeeds on W acknowledgements before the timeout; a get returns the newest of the first R replies (Dynamo, Riak). A failed put is never rolled back.</li>"#,
    r#"<li>Sloppy quorum uses the first N healthy nodes of the preference list; a fallback keeps the write with a hint and hands it home once the replica is reachable (Dynamo, Riak). Fallback answers count toward W and R.</li>"#,
    r#"<li>Failures are noticed after detect_ms; until then clients act on their old view and requests to lost nodes time out.</li>"#,
    r#"<li>Read repair is asynchronous, as in Dynamo and Riak (not Cassandra's blocking repair): it also fixes replicas whose replies arrive after the get returned.</li>"#,
    r#"<li>Anti-entropy compares binary Merkle trees top-down: 1 hash when replicas agree, 1 + 2 × depth for one differing key.</li>"#,
    r#"<li>Conflicts: last-write-wins by client timestamps (Cassandra), version vectors with siblings (Riak allow_mult, Dynamo's cart), or no versions at all.</li>"#,
    r#"</ul></div>"#,
);

pub const GLOSSARY_TITLE: &str = "Glossary";
pub const LINK_TITLE: &str = "Link to this experiment";
pub const LINK_NOTE: &str = "Copied to the clipboard if the browser allowed it; the address bar holds it too. Opening it reproduces this run at this instant.";
pub const EMBED_TITLE: &str = "Embed in a course page";
pub const EMBED_NOTE: &str = "Paste this into an HTML page. It opens in embed mode: ring, time controls and captions; options: panels=history,spacetime,controls,inspector,merkle,consistency,lab, autoplay=1 (plays once scrolled into view), scale=2 (a projector) and theme=light or theme=dark (else the system's colours) in the link.";
pub const CHECKPOINT_LABEL: &str = "Predict what happens next";
pub const LAB_KEEP: &str = "Keep these curves to compare";
pub const LAB_CLEAR_KEPT: &str = "Clear the kept curves";
/// Said (after "Not applied: ") when the student cancels a long run.
pub const BUILD_CANCELLED: &str =
    "the new run was cancelled, so the experiment on screen is exactly as it was before you asked for it.";

/// The progress note of a long run being computed in slices.
pub fn computing(title: &str, at_us: u64, end_us: u64, pct: u64) -> String {
    let ms = |us: u64| quorumscope_core::num::grouped(us / 1000);
    // The bar shows whichever is further along: the simulated time, or the tab's step cap.
    let by_steps = if pct > at_us.min(end_us) * 100 / end_us.max(1) {
        format!(" It may stop sooner, at the tab's cap of 400,000 steps: {pct} % of those are used.")
    } else {
        String::new()
    };
    // A scenario without a title: no empty brackets.
    let named = if title.trim().is_empty() { String::new() } else { format!(" ({title})") };
    format!(
        "Computing the new run{named}: {} ms of {} ms simulated so far.{by_steps} The experiment below stays as it was until the new one is ready.",
        ms(at_us),
        ms(end_us)
    )
}

/// After the core's note on a run that reached a cap (`Stats.note`).
pub const CAPPED_NOTE: &str = " In the browser a run stops at 400,000 steps, 300,000 messages sent or 15,000,000 Merkle hashes (and earlier when each state of the run is large, since it keeps some of them for seeking), so the page's memory and time stay bounded; the command line (quorumscope run) goes on to 500,000 steps, 800,000 messages and 30,000,000 hashes.";

/// The sibling limits the run has reached by the cursor: `first`, the first warning (when, which
/// replica, which key); `warned`, the warnings so far; `refused`, the puts refused so far.
pub fn siblings_note(first: Option<(String, &str, &str, u32)>, warned: usize, refused: usize) -> String {
    let (warn, max) = (quorumscope_core::WARN_SIBLINGS, quorumscope_core::MAX_SIBLINGS);
    let piling = match first {
        Some((at, node, key, siblings)) => {
            let more = match warned - 1 {
                0 => String::new(),
                n => format!(" ({} more warning{} since)", quorumscope_core::num::grouped(n as u64), plural(n)),
            };
            format!(
                "At {at} {node} held {siblings} versions of {key}{more}: siblings pile up when writers do not read first. "
            )
        }
        None => String::new(),
    };
    let so_far = match refused {
        0 => "none refused yet".to_string(),
        n => format!("{} put{} refused so far", quorumscope_core::num::grouped(n as u64), plural(n)),
    };
    format!("{piling}Like Riak (warn_siblings {warn}, max_siblings {max}), a replica here warns of each put that leaves it more than {warn} versions of a key, and refuses a put that would give it more than {max}: {so_far}.")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A checkpoint choice's mark once answered: the student's choice `chosen`, the right one `right`.
/// Said when the student's own experiment was replaced (or the page reloaded) and is kept.
pub const DRAFT_KEPT: &str = "Your own experiment from before is kept in this browser (never sent anywhere). ";

pub fn verdict(choice: usize, chosen: Option<usize>, right: Option<usize>) -> &'static str {
    match (chosen, right) {
        (Some(a), Some(r)) if a == choice && a == r => " ✓ right",
        (Some(a), Some(_)) if a == choice => " ✗ not quite",
        (Some(_), Some(r)) if r == choice => " ✓",
        _ => "",
    }
}

pub const FIGURE_TITLE: &str = "Figure";
pub const FIGURE_NOTE: &str =
    "The view as it is at this instant, for slides and handouts: named after the lesson and the time.";
pub const DOWNLOAD_REFUSED: &str = "The browser refused the download.";

pub fn too_big(file: &str, bytes: f64, limit_bytes: usize) -> String {
    format!("{file} is {} KB; scenario files are limited to {} KB.", fixed(bytes / 1024.0, 0), limit_bytes / 1024)
}

/// A run whose every state is too large for the page to keep copies of (`state_bytes` of one,
/// the page's limit `limit_bytes`).
pub fn too_large_for_tab(state_bytes: u64, limit_bytes: u64, sc: &quorumscope_core::Scenario) -> String {
    use quorumscope_core::num::grouped;
    format!(
        "Too large for the browser: each state of this run takes about {} MB ({} nodes × {} keys, {} clients, {} operations), and the page keeps several to seek back and forth; it opens runs of up to {} MB a state. Use fewer nodes, keys or operations, or run it with the command line (quorumscope run).",
        state_bytes.div_ceil(1_000_000),
        sc.nodes.len(),
        grouped(sc.keys.len() as u64),
        sc.clients.len(),
        grouped(u64::from(sc.op_count)),
        limit_bytes / 1_000_000,
    )
}

/// Under the anomalies once the list holds the most it lists of some kinds (`titles`).
pub fn listing_full(limit: usize, titles: &[&str]) -> String {
    format!(
        "The list stops at the first {} anomalies of a kind ({} here): any later ones are not listed, and the command line's report (quorumscope run) counts them in stats.anomalies_not_listed.",
        quorumscope_core::num::grouped(limit as u64),
        titles.iter().map(|t| t.to_ascii_lowercase()).collect::<Vec<_>>().join(", ")
    )
}

pub fn unreadable(file: &str) -> String {
    format!("Could not read {file} as text.")
}

/// `why`: the core's refusal of bytes that are not UTF-8 (where the first is, and the field).
pub fn not_utf8(file: &str, why: &str) -> String {
    format!("Could not read {file}: {why}. Nothing was changed.")
}

pub fn history_unreadable(file: &str, why: &str) -> String {
    format!("Could not read {file} as a Jepsen history — {why}. The experiment is unchanged.")
}

pub fn no_history(file: &str) -> String {
    format!(
        "{file} is neither a scenario file (JSON) nor a Jepsen history: it has no lines like \
         \"INFO jepsen.util - 3 :invoke :write 4\". The experiment is unchanged."
    )
}

/// Why a run is not searched: its size (`ops`, `busiest` on one key) against the app's bounds.
pub fn too_many_to_check(ops: usize, busiest: usize, max_ops: usize, max_key: usize) -> String {
    format!(
        "not checked in the browser: this run has {ops} operations, {busiest} on its busiest key, and the app \
         searches runs of up to {max_ops} operations, {max_key} on a key (quorumscope run --consistency checks any run)"
    )
}

pub fn not_loaded(why: &str) -> String {
    format!("Could not load that scenario — {why}")
}

pub fn link_unreadable(why: &str) -> String {
    Unopened::Link(why.to_string()).first_lesson()
}

/// `slug` as typed in the address (shown only in part: it is not ours).
pub fn no_such_lesson(slug: &str) -> String {
    Unopened::Lesson(slug.to_string()).first_lesson()
}

/// Why an address could not be opened: a damaged link (its reason), or a lesson name unknown.
#[derive(Clone, Debug, PartialEq)]
pub enum Unopened {
    Link(String),
    Lesson(String),
}

impl Unopened {
    /// What went wrong, alone (a host page is told it in a message of its own).
    pub fn why(&self) -> String {
        match self {
            // A reason that ends in a question ("was it cut short when copied?") takes no full stop.
            Unopened::Link(why) if why.ends_with(['?', '.', '!']) => format!("This link could not be opened: {why}"),
            Unopened::Link(why) => format!("This link could not be opened: {why}."),
            Unopened::Lesson(slug) => {
                let shown: String = slug.chars().take(40).collect();
                format!("There is no lesson called \"{shown}\".")
            }
        }
    }

    /// On a page's first address: nothing was on screen yet.
    pub fn first_lesson(&self) -> String {
        format!("{} Showing the first lesson instead.", self.why())
    }

    /// In an open page: what it showed stays.
    pub fn kept(&self) -> String {
        format!("{} The experiment on screen is unchanged.", self.why())
    }
}

/// What the page says once a student changed a lesson.
pub fn from_lesson(n: usize) -> String {
    if n == 0 {
        "Your experiment:".into()
    } else {
        format!("Your experiment, from lesson {n}:")
    }
}

/// The mark on a lesson's caption once the run is no longer the lesson's.
pub const ORIGINAL_CAPTION: &str = "In the original lesson:";

pub const REVEAL_ON: &str = "Reveal whole run";
pub const REVEAL_OFF: &str = "Show only what has happened";
pub const REVEAL_HELP: &str =
    "For instructors: show every result, anomaly and message of the run at once, and ask no questions";

/// The inspector's lists while a lesson question is open.
pub const ASKING_VERDICTS: &str =
    "The consistency verdicts show again once you have answered the question: they would give the answer away.";
pub const CONSISTENCY_MAP: &str = "Each model implies the ones below it; convergence stands apart. Only the \
                                   operations that have happened by now are judged; one not answered yet may still take effect.";
/// Once the cursor is at the run's end (or the whole run is revealed).
pub const CONSISTENCY_MAP_END: &str = "Each model implies the ones below it; convergence stands apart. The whole run \
                                       is judged; a put never confirmed may have taken effect at any instant after it began, or never.";
pub const CONSISTENCY_MAP_LOG: &str = "Each model implies the ones below it. An operation never answered may have \
                                       taken effect at any instant after it began, or never.";
pub const LANES_KEY: &str = "Green: answered ok. Red, dashed: failed (it did not happen). Orange, dashed: never \
                             answered (it may have happened). Outlined: the selected model's witness.";
pub const CONSISTENCY_PICK: &str =
    "Select a model to see why; a violated one shows its witness and the moment it became impossible.";
pub const CONVERGENCE_LATER: &str =
    "Not yet known: whether the replicas agree is decided when the run ends (eventually, once writes stop and repair has had time).";
pub const HISTORY_NOTE: &str =
    "A Jepsen register history, shown whole: a log has no clock, so time is the order of its \
                                lines. The simulated cluster is not shown.";

pub const ASKING_INSPECTOR: &str =
    "The messages in flight and what just happened show again once you have answered the question.";

// The staleness lab (view/lab.rs).
pub const LAB_TITLE: &str = "Staleness lab";
/// The header's button to the lab, which is at the bottom of the page (short: the header fits
/// two rows on a phone).
pub const LAB_BUTTON: &str = "Lab";
pub const LAB_BUTTON_HELP: &str =
    "Go to the staleness lab: how often a read is stale, by N, R, W and the time since the write";
pub const LAB_INTRO: &str = "How likely is a read to see a write that committed t ms before it? Each trial is one put and, t ms after it commits (its W-th acknowledgement reaches the client), one get of the same key from another client: the get is stale if it returns an older value.";
pub const LAB_WARS: &str = "Engine: the PBS paper's WARS model, drawn directly. Every request goes to all N replicas; there is no read repair, anti-entropy, hinted handoff, crash or other write. The same trials serve every t.";
/// The simulator engine's note, with the mechanisms that were on ("read repair and ...").
pub fn lab_simulator(mechanisms: &[String]) -> String {
    let on = match mechanisms {
        [] => "nothing the paper leaves out".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let repair = if mechanisms.iter().any(|m| m == "read repair") { LAB_READ_REPAIR } else { "" };
    format!(
        "Engine: the full simulator, with {on}; each t has trials of its own, so the curve has fewer points.{repair}"
    )
}
pub const LAB_READ_REPAIR: &str = " Read repair acts only after a get returns, and each trial reads its key once, so it cannot change these curves: what differs from a run without it is sampling noise.";
pub const LAB_SCENARIO_NOTE: &str = "This experiment's network: its latency per message kind (or its one latency) and its datacenters, as quorumscope pbs --scenario takes it; its links and message loss are not part of the model.";
pub const LAB_CLOSED_FORM: &str = "Dashed, in each curve's colour: the closed form for non-expanding quorums, 1 − C(N−W, R)/C(N, R), the same at every t: the chance that R replicas picked at random include one of the W that acknowledged. Dynamo's quorums expand (the write goes on to every replica), so with independent delays (LNKD, YMMR) the curve stays at or above it.";
pub const LAB_MECHANISMS: &str = "What the paper's model leaves out";
pub const LAB_CANCELLED: &str = "Cancelled: the worker was stopped and nothing it computed was kept.";
pub const LAB_NO_RESULTS: &str = "Run the lab to draw the curves. The trials run in a separate worker, so the page stays responsive; Cancel stops them.";
pub const NO_STALE_TRIAL: &str =
    "No stale read among seeds 1 to 20,000 at this t: pick a point where the curve is below 100 %.";
pub const LAB_SHOW_HELP: &str = "Opens one concrete trial of that curve as an ordinary run in the main view: the put, then the get t ms after it commits, under the first seed from 1 whose get is stale.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_refusal_ends_in_one_stop() {
        let cut = Unopened::Link("the link is damaged; was it cut short when copied?".into());
        assert_eq!(cut.kept(), "This link could not be opened: the link is damaged; was it cut short when copied? The experiment on screen is unchanged.");
        let bad = Unopened::Link("the link's contents are not JSON: expected ident at line 1 column 2".into());
        assert!(bad.first_lesson().ends_with("column 2. Showing the first lesson instead."));
    }

    #[test]
    fn the_sibling_note_names_the_first_warning_and_counts_the_rest() {
        let one = siblings_note(Some(("12.0 ms".into(), "B", "cart", 26)), 1, 0);
        assert_eq!(one, "At 12.0 ms B held 26 versions of cart: siblings pile up when writers do not read first. Like Riak (warn_siblings 25, max_siblings 100), a replica here warns of each put that leaves it more than 25 versions of a key, and refuses a put that would give it more than 100: none refused yet.");
        let many = siblings_note(Some(("12.0 ms".into(), "B", "cart", 26)), 3, 1_200);
        assert!(
            many.contains("cart (2 more warnings since): ") && many.ends_with(": 1,200 puts refused so far."),
            "{many}"
        );
        // Refused with no warning (anti-entropy merged a key past the limit): no first sentence.
        assert!(
            siblings_note(None, 0, 1).starts_with("Like Riak")
                && siblings_note(None, 0, 1).ends_with(": 1 put refused so far.")
        );
    }

    #[test]
    fn the_progress_note_says_when_the_step_cap_leads_the_bar() {
        let by_time = computing("x", 30_000, 100_000, 30);
        assert!(by_time.contains("30 ms of 100 ms") && !by_time.contains("400,000"), "{by_time}");
        let by_steps = computing("x", 3_000, 100_000, 30);
        assert!(by_steps.contains("3 ms of 100 ms") && by_steps.contains("400,000 steps: 30 %"), "{by_steps}");
        assert!(computing("x", 0, 100_000, 30).contains(&grouped_cap()), "the cap said as the app uses it");
        assert!(by_time.starts_with("Computing the new run (x): "));
        assert!(computing("", 0, 100_000, 0).starts_with("Computing the new run: 0 ms"), "no empty brackets");
    }

    fn grouped_cap() -> String {
        quorumscope_core::num::grouped(crate::model::BROWSER_MAX_STEPS)
    }

    #[test]
    fn a_run_too_large_for_the_tab_is_refused_with_its_figures() {
        let nodes: Vec<String> = (0..256).map(|i| format!("\"n{i}\"")).collect();
        let events: Vec<String> = (0..20_000)
            .map(|i| format!(r#"{{"at_ms": 1, "client": "c{}", "put": "k{}", "value": "v"}}"#, i % 64, i % 10_000))
            .collect();
        let text = format!(r#"{{"nodes": [{}], "events": [{}]}}"#, nodes.join(","), events.join(","));
        let (_, sc) = quorumscope_core::parse(&text).unwrap();
        let bytes = quorumscope_core::state_bytes_at_start(&sc);
        // 256 × 10,000 store slots of 8 bytes, 64 × 10,000 contexts and dot counts of 20,
        // 20,000 operations of 360, 10,000 settle times of 8, and the world itself.
        assert_eq!(bytes, 20_480_000 + 12_800_000 + 7_200_000 + 80_000 + 336);
        let words = too_large_for_tab(bytes, crate::model::BROWSER_MAX_STATE_BYTES, &sc);
        assert!(words.contains("about 41 MB (256 nodes × 10,000 keys, 64 clients, 20,000 operations)"), "{words}");
        assert!(words.contains("up to 16 MB a state"), "{words}");
        // Every lesson is far within it.
        for l in crate::lessons::LESSONS {
            let (_, sc) = quorumscope_core::parse(l.text).unwrap();
            assert!(
                quorumscope_core::state_bytes_at_start(&sc) < crate::model::BROWSER_MAX_STATE_BYTES / 100,
                "{}",
                l.slug
            );
        }
    }

    #[test]
    fn the_listing_limit_is_named_with_its_kinds() {
        let words = listing_full(quorumscope_core::MAX_LISTED_PER_KIND, &["Read of a failed write"]);
        assert!(
            words.starts_with("The list stops at the first 1,000 anomalies of a kind (read of a failed write here)"),
            "{words}"
        );
    }

    #[test]
    fn the_capped_note_states_the_caps_the_app_uses() {
        use crate::model::{BROWSER_MAX_MERKLE_HASHES, BROWSER_MAX_MESSAGES, BROWSER_MAX_STEPS};
        use quorumscope_core::num::grouped;
        use quorumscope_core::{MAX_MERKLE_HASHES, MAX_MESSAGES, MAX_STEPS};
        let caps = [
            BROWSER_MAX_STEPS,
            BROWSER_MAX_MESSAGES,
            BROWSER_MAX_MERKLE_HASHES,
            MAX_STEPS,
            MAX_MESSAGES,
            MAX_MERKLE_HASHES,
        ];
        for cap in caps {
            assert!(CAPPED_NOTE.contains(&grouped(cap)), "{cap}");
        }
    }

    #[test]
    fn checkpoint_marks() {
        // Chose 0, the answer is 1.
        let marks: Vec<&str> = (0..3).map(|c| verdict(c, Some(0), Some(1))).collect();
        assert_eq!(marks, [" ✗ not quite", " ✓", ""]);
        assert_eq!(verdict(1, Some(1), Some(1)), " ✓ right");
        assert_eq!(verdict(1, None, Some(1)), "", "not answered yet");
        assert_eq!(verdict(1, Some(0), None), "", "no right answer");
    }

    #[test]
    fn a_long_lesson_name_is_cut() {
        assert_eq!(no_such_lesson(&"x".repeat(100)).matches('x').count(), 40);
    }
}
