//! `quorumscope`: runs scenario files headlessly.
//!
//! Exit codes: 0 success (whatever a history's verdict), 2 invalid scenario or unreadable history
//! (message on stderr, with the line), 1 anything else.

use clap::{Parser, Subcommand};
use quorumscope_core::{
    bench, check_history, check_linearizable, history_of_report, parse, parse_jepsen, pbs, Consistency, History, Level,
    Sim,
};
use std::io::Read;

mod fuzz;
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
        /// Print the run's consistency verdicts (linearizable, sequential, session guarantees,
        /// convergent) instead of the report.
        #[arg(long)]
        consistency: bool,
    },
    /// Check a Jepsen register history (read/write/cas log) and print the JSON verdicts.
    History {
        /// Log file, or `-` for standard input.
        file: String,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Placements each search may try before it answers "unknown".
        #[arg(long, default_value_t = quorumscope_core::DEFAULT_BUDGET)]
        budget: u64,
        /// Instead of the verdict, time each `.log` file in FILE (a folder) and a 10,000-operation run.
        #[arg(long)]
        bench: bool,
    },
    /// Feed generated inputs (mutated lessons, damaged text, random bytes) through the parser and
    /// the simulator, and print panics, refusals by field, the slowest and the largest.
    Fuzz {
        /// How many inputs.
        #[arg(long, default_value_t = 10_000)]
        inputs: u64,
        /// The first input's number (to reproduce one: `--first I --inputs 1`).
        #[arg(long, default_value_t = 0)]
        first: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// The folder of scenario files to mutate.
        #[arg(long, default_value = "lessons")]
        corpus: String,
        /// Write each input that panicked or took over a second into this folder.
        #[arg(long)]
        keep: Option<String>,
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
    /// Probabilistically bounded staleness: P(consistent read) t ms after a write commits.
    Pbs(PbsArgs),
}

#[derive(clap::Args)]
struct PbsArgs {
    /// LNKD-SSD, LNKD-DISK, YMMR or WAN (the PBS paper's fits); ignored with --scenario.
    #[arg(long, default_value = "LNKD-DISK")]
    model: String,
    /// Take the network (latency per message kind, datacenters) and N, R, W from this scenario.
    #[arg(long)]
    scenario: Option<String>,
    #[arg(long)]
    n: Option<u32>,
    #[arg(long)]
    r: Option<u32>,
    #[arg(long)]
    w: Option<u32>,
    /// Trials (with the simulator: per t value and per k).
    #[arg(long, default_value_t = 100_000)]
    trials: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Times after commit, in ms, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,5,10")]
    t: Vec<f64>,
    /// k-staleness for k = 1..=K.
    #[arg(long, default_value_t = 3)]
    k: u32,
    /// wars (the paper's model, drawn directly) or simulator; by default wars unless a mechanism is on.
    #[arg(long)]
    engine: Option<String>,
    #[arg(long)]
    read_repair: bool,
    /// Anti-entropy period.
    #[arg(long)]
    anti_entropy_ms: Option<f64>,
    /// Sloppy quorum with hinted handoff (adds two fallback nodes).
    #[arg(long)]
    sloppy: bool,
    /// Crashes per node per second ...
    #[arg(long, default_value_t = 0.0)]
    crashes_per_s: f64,
    /// ... each lasting this long.
    #[arg(long, default_value_t = 1000.0)]
    crash_ms: f64,
    /// Other clients' writes to each trial's key, per second.
    #[arg(long, default_value_t = 0.0)]
    writes_per_s: f64,
    /// Measure trials per second (N=3, R=W=1, each model) instead.
    #[arg(long)]
    bench: bool,
    #[arg(long)]
    pretty: bool,
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
    if bytes.len() as u64 == cap {
        // Only the limit and one byte were read: say the file's real size when it has one.
        let size = std::fs::metadata(file).ok().filter(|_| file != "-").map(|m| m.len());
        let grouped = quorumscope_core::num::grouped;
        let size = size.map_or_else(|| format!("more than {}", grouped(cap - 1)), grouped);
        let why = quorumscope_core::scenario::too_big(&size);
        return Err(Failure::Invalid(format!("{file}: invalid scenario: {why}")));
    }
    // Bytes that are not UTF-8 make an invalid scenario (exit 2), said with where they are.
    quorumscope_core::scenario::text_of(bytes).map_err(|e| Failure::Invalid(format!("{file}: invalid scenario: {e}")))
}

/// Prints a line; a closed pipe (`| head`) is an error to report, not a panic.
fn emit(line: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|_| out.flush()).map_err(|e| Failure::Other(format!("writing the output: {e}")))
}

