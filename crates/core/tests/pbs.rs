//! The staleness lab: closed forms, strict quorums, the closed form as an upper bound, seeds,
//! and the fast WARS engine against the full simulator.

use quorumscope_core::pbs::{self, Config, Delays, Engine, Mechanisms, Outcome};

fn cfg(model: &str, n: u32, r: u32, w: u32, trials: u64, t_ms: &[f64]) -> Config {
    let mut c = Config::paper(Delays::named(model).unwrap());
    (c.n, c.r, c.w, c.trials, c.t_ms) = (n, r, w, trials, t_ms.to_vec());
    c
}

/// Four standard errors of a proportion measured on `trials` trials, at least 1/trials.
fn slack(p: f64, trials: u64) -> f64 {
    4.0 * (p.max(1e-3) * (1.0 - p).max(1e-3) / trials as f64).sqrt() + 1.0 / trials as f64
}

#[test]
fn closed_forms_are_exact_fractions() {
    assert_eq!(pbs::k_staleness_fraction(3, 1, 1, 1), Some((2, 3)));
    assert_eq!(pbs::k_staleness_fraction(3, 1, 1, 2), Some((4, 9)));
    assert_eq!(pbs::k_staleness_fraction(3, 1, 2, 1), Some((1, 3)));
    assert_eq!(pbs::k_staleness_fraction(3, 2, 1, 1), Some((1, 3)));
    assert_eq!(pbs::k_staleness_fraction(3, 2, 2, 1), Some((0, 3)));
    assert_eq!(pbs::k_staleness_fraction(5, 2, 2, 1), Some((3, 10)));
    assert_eq!(pbs::k_staleness(3, 1, 1, 1), 2.0 / 3.0);
    assert_eq!(pbs::k_staleness(3, 1, 1, 2), 4.0 / 9.0);
}

#[test]
fn strict_quorums_are_never_stale_without_failures() {
    for model in pbs::MODELS {
        for (r, w) in [(2, 2), (1, 3), (3, 1), (3, 3)] {
            let out = pbs::run(&cfg(model, 3, r, w, 20_000, &[0.0])).unwrap();
            assert_eq!(out.consistent[0].1, 1.0, "{model} R={r} W={w}");
            assert_eq!(out.visibility_ms.last().unwrap().1, Some(0.0));
            assert!(out.k_staleness.iter().all(|k| k.simulated == 0.0 && k.closed_form == 0.0));
        }
        let mut c = cfg(model, 3, 2, 2, 300, &[0.0]);
        c.engine = Some(Engine::Simulator);
        assert_eq!(pbs::run(&c).unwrap().consistent[0].1, 1.0, "{model} in the simulator");
    }
}

