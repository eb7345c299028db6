//! `quorumscope run`: exit 2 with the place for input it cannot read, and a run stopped by a cap
//! still exits 0 but says so on stderr and in the report, with where it really stopped.

mod common;

fn run(input: &[u8]) -> (i32, String, String) {
    common::quorumscope_bytes(&["run", "-"], input)
}

#[test]
fn input_that_is_not_utf8_exits_2_naming_the_first_bad_byte() {
    let (code, out, err) = run(b"{\"nodes\": [\"A\"],\n \"title\": \"caf\xe9\"}");
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("not UTF-8 text: byte 31 (line 2, column 15) is 0xe9"), "{err}");
}

#[test]
fn a_run_that_reaches_the_step_cap_says_where_it_stopped() {
    // Anti-entropy every 500 ms on 64 nodes for an hour: 460,800 timer ticks fit the cap, so it
    // is not refused, but with the Merkle messages it reaches 500,000 steps before its end.
    let nodes: Vec<String> = (0..64).map(|i| format!("n{i}")).collect();
    let text = format!(
        r#"{{"nodes": {}, "replication": {{"n": 3, "w": 2, "r": 2, "anti_entropy_ms": 500}},
            "run_until_ms": 3600000, "events": [{{"at_ms": 0, "client": "c", "put": "k", "value": "v"}}]}}"#,
        serde_json::to_string(&nodes).unwrap()
    );
    let (code, out, err) = run(text.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the run reached the cap of 500,000 steps at "), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["stats"]["steps"], 500_000);
    assert_eq!(report["stats"]["truncated"], true);
    let end_ms = report["stats"]["sim_end_ms"].as_f64().unwrap();
    assert!(end_ms > 0.0 && end_ms < 3_600_000.0, "stopped at {end_ms} ms, not the scenario's end");
}

/// Riak's `warn_siblings` reaches the report without `--trace`: of 150 blind puts of one key on
/// one replica, each stored past 25 versions warns (the 26th to the 100th), and the 50 past
/// `max_siblings` are refused, each op saying so.
#[test]
fn the_sibling_warning_and_refusals_are_in_the_report_without_the_trace() {
    let events: Vec<serde_json::Value> = (0..150)
        .map(|i| serde_json::json!({"at_ms": 0, "client": format!("c{}", i % 50), "put": "k", "value": format!("v{i}"), "blind": true}))
        .collect();
    let text = serde_json::json!({"nodes": ["A", "B"], "replication": {"n": 1, "w": 1, "r": 1, "conflicts": "siblings"}, "events": events});
    let (code, out, err) = run(text.to_string().as_bytes());
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(report.get("trace").is_none());
    let warnings = report["sibling_warnings"].as_array().expect("sibling_warnings listed");
    assert_eq!(warnings.len(), 75, "{warnings:?}");
    let home = report["ops"][0]["preference"][0].clone();
    assert_eq!(warnings[0]["node"], home);
    assert_eq!(warnings[0]["key"], "k");
    assert_eq!((warnings[0]["siblings"].as_u64(), warnings[74]["siblings"].as_u64()), (Some(26), Some(100)));
    let refused = report["ops"].as_array().unwrap().iter().filter(|o| o["outcome"] == "refused").count();
    assert_eq!(refused, 50);
    assert!(report["stats"].get("sibling_warnings_not_listed").is_none(), "none beyond the list");
}
