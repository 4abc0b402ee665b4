//! Offloading experts: the settings a model is loaded with, the counters of
//! an offloaded model, and budget planning for a model file.
use crate::engine::{init_struct, path_to_cstring};
use crate::error::{check, Error, ErrorCode, Result};
use crate::model::Model;
use crate::sys;
use std::ffi::CString;
use std::path::Path;

/// How a model's experts are offloaded ([`crate::Engine::load_model_offloaded`],
/// [`crate::LoadOptions::offload`]).
/// `OffloadOptions::new(device_bytes)` gives the library's defaults.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct OffloadOptions {
    /// All the device may hold: weights outside the experts, the KV cache,
    /// cached experts. Required.
    pub device_bytes: u64,
    /// Expert copies in host memory; 0: no limit.
    pub host_bytes: u64,
    /// KV cache planned on the device; 0: the model's default context.
    pub n_ctx: u64,
    /// Expert cache policy: "lru", "lfu" or "multi".
    pub policy: String,
    /// Low-precision copies for less important experts.
    pub low_precision: bool,
    /// Gate weight thresholds for low precision.
    pub t1: f64,
    pub t2: f64,
    /// Compute an expert on the CPU when that beats loading it.
    pub cpu_fallback: bool,
    /// Load later layers' experts ahead.
    pub prefetch: bool,
    /// Drop negligible experts.
    pub allow_skip: bool,
}

impl OffloadOptions {
    /// The library's defaults with a device budget of `device_bytes`.
    pub fn new(device_bytes: u64) -> Result<OffloadOptions> {
        let c = init_struct(sys::hoard_offload_options_init)?;
        Ok(OffloadOptions {
            device_bytes,
            host_bytes: c.host_bytes,
            n_ctx: c.n_ctx,
            policy: "lru".to_string(),
            low_precision: c.low_precision != 0,
            t1: c.t1,
            t2: c.t2,
            cpu_fallback: c.cpu_fallback != 0,
            prefetch: c.prefetch != 0,
            allow_skip: c.allow_skip != 0,
        })
    }

    /// The C struct and the policy text it points to (keep both alive).
    pub(crate) fn to_c(&self) -> Result<(sys::hoard_offload_options, CString)> {
        let policy = CString::new(self.policy.as_str())
            .map_err(|_| Error::new(ErrorCode::InvalidArgument, "the policy holds a NUL byte"))?;
        let mut c = init_struct(sys::hoard_offload_options_init)?;
        c.device_bytes = self.device_bytes;
        c.host_bytes = self.host_bytes;
        c.n_ctx = self.n_ctx;
        c.policy = policy.as_ptr();
        c.low_precision = self.low_precision as i32;
        c.t1 = self.t1;
        c.t2 = self.t2;
        c.cpu_fallback = self.cpu_fallback as i32;
        c.prefetch = self.prefetch as i32;
        c.allow_skip = self.allow_skip as i32;
        Ok((c, policy))
    }
}

/// Everything the offload engine did since the model was loaded.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct OffloadCounters {
    /// False for a model loaded without offloading (then all is zero).
    pub offloaded: bool,
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

impl Model {
    /// The offload engine's counters (any thread).
    pub fn offload_counters(&self) -> Result<OffloadCounters> {
        let mut c = <sys::hoard_offload_counters as sys::ResultStruct>::empty();
        // SAFETY: a live handle and a result struct with its size set.
        check(unsafe { sys::hoard_model_offload_counters(self.raw(), &mut c) })?;
        Ok(OffloadCounters {
            offloaded: c.offloaded != 0,
            hits_high: c.hits_high,
            hits_low: c.hits_low,
            loads_high: c.loads_high,
            loads_low: c.loads_low,
            cpu: c.cpu,
            skip: c.skip,
            hit_rate: c.hit_rate,
            bytes_host_to_device: c.bytes_host_to_device,
            bytes_storage_to_host: c.bytes_storage_to_host,
            transfers: c.transfers,
            evictions: c.evictions,
            prefetch_issued: c.prefetch_issued,
            prefetch_used: c.prefetch_used,
            decode_tokens: c.decode_tokens,
            prefill_tokens: c.prefill_tokens,
            decode_seconds: c.decode_seconds,
            prefill_seconds: c.prefill_seconds,
            stall_seconds: c.stall_seconds,
            device_capacity: c.device_capacity,
            device_used: c.device_used,
            device_peak: c.device_peak,
            host_capacity: c.host_capacity,
            host_used: c.host_used,
            host_peak: c.host_peak,
        })
    }
}

/// How a device budget divides and what the planner predicts for it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct OffloadPlan {
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
    pub high_format: String,
    pub low_format: String,
    /// Predicted from a synthetic routing trace.
    pub hit_rate: f64,
    pub tokens_per_second: f64,
    pub ideal_tokens_per_second: f64,
    pub stall_seconds_per_token: f64,
    pub bytes_to_device_per_token: u64,
    pub trace_tokens: u64,
}

fn fixed_text(field: &[std::os::raw::c_char; 16]) -> String {
    let bytes: Vec<u8> = field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Plans `device_bytes` for the model file at `model_path` (its tensor table
/// only is read) with a KV cache of `n_ctx` tokens (0: 4096). A budget too
/// small fails with [`ErrorCode::Failed`] and says how much is needed.
pub fn plan_budget(
    model_path: impl AsRef<Path>,
    device_bytes: u64,
    n_ctx: u64,
    low_precision: bool,
) -> Result<OffloadPlan> {
    let path = path_to_cstring(model_path.as_ref())?;
    let mut c = <sys::hoard_offload_plan as sys::ResultStruct>::empty();
    // SAFETY: a valid path and a result struct with its size set.
    check(unsafe {
        sys::hoard_plan_budget(path.as_ptr(), device_bytes, n_ctx, low_precision, &mut c)
    })?;
    Ok(OffloadPlan {
        n_layer: c.n_layer,
        n_expert: c.n_expert,
        n_expert_used: c.n_expert_used,
        device_bytes: c.device_bytes,
        non_expert_bytes: c.non_expert_bytes,
        kv_cache_bytes: c.kv_cache_bytes,
        n_ctx: c.n_ctx,
        workspace_bytes: c.workspace_bytes,
        expert_area_bytes: c.expert_area_bytes,
        expert_bytes_high: c.expert_bytes_high,
        expert_bytes_low: c.expert_bytes_low,
        high_slots: c.high_slots,
        low_slots: c.low_slots,
        resident_fraction: c.resident_fraction,
        high_format: fixed_text(&c.high_format),
        low_format: fixed_text(&c.low_format),
        hit_rate: c.hit_rate,
        tokens_per_second: c.tokens_per_second,
        ideal_tokens_per_second: c.ideal_tokens_per_second,
        stall_seconds_per_token: c.stall_seconds_per_token,
        bytes_to_device_per_token: c.bytes_to_device_per_token,
        trace_tokens: c.trace_tokens,
    })
}
