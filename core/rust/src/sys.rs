//! Raw declarations of the C ABI in `core/include/hoard/hoard.h`, one for one.
//!
//! Everything here is `unsafe` to call and follows the header's rules on
//! ownership and threads; the rest of the crate wraps it safely. Keep this file
//! in step with the header: structs are `#[repr(C)]` copies, field for field.
#![allow(non_camel_case_types)]

use std::ffi::c_void;
use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::c_char;

/// The ABI version this crate was written against (`HOARD_ABI_VERSION`).
pub const HOARD_ABI_VERSION: u32 = 1;
/// As a text length: the text ends at its first NUL byte.
pub const HOARD_NUL_TERMINATED: usize = usize::MAX;
pub const HOARD_MAX_PLAN_CONTEXT: u64 = 1 << 24;

pub type hoard_status = i32;
pub const HOARD_OK: hoard_status = 0;
pub const HOARD_ERROR_INVALID_ARGUMENT: hoard_status = 1;
pub const HOARD_ERROR_INVALID_HANDLE: hoard_status = 2;
pub const HOARD_ERROR_INVALID_UTF8: hoard_status = 3;
pub const HOARD_ERROR_NOT_FOUND: hoard_status = 4;
pub const HOARD_ERROR_BAD_MODEL: hoard_status = 5;
pub const HOARD_ERROR_CANCELLED: hoard_status = 6;
pub const HOARD_ERROR_BUSY: hoard_status = 7;
pub const HOARD_ERROR_CONTEXT_FULL: hoard_status = 8;
pub const HOARD_ERROR_FAILED: hoard_status = 9;
pub const HOARD_ERROR_OUT_OF_MEMORY: hoard_status = 10;
pub const HOARD_ERROR_INTERNAL: hoard_status = 11;

pub type hoard_backend = u32;
pub const HOARD_BACKEND_AUTO: hoard_backend = 0;
pub const HOARD_BACKEND_CPU: hoard_backend = 1;
pub const HOARD_BACKEND_CUDA: hoard_backend = 2;

pub type hoard_stop_reason = i32;
pub const HOARD_STOP_NONE: hoard_stop_reason = 0;
pub const HOARD_STOP_END_OF_GENERATION: hoard_stop_reason = 1;
pub const HOARD_STOP_MAX_TOKENS: hoard_stop_reason = 2;
pub const HOARD_STOP_CANCELLED: hoard_stop_reason = 3;
pub const HOARD_STOP_CONTEXT_FULL: hoard_stop_reason = 4;
pub const HOARD_STOP_CALLBACK: hoard_stop_reason = 5;

// Opaque handles: never dereferenced on either side of the ABI.
macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _not_send_sync_unpin: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}
opaque!(
    hoard_engine,
    hoard_model,
    hoard_session,
    hoard_cancel_token,
    hoard_recording,
    hoard_live_feed
);

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_engine_options {
    pub struct_size: u32,
    pub n_threads: u32,
}

