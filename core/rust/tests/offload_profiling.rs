//! The offload and profiling wrappers: an offloaded load that loads experts
//! and reproduces the greedy reference, budget planning, a recording into a
//! temporary store, the live feed during a generation, and misuse answered
//! with errors.
mod common;

use hoard::{plan_budget, ErrorCode, GenerationParams, LiveFeed, OffloadOptions, Recording};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

fn greedy(max_tokens: i32) -> GenerationParams {
    GenerationParams {
        max_tokens,
        stop_at_end_of_generation: false,
        ..GenerationParams::greedy()
    }
}

/// This process's temporary folder, made the data and cache folders (so
/// nothing lands in the user's) once, before any test reaches the library:
/// every test calls this first, and setting the environment while another
/// thread reads it would be a race.
fn temp_root() -> PathBuf {
    static ONCE: Once = Once::new();
    let dir = std::env::temp_dir().join(format!("hoard-rust-offload-{}", std::process::id()));
    ONCE.call_once(|| {
        std::fs::create_dir_all(&dir).unwrap();
        std::env::set_var("HOARD_DATA_DIR", &dir);
        std::env::set_var("HOARD_CACHE_DIR", &dir);
    });
    dir
}

#[test]
fn offloaded_load_counts_loads_and_matches_the_reference() {
    let _dir = temp_root();
    let all = plan_budget(common::model_path(), 1 << 40, 128, false).unwrap();
    let mut options = OffloadOptions::new(
        all.non_expert_bytes + all.kv_cache_bytes + all.workspace_bytes + all.expert_bytes_high / 3,
    )
    .unwrap();
    assert!(options.low_precision && options.cpu_fallback && options.prefetch);
    options.n_ctx = 128;
    options.low_precision = false;
    let engine = common::engine();
    let model = engine
        .load_model_offloaded(common::model_path(), &options)
        .unwrap();
    let r = common::reference();
    let n = r.greedy_tokens.len().min(12);
    let mut session = engine.create_session(&model, 128).unwrap();
    let mut tokens = Vec::new();
    session
        .generate(&r.prompt_tokens, &greedy(n as i32), |token, _| {
            tokens.extend(token);
            true
        })
        .unwrap();
    assert_eq!(tokens, r.greedy_tokens[..n]);

    let c = model.offload_counters().unwrap();
    assert!(c.offloaded);
    assert!(c.loads_high > 0 && c.bytes_host_to_device > 0);
    assert!(c.hits_high > 0 && c.hit_rate > 0.0 && c.hit_rate < 1.0);
    assert!(c.device_peak > 0 && c.device_peak <= options.device_bytes);
    assert!(!common::model().offload_counters().unwrap().offloaded);

    options.device_bytes = 4096;
    let error = engine
        .load_model_offloaded(common::model_path(), &options)
        .err()
        .unwrap();
    assert_eq!(error.code(), ErrorCode::Failed);
    options.device_bytes = 1 << 40;
    options.policy = "fifo".to_string();
    let error = engine
        .load_model_offloaded(common::model_path(), &options)
        .err()
        .unwrap();
    assert_eq!(error.code(), ErrorCode::InvalidArgument);
}

#[test]
fn plan_budget_predicts_and_refuses_too_little() {
    temp_root();
    let all = plan_budget(common::model_path(), 1 << 40, 0, true).unwrap();
    assert_eq!(all.n_ctx, 4096);
    assert!(all.n_layer > 0 && all.n_expert_used <= all.n_expert);
    assert!(!all.high_format.is_empty());
    let budget =
        all.non_expert_bytes + all.kv_cache_bytes + all.workspace_bytes + all.expert_bytes_high / 2;
    let half = plan_budget(common::model_path(), budget, 0, true).unwrap();
    assert_eq!(half.device_bytes, budget);
    assert!(half.resident_fraction > 0.0 && half.resident_fraction < 1.0);
    assert!(half.hit_rate > 0.0 && half.hit_rate <= all.hit_rate);
    assert!(half.tokens_per_second > 0.0);
    assert!(half.tokens_per_second <= half.ideal_tokens_per_second * 1.0001);

    let error = plan_budget(common::model_path(), 1 << 20, 4096, true)
        .err()
        .unwrap();
    assert_eq!(error.code(), ErrorCode::Failed);
    assert!(!error.message().is_empty());
    let missing = plan_budget("/nonexistent/model.gguf", budget, 0, true)
        .err()
        .unwrap();
    assert_eq!(missing.code(), ErrorCode::NotFound);
}

#[test]
fn recording_gets_a_session_id() {
    let db = temp_root().join("profile.db");
    let mut session = common::engine()
        .create_session(common::model(), 128)
        .unwrap();
    let recording = Recording::start(&session, Some(&db)).unwrap();
    assert!(recording.session_id() > 0);
    let r = common::reference();
    session
        .generate(&r.prompt_tokens, &greedy(4), |_, _| true)
        .unwrap();
    recording.stop().unwrap();
    assert!(db.exists());

    let bad = db.join("sub").join("x.db"); // a folder inside a file
    let error = Recording::start(&session, Some(&bad)).err().unwrap();
    assert_eq!(error.code(), ErrorCode::Failed);
}

#[test]
fn live_feed_fires_during_generation() {
    temp_root();
    let n_layer = common::model().info().unwrap().n_layer as usize;
    let mut session = common::engine()
        .create_session(common::model(), 256)
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let with_layers = Arc::new(Mutex::new(None));
    let feed = {
        let calls = Arc::clone(&calls);
        let with_layers = Arc::clone(&with_layers);
        LiveFeed::start(&session, 0.01, move |s| {
            calls.fetch_add(1, Ordering::SeqCst);
            if s.decode_tokens > 0 && s.layer_hit_rates.len() == n_layer {
                *with_layers.lock().unwrap() = Some(s.clone());
            }
        })
        .unwrap()
    };
    let r = common::reference();
    session
        .generate(&r.prompt_tokens, &greedy(48), |_, _| true)
        .unwrap();
    let start = Instant::now();
    while with_layers.lock().unwrap().is_none() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(feed);
    let after_drop = calls.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        after_drop,
        "no call after drop"
    );
    let snapshot = with_layers
        .lock()
        .unwrap()
        .clone()
        .expect("a snapshot while decoding");
    assert!(snapshot.hit_rate >= 0.0 && snapshot.hit_rate <= 1.0);
    assert!(snapshot
        .layer_hit_rates
        .iter()
        .all(|&h| (0.0..=1.0).contains(&h)));

    let error = LiveFeed::start(&session, -1.0, |_| {}).err().unwrap();
    assert_eq!(error.code(), ErrorCode::InvalidArgument);
}