fn history(file: &str, pretty: bool, budget: u64) -> Result<(), Failure> {
    let text = read_input(file)?;
    let mut h = parse_jepsen(&text).map_err(|e| Failure::Invalid(format!("{file}: {e}")))?;
    h.sort_by_invoke();
    let v = check_history(&h, budget).to_json(&h);
    let out = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) };
    emit(&out.map_err(|e| Failure::Other(e.to_string()))?)
}

/// Times every `.log` in `dir` (best of three), then a generated 10,000-operation run.
fn history_bench(dir: &str, budget: u64) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::Other(format!("{dir}: {e}")))?;
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    let mut total_s = 0.0;
    for path in &files {
        let text = std::fs::read_to_string(path).map_err(|e| Failure::Other(format!("{}: {e}", path.display())))?;
        let mut h = parse_jepsen(&text).map_err(|e| Failure::Invalid(format!("{}: {e}", path.display())))?;
        h.sort_by_invoke();
        let (lin_s, all_s, c) = time_check(&h, budget);
        total_s += all_s;
        emit(&format!(
            "{}: {} ops, linearizable {} in {:.2} ms; all models in {:.2} ms",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            h.ops.len(),
            c.linearizable.status.name(),
            lin_s * 1e3,
            all_s * 1e3
        ))?;
    }
    emit(&format!("{} histories, all models in {:.1} ms in total", files.len(), total_s * 1e3))?;
    let file = bench::workload(8, 10_000, 16, 1);
    let text = serde_json::to_string(&file).map_err(|e| Failure::Other(e.to_string()))?;
    let (_, sc) = parse(&text).map_err(|e| Failure::Other(format!("generated workload invalid: {e}")))?;
    let mut sim = Sim::new(sc, Level::Summary);
    sim.run();
    let h = history_of_report(&sim.report());
    let (lin_s, all_s, c) = time_check(&h, budget);
    emit(&format!(
        "simulated run: {} ops on {} keys, linearizable {} in {:.1} ms; all models in {:.1} ms",
        h.ops.len(),
        h.keys.len(),
        c.linearizable.status.name(),
        lin_s * 1e3,
        all_s * 1e3
    ))
}

/// (seconds for linearizability alone, seconds for every model, the verdicts), best of three.
/// A lesson's captions against its run: when each step is shown, and a warning for each thing a
/// caption describes that does not happen while it is on screen (the scenario is still valid).
fn check_steps(file: &str, sc: quorumscope_core::Scenario) -> Result<(), Failure> {
    if sc.steps.is_empty() {
        return Ok(());
    }
    let mut sim = Sim::new(sc, Level::Full);
    sim.run();
    let v = sim.steps_json();
    let shown = v["shown"].as_array().map(|a| a.iter().filter(|s| !s["shown_ms"].is_null()).count()).unwrap_or(0);
    let problems = v["problems"].as_array().cloned().unwrap_or_default();
    for p in &problems {
        eprintln!("warning: {file}: {}", p.as_str().unwrap_or_default());
    }
    let holds = if problems.is_empty() { "every caption holds" } else { "some captions do not hold" };
    emit(&format!("steps: {shown} of {} shown; {holds}", sim.scenario().steps.len()))
}

fn time_check(h: &History, budget: u64) -> (f64, f64, Consistency) {
    let (mut lin_s, mut all_s) = (f64::MAX, f64::MAX);
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let one = check_linearizable(h, budget);
        lin_s = lin_s.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let c = check_history(h, budget);
        all_s = all_s.min(t.elapsed().as_secs_f64());
        debug_assert_eq!(one.status, c.linearizable.status);
        last = Some(c);
    }
    (lin_s, all_s, last.expect("three runs"))
}

/// The scenario files in `dir` (sorted, so a seed means the same inputs), as text.
fn fuzz_corpus(dir: &str) -> Result<Vec<String>, Failure> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Failure::Other(format!("{dir}: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let texts: Vec<String> = files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    if texts.is_empty() {
        return Err(Failure::Other(format!("{dir}: no .json scenario files to mutate")));
    }
    Ok(texts)
}

