//! Misuse answered with errors, not crashes: NULL and freed handles (through
//! the raw API, as the safe one cannot express them), invalid UTF-8, bad
//! arguments, cancellation from other threads, and panics in closures.
mod common;

use common::{conformance_path, engine, model, model_path, reference};
use hoard::{sys, CancelToken, Engine, ErrorCode, GenerationParams, Model, Session, StopReason};
use std::ffi::CStr;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn last_error() -> String {
    unsafe { CStr::from_ptr(sys::hoard_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Waits for `flag`, giving up after a while (a test must not hang).
fn wait_for(flag: &AtomicBool) -> bool {
    let start = Instant::now();
    while !flag.load(Ordering::SeqCst) {
        if start.elapsed() > Duration::from_secs(30) {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

#[test]
fn handles_are_send_and_sync_where_the_header_allows() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Engine>();
    send_sync::<Model>();
    send_sync::<Session>();
    send_sync::<CancelToken>();
    send_sync::<hoard::SessionMonitor>();
}

#[test]
fn null_handles_are_errors() {
    unsafe {
        let mut info = <sys::hoard_model_info as sys::ResultStruct>::empty();
        assert_eq!(
            sys::hoard_model_get_info(ptr::null(), &mut info),
            sys::HOARD_ERROR_INVALID_HANDLE
        );
        assert!(last_error().contains("NULL"), "{}", last_error());
        assert_eq!(
            sys::hoard_session_cancel(ptr::null_mut()),
            sys::HOARD_ERROR_INVALID_HANDLE
        );
        let mut model = ptr::null_mut();
        let path = std::ffi::CString::new("/nonexistent.gguf").unwrap();
        assert_eq!(
            sys::hoard_engine_load_model(ptr::null_mut(), path.as_ptr(), ptr::null(), &mut model),
            sys::HOARD_ERROR_INVALID_HANDLE
        );
        assert!(model.is_null());
        assert_eq!(sys::hoard_engine_free(ptr::null_mut()), sys::HOARD_OK); // freeing NULL is allowed
    }
}

#[test]
fn freed_handles_are_errors() {
    unsafe {
        let mut token = ptr::null_mut();
        assert_eq!(sys::hoard_cancel_token_create(&mut token), sys::HOARD_OK);
        assert_eq!(sys::hoard_cancel_token_free(token), sys::HOARD_OK);
        assert_eq!(
            sys::hoard_cancel_token_free(token),
            sys::HOARD_ERROR_INVALID_HANDLE
        );
        assert!(last_error().contains("already freed"), "{}", last_error());
        assert_eq!(
            sys::hoard_cancel_token_cancel(token),
            sys::HOARD_ERROR_INVALID_HANDLE
        );

        let mut engine = ptr::null_mut();
        assert_eq!(
            sys::hoard_engine_create(ptr::null(), &mut engine),
            sys::HOARD_OK
        );
        assert_eq!(sys::hoard_engine_free(engine), sys::HOARD_OK);
        let mut n = 0;
        assert_eq!(
            sys::hoard_engine_n_threads(engine, &mut n),
            sys::HOARD_ERROR_INVALID_HANDLE
        );
        // A handle of the wrong kind.
        let mut other = ptr::null_mut();
        assert_eq!(sys::hoard_cancel_token_create(&mut other), sys::HOARD_OK);
        assert_eq!(
            sys::hoard_engine_n_threads(other as *const sys::hoard_engine, &mut n),
            sys::HOARD_ERROR_INVALID_HANDLE
        );
        assert!(
            last_error().contains("cancel token handle"),
            "{}",
            last_error()
        );
        sys::hoard_cancel_token_free(other);
    }
}

#[test]
fn a_monitor_outliving_its_session_is_an_error() {
    let session = engine().create_session(model(), 32).unwrap();
    let monitor = session.monitor();
    monitor.cancel().unwrap(); // idle: nothing to do
    assert_eq!(monitor.telemetry().unwrap().context_size, 32);
    drop(session);
    assert_eq!(
        monitor.cancel().unwrap_err().code(),
        ErrorCode::InvalidHandle
    );
    assert_eq!(
        monitor.telemetry().unwrap_err().code(),
        ErrorCode::InvalidHandle
    );
}

#[test]
fn invalid_utf8_is_rejected() {
    for bytes in [
        &b"\xff"[..],
        b"a\x80",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xe2\x82",
    ] {
        let error = model().tokenize_bytes(bytes, false, false).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidUtf8, "{bytes:?}: {error}");
        assert!(error.message().contains("UTF-8"));
    }
    assert!(model()
        .tokenize_bytes("€ 😀".as_bytes(), false, false)
        .is_ok());
}

#[test]
fn loading_errors_say_what_is_wrong() {
    let missing = engine()
        .load_model("/nonexistent/model.gguf")
        .err()
        .unwrap();
    assert_eq!(missing.code(), ErrorCode::NotFound);
    assert!(missing.message().contains("/nonexistent/model.gguf"));
    let not_a_model = engine()
        .load_model(conformance_path("models/p1.txt"))
        .err()
        .unwrap();
    assert_eq!(not_a_model.code(), ErrorCode::BadModel);
    let nul = engine().load_model("bad\0path").err().unwrap();
    assert_eq!(nul.code(), ErrorCode::InvalidArgument);
}

#[test]
fn bad_generation_arguments_are_errors() {
    let mut session = engine().create_session(model(), 8).unwrap();
    let params = GenerationParams {
        max_tokens: 2,
        ..GenerationParams::greedy()
    };
    let nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    let code = |s: &mut Session, prompt: &[i32], p: &GenerationParams| {
        s.generate(prompt, p, |_, _| true).unwrap_err().code()
    };
    assert_eq!(code(&mut session, &nine, &params), ErrorCode::ContextFull);
    assert_eq!(code(&mut session, &[], &params), ErrorCode::InvalidArgument);
    assert_eq!(
        code(&mut session, &[1, 32000], &params),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(&mut session, &[1, -1], &params),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(
            &mut session,
            &[1],
            &GenerationParams {
                temperature: f32::NAN,
                ..params
            }
        ),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(
            &mut session,
            &[1],
            &GenerationParams {
                top_p: 2.0,
                ..params
            }
        ),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        model().detokenize(&[5, 99999]).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        model().evaluate(&[]).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        model().plan_memory(u64::MAX).unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        engine()
            .create_session(model(), 1 << 20)
            .err()
            .unwrap()
            .code(),
        ErrorCode::InvalidArgument
    );
    // The session still works after all that.
    let stats = session.generate(&[1, 2], &params, |_, _| true).unwrap();
    assert_eq!(stats.generated_tokens, 2);
}

/// Generates on this thread while `watch` runs on another: the token closure
/// signals the first token, then holds generation until `watch` is done, so
/// the outcome does not depend on timing. Returns the stats and what `watch`
/// returned.
fn generate_while<T: Send + 'static>(
    session: &mut Session,
    params: &GenerationParams,
    watch: impl FnOnce(hoard::SessionMonitor) -> T + Send + 'static,
) -> (hoard::Result<hoard::GenerationStats>, T) {
    let monitor = session.monitor();
    let first_token = Arc::new(AtomicBool::new(false));
    let watched = Arc::new(AtomicBool::new(false));
    let thread = {
        let (first_token, watched) = (first_token.clone(), watched.clone());
        std::thread::spawn(move || {
            assert!(wait_for(&first_token), "no token came");
            let result = watch(monitor);
            watched.store(true, Ordering::SeqCst);
            result
        })
    };
    let mut tokens = 0;
    let stats = session.generate(&[1, 2, 3], params, |token, _| {
        if token.is_some() {
            tokens += 1;
            if tokens == 1 {
                first_token.store(true, Ordering::SeqCst);
                wait_for(&watched);
            }
        }
        true
    });
    (stats, thread.join().unwrap())
}

#[test]
fn generation_is_cancelled_from_another_thread() {
    let mut session = engine().create_session(model(), 4096).unwrap();
    let params = GenerationParams {
        max_tokens: -1,
        stop_at_end_of_generation: false,
        ..Default::default()
    };
    let (stats, cancel) = generate_while(&mut session, &params, |monitor| monitor.cancel());
    cancel.unwrap();
    let stats = stats.unwrap();
    assert_eq!(stats.stop_reason, StopReason::Cancelled);
    assert!(stats.generated_tokens < 10);
    // A later call is not cancelled.
    let stats = session
        .generate(
            &[1, 2, 3],
            &GenerationParams {
                max_tokens: 2,
                ..params
            },
            |_, _| true,
        )
        .unwrap();
    assert_eq!(stats.stop_reason, StopReason::MaxTokens);
}

#[test]
fn telemetry_is_read_from_another_thread_while_generating() {
    let mut session = engine().create_session(model(), 256).unwrap();
    let params = GenerationParams {
        max_tokens: 6,
        stop_at_end_of_generation: false,
        ..GenerationParams::greedy()
    };
    let (stats, telemetry) = generate_while(&mut session, &params, |monitor| monitor.telemetry());
    let telemetry = telemetry.unwrap();
    assert!(telemetry.generating);
    assert_eq!(telemetry.current_tokens, 1);
    assert_eq!(telemetry.calls, 0);
    assert_eq!(stats.unwrap().generated_tokens, 6);
    let after = session.telemetry().unwrap();
    assert!(!after.generating);
    assert_eq!(
        (
            after.calls,
            after.current_tokens,
            after.total_generated_tokens
        ),
        (1, 6, 6)
    );
}

#[test]
fn the_token_closure_can_cancel_its_own_session() {
    let mut session = engine().create_session(model(), 128).unwrap();
    let monitor = session.monitor();
    let params = GenerationParams {
        max_tokens: 50,
        stop_at_end_of_generation: false,
        ..GenerationParams::greedy()
    };
    let stats = session
        .generate(&[1, 2], &params, |_, _| {
            monitor.cancel().unwrap();
            true
        })
        .unwrap();
    assert_eq!(stats.stop_reason, StopReason::Cancelled);
    assert_eq!(stats.generated_tokens, 1);
}

#[test]
fn loading_is_cancelled_from_another_thread() {
    let token = Arc::new(CancelToken::new().unwrap());
    assert!(!token.is_cancelled());
    let mut calls = 0;
    let result = engine().load_model_with(model_path(), Some(&token), |_, _| {
        calls += 1;
        if calls == 1 {
            let token = token.clone();
            std::thread::spawn(move || token.cancel()).join().unwrap();
        }
        true
    });
    let error = result.err().expect("the load is cancelled");
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert!(error.message().contains("cancelled"));
    assert!(token.is_cancelled());
    // Still raised: the next load stops at once; lowered, it goes through.
    assert_eq!(
        engine()
            .load_model_with(model_path(), Some(&token), |_, _| true)
            .err()
            .unwrap()
            .code(),
        ErrorCode::Cancelled
    );
    token.reset();
    assert!(engine()
        .load_model_with(model_path(), Some(&token), |_, _| true)
        .is_ok());
}

#[test]
fn loading_is_cancelled_by_the_progress_closure() {
    let mut calls = 0;
    let result = engine().load_model_with(model_path(), None, |_, _| {
        calls += 1;
        calls < 2
    });
    assert_eq!(result.err().unwrap().code(), ErrorCode::Cancelled);
    assert_eq!(calls, 2);
}

#[test]
fn a_panic_in_the_token_closure_reaches_the_caller() {
    let mut session = engine().create_session(model(), 128).unwrap();
    let params = GenerationParams {
        max_tokens: 20,
        stop_at_end_of_generation: false,
        ..GenerationParams::greedy()
    };
    let mut calls = 0;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        session.generate(&[1, 2], &params, |_, _| {
            calls += 1;
            if calls == 2 {
                panic!("closure failed");
            }
            true
        })
    }));
    let payload = outcome.expect_err("the panic is resumed");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"closure failed"));
    assert_eq!(calls, 2, "no call after the panic");
    // The session is still usable.
    let stats = session
        .generate(
            &[1, 2],
            &GenerationParams {
                max_tokens: 3,
                ..params
            },
            |_, _| true,
        )
        .unwrap();
    assert_eq!(stats.generated_tokens, 3);
}

#[test]
fn a_panic_in_the_progress_closure_cancels_the_load() {
    let mut calls = 0;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        engine().load_model_with(model_path(), None, |_, _| {
            calls += 1;
            panic!("progress failed")
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(calls, 1);
}

#[test]
fn a_model_is_shared_between_threads() {
    let r = reference();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| model().tokenize(&r.prompt_text, true, false).unwrap()))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), r.prompt_tokens);
        }
    });
}