#[test]
fn the_closed_form_bounds_the_iid_models_at_every_t() {
    let ts = [0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 200.0, 1000.0];
    for model in ["LNKD-SSD", "LNKD-DISK", "YMMR"] {
        for (r, w) in [(1, 1), (1, 2), (2, 1)] {
            let mut c = cfg(model, 3, r, w, 30_000, &ts);
            c.k_max = 2;
            let out = pbs::run(&c).unwrap();
            let bound = pbs::k_staleness(3, r, w, 1);
            for (t, p, n) in &out.consistent {
                let stale = 1.0 - p;
                assert!(stale <= bound + slack(bound, *n), "{model} R={r} W={w} t={t}: {stale} > {bound}");
            }
            for k in &out.k_staleness {
                assert!(k.simulated <= k.closed_form + slack(k.closed_form, k.trials), "{model} k={}", k.k);
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_curve() {
    let c = cfg("WAN", 3, 1, 1, 20_000, &[0.0, 5.0, 50.0]);
    let a = pbs::run(&c).unwrap();
    assert_eq!(a, pbs::run(&c).unwrap());
    assert_eq!(a.to_json(&c), pbs::run(&c).unwrap().to_json(&c));
    let other = pbs::run(&Config { seed: 2, ..c.clone() }).unwrap();
    assert_ne!(a.consistent, other.consistent);
    let mut s = c.clone();
    (s.engine, s.trials) = (Some(Engine::Simulator), 200);
    assert_eq!(pbs::run(&s).unwrap(), pbs::run(&s).unwrap());
}

fn assert_same_distribution(model: &str, ts: &[f64], sim_trials: u64) {
    let fast = pbs::run(&cfg(model, 3, 1, 1, 200_000, ts)).unwrap();
    let mut c = cfg(model, 3, 1, 1, sim_trials, ts);
    (c.engine, c.k_max) = (Some(Engine::Simulator), 2);
    let full: Outcome = pbs::run(&c).unwrap();
    assert_eq!((full.engine, full.puts_failed, full.gets_failed), (Engine::Simulator, 0, 0));
    for ((t, p_fast, _), (_, p_full, n)) in fast.consistent.iter().zip(&full.consistent) {
        assert!((p_fast - p_full).abs() <= slack(*p_fast, *n), "{model} t={t}: wars {p_fast}, simulator {p_full}");
    }
    for (a, b) in fast.k_staleness.iter().zip(&full.k_staleness) {
        assert!((a.simulated - b.simulated).abs() <= slack(a.simulated, b.trials), "{model} k={}", a.k);
    }
    // Medians of the latencies agree closely (the tails need far more trials).
    for (a, b) in [(&fast.read_ms, &full.read_ms), (&fast.write_ms, &full.write_ms)] {
        assert!((a[0].1 - b[0].1).abs() <= 0.05 * a[0].1, "{model}: medians {a:?} vs {b:?}");
    }
}

#[test]
fn the_fast_path_matches_the_simulator_on_the_papers_configuration() {
    assert_same_distribution("LNKD-DISK", &[0.0, 2.0, 10.0, 40.0], 4_000);
    assert_same_distribution("WAN", &[0.0, 40.0, 100.0], 3_000);
}

#[test]
fn the_mechanisms_change_the_curve() {
    let base = cfg("LNKD-DISK", 3, 1, 1, 1_500, &[0.0]);
    let run = |m: Mechanisms| {
        let mut c = base.clone();
        (c.mechanisms, c.k_max, c.engine) = (m, 0, Some(Engine::Simulator));
        let out = pbs::run(&c).unwrap();
        assert_eq!(out.engine, Engine::Simulator);
        out
    };
    let plain = run(Mechanisms { crash_ms: 1000.0, crashes_per_s: 0.0, ..Mechanisms::default() });
    // Crashes change the curve (a replica down throughout a trial shrinks the quorums' choice;
    // one that recovers between the put and the get answers with nothing), and trials whose put
    // or get could not complete are left out and counted.
    let crashes = run(Mechanisms { crashes_per_s: 2.0, crash_ms: 400.0, ..Mechanisms::default() });
    assert_ne!(crashes.consistent[0].1, plain.consistent[0].1);
    let left_out = crashes.puts_failed + crashes.gets_failed;
    assert!(left_out > 0 && crashes.consistent[0].2 == 1_500 - left_out);
    // Another writer's newer values count as fresh, never as stale.
    let writers = run(Mechanisms { writes_per_s: 200.0, crash_ms: 1000.0, ..Mechanisms::default() });
    assert!(writers.consistent[0].1 >= plain.consistent[0].1 - slack(0.5, 1_500));
    // Sloppy quorum and hinted handoff, read repair and anti-entropy all run.
    let mech =
        Mechanisms { sloppy_quorum: true, read_repair: true, anti_entropy_ms: Some(50.0), ..Mechanisms::default() };
    assert_eq!(run(mech).consistent[0].2, 1_500);
}

#[test]
fn bad_configs_name_the_option() {
    let mut c = cfg("YMMR", 3, 4, 1, 10, &[0.0]);
    assert!(pbs::run(&c).unwrap_err().starts_with("r, w:"));
    c.r = 1;
    c.mechanisms.read_repair = true;
    c.engine = Some(Engine::Wars);
    assert!(pbs::run(&c).unwrap_err().starts_with("engine:"));
}

#[test]
fn a_simulator_run_the_scenario_caps_refuse_is_an_error_not_a_panic() {
    // Anti-entropy every millisecond for an hour after the commit: the runs cannot fit the step
    // cap, and the scenario's own refusal says so.
    let mut c = cfg("LNKD-DISK", 3, 1, 1, 10, &[3_600_000.0]);
    c.mechanisms.anti_entropy_ms = Some(1.0);
    let e = pbs::run(&c).unwrap_err();
    assert!(e.starts_with("anti-entropy-ms: the simulator's runs (t = 3600000 ms) are refused: "), "{e}");
    assert!(e.contains("anti_entropy_ms") && e.contains("the cap is 500,000"), "{e}");
    // A period the cap allows runs.
    c.t_ms = vec![0.0, 50.0];
    c.mechanisms.anti_entropy_ms = Some(50.0);
    assert!(pbs::run(&c).is_ok());
}

#[test]
fn a_runner_stepped_in_slices_gives_what_run_gives() {
    let mut sim = cfg("LNKD-SSD", 3, 1, 1, 2_500, &[0.0, 5.0]);
    (sim.k_max, sim.mechanisms.read_repair) = (2, true);
    for c in [cfg("WAN", 3, 1, 2, 5_000, &[0.0, 10.0, 100.0]), sim] {
        let whole = pbs::run(&c).unwrap().to_json(&c);
        for slice in [1, 777, 4_999, 100_000] {
            let mut runner = pbs::Runner::new(&c).unwrap();
            let mut steps = 0;
            while !runner.step(slice) {
                steps += 1;
                assert!(runner.done() < runner.total());
            }
            assert_eq!(runner.done(), runner.total(), "slice {slice}");
            assert!(steps >= (runner.total() / slice.max(2_000)).saturating_sub(1) as usize);
            assert_eq!(runner.finish().to_json(&c), whole, "slice {slice}");
        }
    }
    assert!(pbs::Runner::new(&cfg("YMMR", 3, 4, 1, 10, &[0.0])).is_err());
}

#[test]
fn a_stale_trial_opened_as_a_run_is_a_stale_read_there() {
    for (model, t) in [("LNKD-DISK", 0.0), ("YMMR", 5.0), ("WAN", 1.0)] {
        let c = cfg(model, 3, 1, 1, 100, &[t]);
        let (seed, file) = pbs::stale_read(&c, t, 1_000).expect("R=W=1 is often stale");
        assert_eq!(file.seed, seed);
        // The first such seed: every seed before it gives a fresh read.
        let text = serde_json::to_string(&file).unwrap();
        let sim = quorumscope_core::run_text(&text, quorumscope_core::Level::Summary).unwrap();
        let report = sim.report();
        assert_eq!(report.ops.len(), 2, "{model}: one put and one get");
        let stale: Vec<_> = report.anomalies.iter().filter(|a| a.kind == "stale_read").collect();
        assert_eq!(stale.len(), 1, "{model} t={t}: {:?}", report.anomalies);
        // The get started t ms after the put committed.
        let (put_end, get_start) = (report.ops[0].end_ms.unwrap(), report.ops[1].start_ms.unwrap());
        assert!((get_start - put_end - t.max(0.001)).abs() < 1e-6, "{model}: {put_end} + {t} != {get_start}");
        if seed > 1 {
            assert!(pbs::stale_read(&c, t, seed - 1).is_none(), "an earlier seed was stale too");
        }
    }
    assert!(
        pbs::stale_read(&cfg("LNKD-DISK", 3, 2, 2, 100, &[0.0]), 0.0, 200).is_none(),
        "strict quorums are never stale"
    );
}

#[test]
fn a_t_whose_trials_all_failed_has_no_probability_not_zero() {
    // Nodes down most of the time: at some t no put-then-get completes.
    let mut c = cfg("LNKD-DISK", 3, 2, 1, 1000, &[0.0, 4.0, 8.0, 12.0]);
    (c.mechanisms.crashes_per_s, c.mechanisms.crash_ms, c.k_max) = (5.0, 1000.0, 0);
    let out = pbs::run(&c).unwrap().to_json(&c);
    let points = out["consistent"].as_array().unwrap();
    let empty: Vec<_> = points.iter().filter(|p| p["trials"] == 0).collect();
    assert!(!empty.is_empty(), "the configuration leaves some t without trials: {points:?}");
    assert!(empty.iter().all(|p| p["p"].is_null()), "{points:?}");
    assert!(points.iter().filter(|p| p["trials"] != 0).all(|p| p["p"].is_f64()));
}
