//! Sessions: generation with a per-token closure, cancellation from other
//! threads, and telemetry snapshots.
use crate::callbacks::{token_trampoline, Callback};
use crate::engine::init_struct;
use crate::error::{check, Result};
use crate::model::{c_messages, ChatMessage};
use crate::sys;
use std::ptr::NonNull;

/// One conversation: a KV cache and the tokens in it.
///
/// `Send`: it may move to another thread. `Sync`: the methods that take
/// `&self` (context size, cancel, telemetry, last stats) are the ones hoard.h
/// allows from any thread while a call runs; the ones that use the cache take
/// `&mut self`, so Rust already keeps them to one call at a time. To reach a
/// session while it generates, use its [`SessionMonitor`].
pub struct Session {
    raw: NonNull<sys::hoard_session>,
}

// SAFETY: see the type's documentation.
unsafe impl Send for Session {}
unsafe impl Sync for Session {}

/// Settings of one generation. `Default` is the library's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GenerationParams {
    /// Negative: until the context is full.
    pub max_tokens: i32,
    /// 0 or below: greedy.
    pub temperature: f32,
    /// 0: off.
    pub top_k: i32,
    /// 1: off.
    pub top_p: f32,
    /// 0: off.
    pub min_p: f32,
    /// 1: off.
    pub repeat_penalty: f32,
    /// Recent tokens the penalty looks at; -1: all.
    pub repeat_last_n: i32,
    pub seed: u64,
    /// Stop at the model's end-of-generation token.
    pub stop_at_end_of_generation: bool,
    /// Prompt tokens per forward pass; 0: the default.
    pub prefill_chunk: u32,
}

impl GenerationParams {
    /// Greedy decoding: the most likely token every time, no repeat penalty.
    pub fn greedy() -> GenerationParams {
        GenerationParams::from_c(
            &init_struct(sys::hoard_generation_params_init_greedy).expect("valid size"),
        )
    }

    fn from_c(c: &sys::hoard_generation_params) -> GenerationParams {
        GenerationParams {
            max_tokens: c.max_tokens,
            temperature: c.temperature,
            top_k: c.top_k,
            top_p: c.top_p,
            min_p: c.min_p,
            repeat_penalty: c.repeat_penalty,
            repeat_last_n: c.repeat_last_n,
            seed: c.seed,
            stop_at_end_of_generation: c.stop_at_end_of_generation != 0,
            prefill_chunk: c.prefill_chunk,
        }
    }

    fn to_c(self) -> sys::hoard_generation_params {
        sys::hoard_generation_params {
            struct_size: std::mem::size_of::<sys::hoard_generation_params>() as u32,
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            top_k: self.top_k,
            top_p: self.top_p,
            min_p: self.min_p,
            repeat_penalty: self.repeat_penalty,
            repeat_last_n: self.repeat_last_n,
            seed: self.seed,
            stop_at_end_of_generation: i32::from(self.stop_at_end_of_generation),
            prefill_chunk: self.prefill_chunk,
        }
    }
}

impl Default for GenerationParams {
    fn default() -> GenerationParams {
        GenerationParams::from_c(
            &init_struct(sys::hoard_generation_params_init).expect("valid size"),
        )
    }
}

/// Why a generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    EndOfGeneration,
    MaxTokens,
    /// [`Session::cancel`] or a [`SessionMonitor`].
    Cancelled,
    ContextFull,
    /// The token closure returned false.
    Callback,
    /// A reason this crate does not know (a newer library).
    Unknown(i32),
}

impl StopReason {
    fn from_c(reason: sys::hoard_stop_reason) -> Option<StopReason> {
        Some(match reason {
            sys::HOARD_STOP_NONE => return None,
            sys::HOARD_STOP_END_OF_GENERATION => StopReason::EndOfGeneration,
            sys::HOARD_STOP_MAX_TOKENS => StopReason::MaxTokens,
            sys::HOARD_STOP_CANCELLED => StopReason::Cancelled,
            sys::HOARD_STOP_CONTEXT_FULL => StopReason::ContextFull,
            sys::HOARD_STOP_CALLBACK => StopReason::Callback,
            other => StopReason::Unknown(other),
        })
    }
}

