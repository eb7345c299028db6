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