fn load(file: &str) -> Result<quorumscope_core::Scenario, Failure> {
    let text = read_input(file)?;
    parse(&text).map(|(_, sc)| sc).map_err(|e| Failure::Invalid(format!("{file}: invalid scenario: {e}")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run { file, trace, pretty, consistency } => load(&file).and_then(|sc| {
            let mut sim = Sim::new(sc, if trace { Level::Full } else { Level::Summary });
            sim.run();
            if let Some(note) = sim.truncation_note() {
                eprintln!("warning: {file}: {note}");
            }
            if consistency {
                let v = sim.consistency_json();
                let out = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) };
                return emit(&out.map_err(|e| Failure::Other(e.to_string()))?);
            }
            // Written as it is made: the whole document as one JSON tree took gigabytes.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            sim.write_run_json(&mut out, trace, pretty)
                .map_err(|e| Failure::Other(format!("writing the output: {e}")))?;
            use std::io::Write;
            writeln!(out).and_then(|_| out.flush()).map_err(|e| Failure::Other(format!("writing the output: {e}")))?;
            Ok(())
        }),
        Cmd::Fuzz { inputs, first, seed, workers, corpus, keep } => fuzz_corpus(&corpus).and_then(|corpus| {
            emit(fuzz::run(&fuzz::Options { inputs, first, seed, workers, corpus, keep }).trim_end())
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
            ))?;
            check_steps(&file, sc)
        }),
        Cmd::History { file, pretty, budget, bench: false } => history(&file, pretty, budget),
        Cmd::History { file, budget, bench: true, .. } => history_bench(&file, budget),
        Cmd::Bench { nodes, ops, keys, repeat } => run_bench(nodes, ops, keys, repeat.max(1)),
        Cmd::Pbs(args) if args.bench => pbs_bench(&args),
        Cmd::Pbs(args) => pbs_config(&args).and_then(|cfg| {
            let t0 = Instant::now();
            let outcome = pbs::run(&cfg).map_err(Failure::Invalid)?;
            let secs = t0.elapsed().as_secs_f64();
            let mut v = outcome.to_json(&cfg);
            v["trials_per_s"] = serde_json::json!((outcome.trials as f64 / secs.max(1e-9)).round());
            let out = if args.pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) };
            emit(&out.map_err(|e| Failure::Other(e.to_string()))?)
        }),
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

fn pbs_config(a: &PbsArgs) -> Result<pbs::Config, Failure> {
    let (delays, repl) = match &a.scenario {
        Some(file) => {
            let sc = load(file)?;
            (pbs::Delays::of_scenario(&sc), Some((sc.repl.n, sc.repl.r, sc.repl.w)))
        }
        None => {
            let known = pbs::MODELS.join(", ");
            let d = pbs::Delays::named(&a.model)
                .ok_or_else(|| Failure::Invalid(format!("--model: unknown model `{}` (known: {known})", a.model)))?;
            (d, None)
        }
    };
    let (n, r, w) = repl.unwrap_or((3, 1, 1));
    let engine = match a.engine.as_deref() {
        None => None,
        Some("wars") => Some(pbs::Engine::Wars),
        Some("simulator") => Some(pbs::Engine::Simulator),
        Some(other) => return Err(Failure::Invalid(format!("--engine: `{other}` is not wars or simulator"))),
    };
    let cfg = pbs::Config {
        n: a.n.unwrap_or(n),
        r: a.r.unwrap_or(r),
        w: a.w.unwrap_or(w),
        delays,
        trials: a.trials,
        seed: a.seed,
        t_ms: a.t.clone(),
        k_max: a.k,
        mechanisms: pbs::Mechanisms {
            read_repair: a.read_repair,
            anti_entropy_ms: a.anti_entropy_ms,
            sloppy_quorum: a.sloppy,
            crashes_per_s: a.crashes_per_s,
            crash_ms: a.crash_ms,
            writes_per_s: a.writes_per_s,
        },
        engine,
    };
    cfg.check().map_err(|e| Failure::Invalid(format!("--{e}")))?;
    Ok(cfg)
}

/// Trials per second of the WARS engine for each model, N=3, R=W=1 (and of the simulator, once).
fn pbs_bench(a: &PbsArgs) -> Result<(), Failure> {
    for name in pbs::MODELS {
        let mut cfg = pbs::Config::paper(pbs::Delays::named(name).expect("known"));
        cfg.trials = a.trials.max(1);
        cfg.k_max = 0;
        let t0 = Instant::now();
        let out = pbs::run(&cfg).map_err(Failure::Other)?;
        let secs = t0.elapsed().as_secs_f64();
        emit(&format!(
            "pbs wars {name}: {} trials in {:.1} ms = {:.0} trials/s",
            out.trials,
            secs * 1e3,
            out.trials as f64 / secs
        ))?;
    }
    let mut cfg = pbs::Config::paper(pbs::Delays::named("LNKD-DISK").expect("known"));
    (cfg.trials, cfg.k_max, cfg.t_ms, cfg.engine) =
        ((a.trials / 10).max(1), 0, vec![0.0], Some(pbs::Engine::Simulator));
    let t0 = Instant::now();
    let out = pbs::run(&cfg).map_err(Failure::Other)?;
    let secs = t0.elapsed().as_secs_f64();
    emit(&format!(
        "pbs simulator LNKD-DISK: {} trials in {:.1} ms = {:.0} trials/s",
        out.trials,
        secs * 1e3,
        out.trials as f64 / secs
    ))
}
