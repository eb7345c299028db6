//! `quorumscope`: runs scenario files headlessly.
//!
//! Exit codes: 0 success, 2 invalid scenario (message on stderr), 1 anything else.

use clap::{Parser, Subcommand};
use quorumscope_core::{bench, parse, Level, Sim};
use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "quorumscope", version, about = "Run Dynamo-style replication scenarios deterministically")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print a JSON report.
    Run {
        /// Scenario file, or `-` for standard input.
        file: String,
        /// Add the full trace (every message and step) to the report.
        #[arg(long)]
        trace: bool,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
    },
    /// Only check that a scenario is valid.
    Check {
        /// Scenario file, or `-` for standard input.
        file: String,
    },
    /// Measure simulated events per second on a generated workload.
    Bench {
        #[arg(long, default_value_t = 64)]
        nodes: usize,
        #[arg(long, default_value_t = 100_000)]
        ops: usize,
        #[arg(long, default_value_t = 1_000)]
        keys: usize,
        /// Runs per level; the best is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
}

enum Failure {
    Invalid(String),
    Other(String),
}

fn read_input(file: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let cap = quorumscope_core::scenario::MAX_SCENARIO_BYTES as u64 + 1;
    let res = if file == "-" {
        std::io::stdin().take(cap).read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(file).and_then(|f| f.take(cap).read_to_end(&mut bytes).map(|_| ()))
    };
    res.map_err(|e| Failure::Other(format!("{file}: {e}")))?;
    // Bytes that are not UTF-8 make an invalid scenario (exit 2), said with where they are.
    quorumscope_core::scenario::text_of(bytes).map_err(|e| Failure::Invalid(format!("{file}: invalid scenario: {e}")))
}

/// Prints a line; a closed pipe (`| head`) is an error to report, not a panic.
fn emit(line: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|_| out.flush()).map_err(|e| Failure::Other(format!("writing the output: {e}")))
}

fn load(file: &str) -> Result<quorumscope_core::Scenario, Failure> {
    let text = read_input(file)?;
    parse(&text).map(|(_, sc)| sc).map_err(|e| Failure::Invalid(format!("{file}: invalid scenario: {e}")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run { file, trace, pretty } => load(&file).and_then(|sc| {
            let mut sim = Sim::new(sc, if trace { Level::Full } else { Level::Summary });
            sim.run();
            if let Some(note) = sim.truncation_note() {
                eprintln!("warning: {file}: {note}");
            }
            let mut v = serde_json::to_value(sim.report()).map_err(|e| Failure::Other(e.to_string()))?;
            if trace {
                v["trace"] = sim.trace_json();
            }
            let out = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) };
            emit(&out.map_err(|e| Failure::Other(e.to_string()))?)
        }),
        Cmd::Check { file } => load(&file).and_then(|sc| {
            emit(&format!(
                "ok: {} nodes, {} clients, {} keys, {} events, N={} W={} R={}",
                sc.nodes.len(),
                sc.clients.len(),
                sc.keys.len(),
                sc.events.len(),
                sc.repl.n,
                sc.repl.w,
                sc.repl.r
            ))
        }),
        Cmd::Bench { nodes, ops, keys, repeat } => run_bench(nodes, ops, keys, repeat.max(1)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(m)) => {
            eprintln!("{m}");
            ExitCode::from(2)
        }
        Err(Failure::Other(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
    }
}

fn run_bench(nodes: usize, ops: usize, keys: usize, repeat: usize) -> Result<(), Failure> {
    let file = bench::workload(nodes, ops, keys, 1);
    let text = serde_json::to_string(&file).map_err(|e| Failure::Other(e.to_string()))?;
    let t0 = Instant::now();
    let (_, sc) = parse(&text).map_err(|e| Failure::Other(format!("generated workload invalid: {e}")))?;
    let parse_s = t0.elapsed().as_secs_f64();
    emit(&format!(
        "workload: {nodes} nodes, {ops} operations, {keys} keys, {} bytes of JSON (parsed in {:.1} ms)",
        text.len(),
        parse_s * 1e3
    ))?;
    for (name, level) in
        [("summary (CLI without --trace)", Level::Summary), ("full trace (as the browser records)", Level::Full)]
    {
        let mut best = f64::MAX;
        let mut events = 0;
        let mut steps = 0;
        for _ in 0..repeat {
            let mut sim = Sim::new(sc.clone(), level);
            let t = Instant::now();
            sim.run();
            let dt = t.elapsed().as_secs_f64();
            best = best.min(dt);
            events = sim.recording().events;
            steps = sim.steps();
        }
        emit(&format!(
            "{name}: {events} events ({steps} steps) in {:.1} ms = {:.2} M events/s",
            best * 1e3,
            events as f64 / best / 1e6
        ))?;
    }
    Ok(())
}