/// What one generation did and how fast.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct GenerationStats {
    pub stop_reason: StopReason,
    pub prompt_tokens: u64,
    /// Prompt tokens that were already in the cache.
    pub reused_tokens: u64,
    pub generated_tokens: u64,
    pub prefill_seconds: f64,
    /// From the call to the first generated token.
    pub first_token_seconds: f64,
    /// After the first token.
    pub decode_seconds: f64,
    pub prefill_tokens_per_second: f64,
    pub decode_tokens_per_second: f64,
}

impl GenerationStats {
    fn from_c(c: &sys::hoard_generation_stats) -> Option<GenerationStats> {
        Some(GenerationStats {
            stop_reason: StopReason::from_c(c.stop_reason)?,
            prompt_tokens: c.prompt_tokens,
            reused_tokens: c.reused_tokens,
            generated_tokens: c.generated_tokens,
            prefill_seconds: c.prefill_seconds,
            first_token_seconds: c.first_token_seconds,
            decode_seconds: c.decode_seconds,
            prefill_tokens_per_second: c.prefill_tokens_per_second,
            decode_tokens_per_second: c.decode_tokens_per_second,
        })
    }
}

/// A snapshot of a session, consistent and safe to take from any thread while
/// it generates. Offload figures will be added as they reach the engine.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct SessionTelemetry {
    pub generating: bool,
    pub context_size: u64,
    /// In the KV cache when the last call finished.
    pub cached_tokens: u64,
    /// Generate/chat calls finished.
    pub calls: u64,
    /// Tokens generated so far by the running call (or the last).
    pub current_tokens: u64,
    pub current_seconds: f64,
    pub total_prompt_tokens: u64,
    pub total_generated_tokens: u64,
    pub total_prefill_seconds: f64,
    pub total_decode_seconds: f64,
}

/// Watches and stops a session from other threads: its telemetry, its last
/// statistics, and cancelling its running call (`Send`, `Sync`, `Copy`).
///
/// A session's `generate` takes `&mut Session`, so no other reference to it
/// can exist meanwhile; a monitor is how another thread (a GUI, a watchdog)
/// or the token closure itself still reaches it. It names the session without
/// owning it: once the session is dropped, every method returns an
/// [`crate::ErrorCode::InvalidHandle`] error. That is safe because hoard.h
/// handles are identifiers the library looks up on every call and never
/// reuses, not pointers it dereferences.
#[derive(Clone, Copy, Debug)]
pub struct SessionMonitor {
    raw: NonNull<sys::hoard_session>,
}

// SAFETY: see the type's documentation; hoard.h allows these three calls from
// any thread at any time.
unsafe impl Send for SessionMonitor {}
unsafe impl Sync for SessionMonitor {}

impl SessionMonitor {
    /// Asks the session's running generate/chat call to stop after the token
    /// in progress; it then returns with [`StopReason::Cancelled`]. Does
    /// nothing when no call runs.
    pub fn cancel(&self) -> Result<()> {
        // SAFETY: the library checks the handle; a stale one is an error.
        check(unsafe { sys::hoard_session_cancel(self.raw.as_ptr()) })
    }

    /// A consistent snapshot, also while the session generates.
    pub fn telemetry(&self) -> Result<SessionTelemetry> {
        let mut t = <sys::hoard_session_telemetry as sys::ResultStruct>::empty();
        // SAFETY: checked handle, a result struct with its size set.
        check(unsafe { sys::hoard_session_telemetry_snapshot(self.raw.as_ptr(), &mut t) })?;
        Ok(SessionTelemetry {
            generating: t.generating != 0,
            context_size: t.context_size,
            cached_tokens: t.cached_tokens,
            calls: t.calls,
            current_tokens: t.current_tokens,
            current_seconds: t.current_seconds,
            total_prompt_tokens: t.total_prompt_tokens,
            total_generated_tokens: t.total_generated_tokens,
            total_prefill_seconds: t.total_prefill_seconds,
            total_decode_seconds: t.total_decode_seconds,
        })
    }

    /// Statistics of the last generate/chat call that finished.
    pub fn last_stats(&self) -> Result<Option<GenerationStats>> {
        let mut stats = <sys::hoard_generation_stats as sys::ResultStruct>::empty();
        // SAFETY: checked handle, a result struct with its size set.
        check(unsafe { sys::hoard_session_last_stats(self.raw.as_ptr(), &mut stats) })?;
        Ok(GenerationStats::from_c(&stats))
    }
}

