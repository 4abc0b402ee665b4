//! The library writes a result struct no further than `struct_size` and
//! reports how far it wrote: offered more room than the struct needs, it
//! tells us the size of its own struct, which must be ours.
use super::*;
use std::mem::size_of;

#[repr(C)]
struct Roomy<T> {
    value: T,
    spare: [u8; 64],
}

fn roomy<T: ResultStruct>() -> Roomy<T> {
    let mut r = Roomy {
        value: T::empty(),
        spare: [0; 64],
    };
    // SAFETY: struct_size is the first field of every result struct, a u32.
    unsafe { *(&mut r.value as *mut T as *mut u32) = size_of::<Roomy<T>>() as u32 };
    r
}

fn written<T>(r: &Roomy<T>) -> usize {
    // SAFETY: as above.
    unsafe { *(&r.value as *const T as *const u32) as usize }
}

#[test]
fn result_structs_match_the_library() {
    unsafe {
        let mut engine = std::ptr::null_mut();
        assert_eq!(hoard_engine_create(std::ptr::null(), &mut engine), HOARD_OK);
        let conformance = crate::test_support::conformance_path("models/tiny-mixtral-f16.gguf");
        let path = std::ffi::CString::new(conformance.to_str().unwrap()).unwrap();
        let mut model = std::ptr::null_mut();
        assert_eq!(
            hoard_engine_load_model(engine, path.as_ptr(), std::ptr::null(), &mut model),
            HOARD_OK
        );

        let mut info = roomy::<hoard_model_info>();
        assert_eq!(hoard_model_get_info(model, &mut info.value), HOARD_OK);
        assert_eq!(written(&info), size_of::<hoard_model_info>());
        let mut usage = roomy::<hoard_format_usage>();
        assert_eq!(
            hoard_model_format_usage(model, 0, &mut usage.value),
            HOARD_OK
        );
        assert_eq!(written(&usage), size_of::<hoard_format_usage>());
        let mut plan = roomy::<hoard_memory_plan>();
        assert_eq!(hoard_model_plan_memory(model, 0, &mut plan.value), HOARD_OK);
        assert_eq!(written(&plan), size_of::<hoard_memory_plan>());

        let mut session = std::ptr::null_mut();
        assert_eq!(
            hoard_engine_create_session(engine, model, 64, &mut session),
            HOARD_OK
        );
        let mut stats = roomy::<hoard_generation_stats>();
        assert_eq!(
            hoard_session_last_stats(session, &mut stats.value),
            HOARD_OK
        );
        assert_eq!(written(&stats), size_of::<hoard_generation_stats>());
        let mut telemetry = roomy::<hoard_session_telemetry>();
        assert_eq!(
            hoard_session_telemetry_snapshot(session, &mut telemetry.value),
            HOARD_OK
        );
        assert_eq!(written(&telemetry), size_of::<hoard_session_telemetry>());
        assert_eq!(telemetry.value.context_size, 64);
        let mut counters = roomy::<hoard_offload_counters>();
        assert_eq!(
            hoard_model_offload_counters(model, &mut counters.value),
            HOARD_OK
        );
        assert_eq!(written(&counters), size_of::<hoard_offload_counters>());
        let mut plan = roomy::<hoard_offload_plan>();
        assert_eq!(
            hoard_plan_budget(path.as_ptr(), 1 << 40, 64, false, &mut plan.value),
            HOARD_OK
        );
        assert_eq!(written(&plan), size_of::<hoard_offload_plan>());

        assert_eq!(hoard_session_free(session), HOARD_OK);
        assert_eq!(hoard_model_free(model), HOARD_OK);
        assert_eq!(hoard_engine_free(engine), HOARD_OK);
    }
}