pub type hoard_progress_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, fraction: f64, stage: *const c_char) -> bool,
>;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_load_options {
    pub struct_size: u32,
    pub reserved: u32,
    pub progress: hoard_progress_fn,
    pub progress_user_data: *mut c_void,
    pub cancel: *mut hoard_cancel_token,
    /// Version 2 of the struct: NULL, or the offload settings.
    pub offload: *const hoard_offload_options,
    /// Version 3: a `HOARD_BACKEND_*` value.
    pub backend: hoard_backend,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_model_info {
    pub struct_size: u32,
    pub has_chat_template: i32,
    pub path: *const c_char,
    pub architecture: *const c_char,
    pub name: *const c_char,
    pub n_layer: u64,
    pub n_embd: u64,
    pub n_head: u64,
    pub n_head_kv: u64,
    pub head_dim: u64,
    pub n_ff: u64,
    pub n_expert: u64,
    pub n_expert_used: u64,
    pub n_ff_expert: u64,
    pub n_vocab: u64,
    pub n_ctx_train: u64,
    pub default_context: u64,
    pub parameters_total: u64,
    pub parameters_active: u64,
    pub parameters_expert: u64,
    pub bytes_non_expert: u64,
    pub bytes_expert: u64,
    pub bytes_token_embedding: u64,
    pub file_bytes: u64,
    pub n_formats: u64,
    pub bos_token: i32,
    pub eos_token: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_format_usage {
    pub struct_size: u32,
    pub reserved: u32,
    pub format: *const c_char,
    pub tensors: u64,
    pub parameters: u64,
    pub bytes: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_memory_plan {
    pub struct_size: u32,
    pub reserved: u32,
    pub n_ctx: u64,
    pub weight_bytes: u64,
    pub non_expert_bytes: u64,
    pub expert_bytes: u64,
    pub kv_cache_bytes: u64,
    pub kv_bytes_per_token: u64,
    pub total_bytes: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_chat_message {
    pub role: *const c_char,
    pub role_len: usize,
    pub content: *const c_char,
    pub content_len: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_generation_params {
    pub struct_size: u32,
    pub max_tokens: i32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub repeat_penalty: f32,
    pub repeat_last_n: i32,
    pub seed: u64,
    pub stop_at_end_of_generation: i32,
    pub prefill_chunk: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_generation_stats {
    pub struct_size: u32,
    pub stop_reason: hoard_stop_reason,
    pub prompt_tokens: u64,
    pub reused_tokens: u64,
    pub generated_tokens: u64,
    pub prefill_seconds: f64,
    pub first_token_seconds: f64,
    pub decode_seconds: f64,
    pub prefill_tokens_per_second: f64,
    pub decode_tokens_per_second: f64,
}

pub type hoard_token_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        token: i32,
        text: *const c_char,
        text_len: usize,
    ) -> bool,
>;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_session_telemetry {
    pub struct_size: u32,
    pub generating: i32,
    pub context_size: u64,
    pub cached_tokens: u64,
    pub calls: u64,
    pub current_tokens: u64,
    pub current_seconds: f64,
    pub total_prompt_tokens: u64,
    pub total_generated_tokens: u64,
    pub total_prefill_seconds: f64,
    pub total_decode_seconds: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_offload_options {
    pub struct_size: u32,
    pub low_precision: i32,
    pub device_bytes: u64,
    pub host_bytes: u64,
    pub n_ctx: u64,
    pub policy: *const c_char,
    pub t1: f64,
    pub t2: f64,
    pub cpu_fallback: i32,
    pub prefetch: i32,
    pub allow_skip: i32,
    pub reserved: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_offload_counters {
    pub struct_size: u32,
    pub offloaded: i32,
    pub hits_high: u64,
    pub hits_low: u64,
    pub loads_high: u64,
    pub loads_low: u64,
    pub cpu: u64,
    pub skip: u64,
    pub hit_rate: f64,
    pub bytes_host_to_device: u64,
    pub bytes_storage_to_host: u64,
    pub transfers: u64,
    pub evictions: u64,
    pub prefetch_issued: u64,
    pub prefetch_used: u64,
    pub decode_tokens: u64,
    pub prefill_tokens: u64,
    pub decode_seconds: f64,
    pub prefill_seconds: f64,
    pub stall_seconds: f64,
    pub device_capacity: u64,
    pub device_used: u64,
    pub device_peak: u64,
    pub host_capacity: u64,
    pub host_used: u64,
    pub host_peak: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_offload_plan {
    pub struct_size: u32,
    pub n_layer: u32,
    pub n_expert: u32,
    pub n_expert_used: u32,
    pub device_bytes: u64,
    pub non_expert_bytes: u64,
    pub kv_cache_bytes: u64,
    pub n_ctx: u64,
    pub workspace_bytes: u64,
    pub expert_area_bytes: u64,
    pub expert_bytes_high: u64,
    pub expert_bytes_low: u64,
    pub high_slots: f64,
    pub low_slots: f64,
    pub resident_fraction: f64,
    pub high_format: [c_char; 16],
    pub low_format: [c_char; 16],
    pub hit_rate: f64,
    pub tokens_per_second: f64,
    pub ideal_tokens_per_second: f64,
    pub stall_seconds_per_token: f64,
    pub bytes_to_device_per_token: u64,
    pub trace_tokens: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hoard_live_snapshot {
    pub struct_size: u32,
    pub n_layers: u32,
    pub sequence: u64,
    pub tokens_per_second: f64,
    pub prefill_tokens_per_second: f64,
    pub hit_rate: f64,
    pub high_fraction: f64,
    pub low_fraction: f64,
    pub cpu_fraction: f64,
    pub skip_fraction: f64,
    pub host_to_device_bytes_per_second: f64,
    pub storage_to_host_bytes_per_second: f64,
    pub decode_tokens: u64,
    pub prefill_tokens: u64,
    pub total_generated_tokens: u64,
    pub session_hit_rate: f64,
    pub layer_hit_rates: *const f64,
}

pub type hoard_live_snapshot_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, snapshot: *const hoard_live_snapshot)>;

/// A result struct ready to be filled: zeroed, with `struct_size` set.
pub trait ResultStruct: Sized {
    fn empty() -> Self;
}
macro_rules! result_struct {
    ($($name:ident),*) => {$(
        impl ResultStruct for $name {
            fn empty() -> Self {
                // SAFETY: every field is an integer, a float or a raw pointer,
                // for which all-zero bytes are a valid value.
                let mut value: Self = unsafe { std::mem::zeroed() };
                value.struct_size = std::mem::size_of::<Self>() as u32;
                value
            }
        }
    )*};
}
result_struct!(
    hoard_model_info,
    hoard_format_usage,
    hoard_memory_plan,
    hoard_generation_stats,
    hoard_session_telemetry,
    hoard_offload_counters,
    hoard_offload_plan
);

extern "C" {
    pub fn hoard_last_error() -> *const c_char;
    pub fn hoard_last_error_code() -> hoard_status;
    pub fn hoard_status_name(status: hoard_status) -> *const c_char;
    pub fn hoard_version() -> *const c_char;
    pub fn hoard_abi_version() -> u32;
    pub fn hoard_free(memory: *mut c_void);

    pub fn hoard_cancel_token_create(out_token: *mut *mut hoard_cancel_token) -> hoard_status;
    pub fn hoard_cancel_token_free(token: *mut hoard_cancel_token) -> hoard_status;
    pub fn hoard_cancel_token_cancel(token: *mut hoard_cancel_token) -> hoard_status;
    pub fn hoard_cancel_token_reset(token: *mut hoard_cancel_token) -> hoard_status;
    pub fn hoard_cancel_token_is_cancelled(
        token: *const hoard_cancel_token,
        out_cancelled: *mut bool,
    ) -> hoard_status;

    pub fn hoard_engine_options_init(
        options: *mut hoard_engine_options,
        struct_size: u32,
    ) -> hoard_status;
    pub fn hoard_engine_create(
        options: *const hoard_engine_options,
        out_engine: *mut *mut hoard_engine,
    ) -> hoard_status;
    pub fn hoard_engine_free(engine: *mut hoard_engine) -> hoard_status;
    pub fn hoard_engine_n_threads(
        engine: *const hoard_engine,
        out_n_threads: *mut u32,
    ) -> hoard_status;

    pub fn hoard_load_options_init(
        options: *mut hoard_load_options,
        struct_size: u32,
    ) -> hoard_status;
    pub fn hoard_engine_load_model(
        engine: *mut hoard_engine,
        path: *const c_char,
        options: *const hoard_load_options,
        out_model: *mut *mut hoard_model,
    ) -> hoard_status;
    pub fn hoard_model_free(model: *mut hoard_model) -> hoard_status;

    pub fn hoard_model_get_info(
        model: *const hoard_model,
        out_info: *mut hoard_model_info,
    ) -> hoard_status;
    pub fn hoard_model_backend(
        model: *const hoard_model,
        out_backend: *mut hoard_backend,
    ) -> hoard_status;
    pub fn hoard_model_backend_description(
        model: *const hoard_model,
        out_text: *mut *mut c_char,
        out_len: *mut usize,
    ) -> hoard_status;
    pub fn hoard_model_format_usage(
        model: *const hoard_model,
        index: usize,
        out_usage: *mut hoard_format_usage,
    ) -> hoard_status;
    pub fn hoard_model_plan_memory(
        model: *const hoard_model,
        n_ctx: u64,
        out_plan: *mut hoard_memory_plan,
    ) -> hoard_status;

    pub fn hoard_model_tokenize(
        model: *const hoard_model,
        text: *const c_char,
        text_len: usize,
        add_special: bool,
        parse_special: bool,
        out_tokens: *mut *mut i32,
        out_n_tokens: *mut usize,
    ) -> hoard_status;
    pub fn hoard_model_detokenize(
        model: *const hoard_model,
        tokens: *const i32,
        n_tokens: usize,
        out_text: *mut *mut c_char,
        out_len: *mut usize,
    ) -> hoard_status;
    pub fn hoard_model_token_text(
        model: *const hoard_model,
        token: i32,
        out_text: *mut *mut c_char,
        out_len: *mut usize,
    ) -> hoard_status;
    pub fn hoard_model_chat_template(
        model: *const hoard_model,
        out_text: *mut *mut c_char,
        out_len: *mut usize,
    ) -> hoard_status;
    pub fn hoard_model_render_chat(
        model: *const hoard_model,
        messages: *const hoard_chat_message,
        n_messages: usize,
        add_generation_prompt: bool,
        out_text: *mut *mut c_char,
        out_len: *mut usize,
    ) -> hoard_status;
    pub fn hoard_model_evaluate(
        model: *const hoard_model,
        tokens: *const i32,
        n_tokens: usize,
        out_logits: *mut *mut f32,
        out_n_logits: *mut usize,
    ) -> hoard_status;

    pub fn hoard_engine_create_session(
        engine: *mut hoard_engine,
        model: *const hoard_model,
        n_ctx: u64,
        out_session: *mut *mut hoard_session,
    ) -> hoard_status;
    pub fn hoard_session_free(session: *mut hoard_session) -> hoard_status;
    pub fn hoard_session_context_size(
        session: *const hoard_session,
        out_n_ctx: *mut u64,
    ) -> hoard_status;
    pub fn hoard_session_reset(session: *mut hoard_session) -> hoard_status;
    pub fn hoard_session_cancel(session: *mut hoard_session) -> hoard_status;

    pub fn hoard_generation_params_init(
        params: *mut hoard_generation_params,
        struct_size: u32,
    ) -> hoard_status;
    pub fn hoard_generation_params_init_greedy(
        params: *mut hoard_generation_params,
        struct_size: u32,
    ) -> hoard_status;
    pub fn hoard_stop_reason_name(reason: hoard_stop_reason) -> *const c_char;

    pub fn hoard_session_generate(
        session: *mut hoard_session,
        prompt: *const i32,
        n_prompt: usize,
        params: *const hoard_generation_params,
        on_token: hoard_token_fn,
        user_data: *mut c_void,
        out_stats: *mut hoard_generation_stats,
    ) -> hoard_status;
    pub fn hoard_session_chat(
        session: *mut hoard_session,
        messages: *const hoard_chat_message,
        n_messages: usize,
        params: *const hoard_generation_params,
        on_token: hoard_token_fn,
        user_data: *mut c_void,
        out_stats: *mut hoard_generation_stats,
    ) -> hoard_status;
    pub fn hoard_session_last_stats(
        session: *const hoard_session,
        out_stats: *mut hoard_generation_stats,
    ) -> hoard_status;
    pub fn hoard_session_telemetry_snapshot(
        session: *const hoard_session,
        out_telemetry: *mut hoard_session_telemetry,
    ) -> hoard_status;

    pub fn hoard_offload_options_init(
        options: *mut hoard_offload_options,
        struct_size: u32,
    ) -> hoard_status;
    pub fn hoard_model_offload_counters(
        model: *const hoard_model,
        out_counters: *mut hoard_offload_counters,
    ) -> hoard_status;
    pub fn hoard_plan_budget(
        model_path: *const c_char,
        device_bytes: u64,
        n_ctx: u64,
        low_precision: bool,
        out_plan: *mut hoard_offload_plan,
    ) -> hoard_status;

    pub fn hoard_recording_start(
        session: *mut hoard_session,
        db_path: *const c_char,
        out_recording: *mut *mut hoard_recording,
    ) -> hoard_status;
    pub fn hoard_recording_session_id(
        recording: *const hoard_recording,
        out_session_id: *mut i64,
    ) -> hoard_status;
    pub fn hoard_recording_stop_free(recording: *mut hoard_recording) -> hoard_status;
    pub fn hoard_live_feed_start(
        session: *mut hoard_session,
        interval_seconds: f64,
        on_snapshot: hoard_live_snapshot_fn,
        user_data: *mut c_void,
        out_feed: *mut *mut hoard_live_feed,
    ) -> hoard_status;
    pub fn hoard_live_feed_free(feed: *mut hoard_live_feed) -> hoard_status;
}

#[cfg(test)]
mod layout_tests;