impl Session {
    pub(crate) fn from_raw(raw: NonNull<sys::hoard_session>) -> Session {
        Session { raw }
    }

    pub(crate) fn raw(&self) -> *mut sys::hoard_session {
        self.raw.as_ptr()
    }

    /// Continues the conversation with `prompt` (the prefix it shares with
    /// what the cache holds is reused) and generates. `on_token(token, text)`
    /// receives each token and its text (whole UTF-8 characters; empty while
    /// one is split across tokens; a last call with `None` delivers text
    /// flushed at the end); return false to stop. A panic in `on_token` stops
    /// generation and is resumed here.
    pub fn generate<F>(
        &mut self,
        prompt: &[i32],
        params: &GenerationParams,
        on_token: F,
    ) -> Result<GenerationStats>
    where
        F: FnMut(Option<i32>, &str) -> bool,
    {
        let c_params = params.to_c();
        self.run(on_token, |on, user_data, stats| {
            // SAFETY: a live handle; prompt and params outlive the call.
            unsafe {
                sys::hoard_session_generate(
                    self.raw.as_ptr(),
                    prompt.as_ptr(),
                    prompt.len(),
                    &c_params,
                    on,
                    user_data,
                    stats,
                )
            }
        })
    }

    /// Renders the conversation with the model's chat template (adding the
    /// assistant prompt) and generates the reply; turns still in the cache
    /// are reused. `on_token` as for [`Session::generate`].
    pub fn chat<F>(
        &mut self,
        messages: &[ChatMessage],
        params: &GenerationParams,
        on_token: F,
    ) -> Result<GenerationStats>
    where
        F: FnMut(Option<i32>, &str) -> bool,
    {
        let c_params = params.to_c();
        let c_messages = c_messages(messages);
        self.run(on_token, |on, user_data, stats| {
            // SAFETY: a live handle; messages and params outlive the call.
            unsafe {
                sys::hoard_session_chat(
                    self.raw.as_ptr(),
                    c_messages.as_ptr(),
                    c_messages.len(),
                    &c_params,
                    on,
                    user_data,
                    stats,
                )
            }
        })
    }

    fn run<F>(
        &self,
        on_token: F,
        call: impl FnOnce(
            sys::hoard_token_fn,
            *mut std::ffi::c_void,
            *mut sys::hoard_generation_stats,
        ) -> sys::hoard_status,
    ) -> Result<GenerationStats>
    where
        F: FnMut(Option<i32>, &str) -> bool,
    {
        let mut callback = Callback::new(on_token);
        let mut stats = <sys::hoard_generation_stats as sys::ResultStruct>::empty();
        let status = call(
            Some(token_trampoline::<F>),
            callback.user_data(),
            &mut stats,
        );
        callback.resume_panic();
        check(status)?;
        Ok(GenerationStats::from_c(&stats).expect("a finished call has a stop reason"))
    }

    /// Empties the KV cache.
    pub fn reset(&mut self) -> Result<()> {
        // SAFETY: a live handle.
        check(unsafe { sys::hoard_session_reset(self.raw.as_ptr()) })
    }

    pub fn context_size(&self) -> Result<u64> {
        let mut n = 0;
        // SAFETY: a live handle and a valid out-pointer.
        check(unsafe { sys::hoard_session_context_size(self.raw.as_ptr(), &mut n) })?;
        Ok(n)
    }

    /// Asks the running call to stop; see [`SessionMonitor::cancel`].
    pub fn cancel(&self) -> Result<()> {
        self.monitor().cancel()
    }

    /// A handle that reaches this session from other threads or from inside
    /// the token closure while it generates.
    pub fn monitor(&self) -> SessionMonitor {
        SessionMonitor { raw: self.raw }
    }

    /// Statistics of the last generate/chat call that finished.
    pub fn last_stats(&self) -> Result<Option<GenerationStats>> {
        self.monitor().last_stats()
    }

    pub fn telemetry(&self) -> Result<SessionTelemetry> {
        self.monitor().telemetry()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: freed once; no call can be running (they take &mut self).
        unsafe { sys::hoard_session_free(self.raw.as_ptr()) };
    }
}
