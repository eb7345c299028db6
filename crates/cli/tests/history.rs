//! `quorumscope history`: exit 0 whatever the verdict, 2 with the line for a log it cannot read.

mod common;

fn history(input: &str) -> (i32, String, String) {
    common::quorumscope(&["history", "-"], input)
}

#[test]
fn a_violation_exits_0_with_a_witness() {
    let log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n\
               INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\tnil\n";
    let (code, out, _) = history(log);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["linearizable"], false);
    assert_eq!(v["witness"].as_array().unwrap().len(), 2);
    assert!(v["explanation"].as_str().unwrap().contains("ended before"));
    assert_eq!(v["models"]["sequential"]["verdict"], "held");
}

#[test]
fn an_unreadable_log_exits_2_with_its_line() {
    let (code, _, err) = history("chatter\nINFO  jepsen.util - 0\t:invoke\t:cas\t[1]\n");
    assert_eq!(code, 2);
    assert!(err.contains("line 2"), "{err}");
}
