//! Rust bindings to Hoard, a Mixture-of-Experts inference engine, through its
//! C ABI (`core/include/hoard/hoard.h`, `libhoard.so`).
//!
//! ```no_run
//! use hoard::{ChatMessage, Engine, GenerationParams};
//!
//! let engine = Engine::new()?;
//! let model = engine.load_model("build/models/hoard-tiny-moe.gguf")?;
//! let mut session = engine.create_session(&model, 0)?;
//! let stats = session.chat(&[ChatMessage::user("Hello!")], &GenerationParams::default(), |_token, text| {
//!     print!("{text}");
//!     true // go on
//! })?;
//! println!("\n{} tokens, {:.1} tokens/s", stats.generated_tokens, stats.decode_tokens_per_second);
//! # Ok::<(), hoard::Error>(())
//! ```
//!
//! Handles free themselves when dropped, in any order: a [`Session`] keeps its
//! model loaded, a [`Model`] keeps the engine's threads. Every failure is an
//! [`Error`] with an [`ErrorCode`] and the library's message. Closures given
//! as callbacks may panic: the panic stops the operation and is resumed in the
//! caller once the library has returned, never unwinding through C++.
//!
//! The raw declarations are in [`sys`].

// Every unsafe operation sits in its own `unsafe` block with its reason.
#![warn(unsafe_op_in_unsafe_fn)]

mod callbacks;
mod engine;
mod error;
mod load_options;
mod model;
mod offload;
mod owned;
mod profiling;
mod session;
pub mod sys;

pub use engine::{version, CancelToken, Engine};
pub use error::{Error, ErrorCode, Result};
pub use load_options::{Backend, LoadOptions};
pub use model::{ChatMessage, FormatUsage, MemoryPlan, Model, ModelInfo};
pub use offload::{plan_budget, OffloadCounters, OffloadOptions, OffloadPlan};
pub use profiling::{LiveFeed, LiveSnapshot, Recording};
pub use session::{
    GenerationParams, GenerationStats, Session, SessionMonitor, SessionTelemetry, StopReason,
};

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::PathBuf;

    /// Reference data: `$HOARD_CONFORMANCE_DIR`, else `shared/conformance`
    /// beside the checkout.
    pub fn conformance_path(relative: &str) -> PathBuf {
        let dir = match std::env::var_os("HOARD_CONFORMANCE_DIR") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/conformance"
            )),
        };
        dir.join(relative)
    }
}
