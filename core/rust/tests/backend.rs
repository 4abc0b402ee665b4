//! Choosing the compute backend: the CPU reproduces the reference, CUDA loads
//! where a GPU runs the model and is a clear error elsewhere.
mod common;

use common::{engine, model, model_path, reference};
use hoard::{Backend, ErrorCode, GenerationParams, LoadOptions};

fn with_backend(backend: Backend) -> LoadOptions {
    LoadOptions {
        backend,
        ..LoadOptions::default()
    }
}

#[test]
fn the_default_backend_is_auto() {
    assert_eq!(Backend::default(), Backend::Auto);
    assert_eq!(LoadOptions::default().backend, Backend::Auto);
    assert_eq!(LoadOptions::default().offload, None);
    let backend = model().backend().unwrap();
    assert!(backend == Backend::Cpu || backend == Backend::Cuda);
    assert!(!model().backend_description().unwrap().is_empty());
}

#[test]
fn the_cpu_backend_loads_and_generates_the_reference() {
    let r = reference();
    let m = engine()
        .load_model_with_options(model_path(), &with_backend(Backend::Cpu))
        .unwrap();
    assert_eq!(m.backend().unwrap(), Backend::Cpu);
    assert!(m.backend_description().unwrap().starts_with("CPU"));
    let mut session = engine().create_session(&m, 256).unwrap();
    let params = GenerationParams {
        max_tokens: r.greedy_tokens.len() as i32,
        stop_at_end_of_generation: false,
        ..GenerationParams::greedy()
    };
    let mut tokens = Vec::new();
    let mut text = String::new();
    session
        .generate(&r.prompt_tokens, &params, |token, piece| {
            tokens.extend(token);
            text.push_str(piece);
            true
        })
        .unwrap();
    assert_eq!(tokens, r.greedy_tokens);
    assert_eq!(text, r.greedy_text);
}

#[test]
fn the_cuda_backend_loads_on_a_gpu_or_says_why_not() {
    let gpu = model().backend().unwrap() == Backend::Cuda;
    let result = engine().load_model_with_options(model_path(), &with_backend(Backend::Cuda));
    if gpu {
        let m = result.expect("Auto found a GPU, so Cuda loads there");
        assert_eq!(m.backend().unwrap(), Backend::Cuda);
    } else {
        let error = result.err().expect("no usable GPU: Cuda is an error");
        assert_eq!(error.code(), ErrorCode::Failed);
        assert!(error.message().contains("CUDA"), "{}", error.message());
    }
}

#[test]
fn progress_and_cancel_work_with_options() {
    let mut calls = 0;
    let m = engine()
        .load_model_with_options_and_progress(
            model_path(),
            &with_backend(Backend::Cpu),
            None,
            |_, _| {
                calls += 1;
                true
            },
        )
        .unwrap();
    assert!(calls >= 2);
    assert_eq!(m.backend().unwrap(), Backend::Cpu);
}
