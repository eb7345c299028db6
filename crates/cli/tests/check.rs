//! `quorumscope check`: a valid lesson says when its steps are shown, and warns (still exit 0)
//! about a caption that describes something that does not happen while it is on screen.

mod common;

fn check(input: &str) -> (i32, String, String) {
    common::quorumscope(&["check", "-"], input)
}

const LESSON: &str = r#"{"nodes": ["A", "B", "C"], "replication": {"n": 3, "w": 2, "r": 2},
  "network": {"latency_ms": 5},
  "events": [{"at_ms": 0, "client": "alice", "put": "k", "value": "v"}],
  "steps": [{"at_ms": 0, "caption": "Alice writes.", "describes": [{"op": 0, "is": "start"}]},
            {"caption": "It returned.", "when": {"op": 0, "is": "end"}, "describes": [{"op": 0, "is": "ok"}]},
            {"at_ms": 50, "caption": "The third ack arrives.", "describes": [{"msg": "put_ack", "is": "arrives", "count": 3}]}]}"#;

#[test]
fn a_lesson_whose_captions_hold_says_so() {
    let third = LESSON.rfind(",\n            {\"at_ms\": 50").unwrap();
    let ok = format!("{}]}}", &LESSON[..third]);
    let (code, out, err) = check(&ok);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("steps: 2 of 2 shown; every caption holds"), "{out}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_caption_shown_after_what_it_describes_is_a_warning_with_the_times() {
    let (code, out, err) = check(LESSON);
    assert_eq!(code, 0, "a valid scenario: {err}");
    assert!(out.contains("steps: 3 of 3 shown; some captions do not hold"), "{out}");
    assert!(
        err.contains("warning: -: steps[2].describes[0] happens at 10.000 ms, but the step is shown from 50.000"),
        "{err}"
    );
}

#[test]
fn the_report_carries_the_runs_consistency_verdicts() {
    // W=R=1 and a slow copy to B: bob's read from B misses alice's completed write.
    let text = r#"{"nodes": ["A", "B"], "replication": {"n": 2, "w": 1, "r": 1}, "keys": {"x": ["A", "B"]},
      "clients": [{"id": "alice"}, {"id": "bob"}],
      "network": {"latency_ms": 1, "links": [{"from": "alice", "to": "B", "latency_ms": 50}, {"from": "bob", "to": "A", "latency_ms": 50}]},
      "events": [{"at_ms": 0, "client": "alice", "put": "x", "value": "v1"}, {"at_ms": 10, "client": "bob", "get": "x"}]}"#;
    let (code, out, _) = common::quorumscope(&["run", "-"], text);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["consistency"]["linearizable"], false, "{:#}", v["consistency"]);
    assert!(v["consistency"]["explanation"].as_str().unwrap().contains("ended before bob's read began"));
    assert_eq!(v["ops"].as_array().unwrap().len(), 2, "the report is all there too");
}

#[test]
fn a_file_over_the_size_cap_is_refused_with_its_real_size() {
    let path = std::env::temp_dir().join(format!("qs-too-big-{}.json", std::process::id()));
    std::fs::write(&path, " ".repeat(quorumscope_core::scenario::MAX_SCENARIO_BYTES + 1_000)).unwrap();
    let (code, _, err) = common::quorumscope(&["check", path.to_str().unwrap()], "");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, 2);
    assert!(err.contains("the scenario is 16,778,216 bytes; the limit is 16,777,216 bytes (16 MiB)"), "{err}");
    // From a pipe only the limit and a byte are read: "more than".
    let (code, _, err) = check(&" ".repeat(quorumscope_core::scenario::MAX_SCENARIO_BYTES + 1_000));
    assert_eq!(code, 2);
    assert!(err.contains("the scenario is more than 16,777,216 bytes"), "{err}");
}
