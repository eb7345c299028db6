fn main() {
    let path = std::env::args().nth(1).expect("scenario path");
    let text = std::fs::read_to_string(path).unwrap();
    let sim = quorumscope_core::run_text(&text, quorumscope_core::Level::Summary).unwrap();
    println!("{}", serde_json::to_string_pretty(&sim.report()).unwrap());
}