#[test]
fn parameter_defaults_land_in_the_right_fields() {
    unsafe {
        let mut p: hoard_generation_params = std::mem::zeroed();
        let size = size_of::<hoard_generation_params>() as u32;
        assert_eq!(hoard_generation_params_init(&mut p, size), HOARD_OK);
        assert_eq!(p.struct_size, size);
        assert_eq!(p.max_tokens, 512);
        assert_eq!(p.top_k, 40);
        assert!((p.top_p - 0.95).abs() < 1e-6 && (p.min_p - 0.05).abs() < 1e-6);
        assert!((p.temperature - 0.8).abs() < 1e-6 && (p.repeat_penalty - 1.1).abs() < 1e-6);
        assert_eq!(p.repeat_last_n, 64);
        assert_eq!(p.seed, 0xC0FFEE);
        assert_eq!(p.stop_at_end_of_generation, 1);
        assert_eq!(p.prefill_chunk, 256);

        let mut o: hoard_load_options = std::mem::zeroed();
        assert_eq!(
            hoard_load_options_init(&mut o, size_of::<hoard_load_options>() as u32),
            HOARD_OK
        );
        assert!(o.progress.is_none() && o.cancel.is_null());
        assert!(o.offload.is_null());
        assert_eq!(o.backend, HOARD_BACKEND_AUTO);
        let mut off: hoard_offload_options = std::mem::zeroed();
        let size = size_of::<hoard_offload_options>() as u32;
        assert_eq!(hoard_offload_options_init(&mut off, size), HOARD_OK);
        assert_eq!(off.struct_size, size);
        assert_eq!(
            (off.low_precision, off.cpu_fallback, off.prefetch),
            (1, 1, 1)
        );
        assert_eq!((off.allow_skip, off.device_bytes), (0, 0));
        assert!((off.t1 - 0.6).abs() < 1e-12 && (off.t2 - 0.9).abs() < 1e-12);
        assert!(off.policy.is_null());
        let mut e: hoard_engine_options = std::mem::zeroed();
        assert_eq!(
            hoard_engine_options_init(&mut e, size_of::<hoard_engine_options>() as u32),
            HOARD_OK
        );
        assert_eq!((e.struct_size, e.n_threads), (8, 0));
    }
}

/// The offset of a field, measured on an uninitialised value (no
/// `offset_of!` before Rust 1.77).
macro_rules! offset_of {
    ($type:ty, $field:ident) => {{
        let value = std::mem::MaybeUninit::<$type>::uninit();
        let base = value.as_ptr();
        // SAFETY: only the field's address is taken, nothing is read.
        let field = unsafe { std::ptr::addr_of!((*base).$field) };
        field as usize - base as usize
    }};
}

#[test]
fn load_options_grow_by_appending() {
    let pointer = size_of::<*const u8>();
    // Version 1 ends at the offload pointer, version 2 after it, and the
    // backend (version 3) follows.
    assert_eq!(offset_of!(hoard_load_options, offload), 8 + 3 * pointer);
    assert_eq!(
        offset_of!(hoard_load_options, backend),
        offset_of!(hoard_load_options, offload) + pointer
    );
    assert_eq!(
        size_of::<hoard_load_options>(),
        (offset_of!(hoard_load_options, backend) + 4 + pointer - 1) / pointer * pointer
    );
}

#[test]
fn the_library_reads_the_backend_where_we_write_it() {
    unsafe {
        let mut engine = std::ptr::null_mut();
        assert_eq!(hoard_engine_create(std::ptr::null(), &mut engine), HOARD_OK);
        let conformance = crate::test_support::conformance_path("models/tiny-mixtral-f16.gguf");
        let path = std::ffi::CString::new(conformance.to_str().unwrap()).unwrap();
        let mut o: hoard_load_options = std::mem::zeroed();
        let size = size_of::<hoard_load_options>() as u32;
        assert_eq!(hoard_load_options_init(&mut o, size), HOARD_OK);

        let mut model = std::ptr::null_mut();
        o.backend = 7;
        assert_eq!(
            hoard_engine_load_model(engine, path.as_ptr(), &o, &mut model),
            HOARD_ERROR_INVALID_ARGUMENT
        );
        assert!(model.is_null());
        let message = std::ffi::CStr::from_ptr(hoard_last_error()).to_string_lossy();
        assert!(message.contains("options->backend is 7"), "{message}");

        o.backend = HOARD_BACKEND_CPU;
        assert_eq!(
            hoard_engine_load_model(engine, path.as_ptr(), &o, &mut model),
            HOARD_OK
        );
        let mut backend = HOARD_BACKEND_AUTO;
        assert_eq!(hoard_model_backend(model, &mut backend), HOARD_OK);
        assert_eq!(backend, HOARD_BACKEND_CPU);
        assert_eq!(hoard_model_free(model), HOARD_OK);
        assert_eq!(hoard_engine_free(engine), HOARD_OK);
    }
}
