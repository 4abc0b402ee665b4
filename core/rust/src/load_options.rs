//! What a model is loaded with: the compute backend and offloading.
use crate::error::{Error, ErrorCode, Result};
use crate::offload::OffloadOptions;
use crate::sys;

/// Where a model runs ([`LoadOptions::backend`], [`crate::Model::backend`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// On a usable CUDA GPU when the model fits its memory (all of it, or
    /// through the GPU offload engine when offloading), else on the CPU;
    /// never an error for want of a GPU.
    #[default]
    Auto,
    /// The CPU (offloading to a simulated device).
    Cpu,
    /// The GPU, or [`ErrorCode::Failed`] with a message saying why it cannot
    /// run the model (no GPU, a library built without CUDA, too little memory).
    Cuda,
}

impl Backend {
    pub(crate) fn to_c(self) -> sys::hoard_backend {
        match self {
            Backend::Auto => sys::HOARD_BACKEND_AUTO,
            Backend::Cpu => sys::HOARD_BACKEND_CPU,
            Backend::Cuda => sys::HOARD_BACKEND_CUDA,
        }
    }

    pub(crate) fn from_c(backend: sys::hoard_backend) -> Result<Backend> {
        match backend {
            sys::HOARD_BACKEND_AUTO => Ok(Backend::Auto),
            sys::HOARD_BACKEND_CPU => Ok(Backend::Cpu),
            sys::HOARD_BACKEND_CUDA => Ok(Backend::Cuda),
            other => Err(Error::new(
                ErrorCode::Internal,
                format!("the library reports backend {other}, which this crate does not know"),
            )),
        }
    }
}

/// How [`crate::Engine::load_model_with_options`] loads a model. `Default`:
/// [`Backend::Auto`], every weight in host memory.
///
/// ```no_run
/// use hoard::{Backend, Engine, LoadOptions};
///
/// let options = LoadOptions {
///     backend: Backend::Cpu,
///     ..LoadOptions::default()
/// };
/// let model = Engine::new()?.load_model_with_options("model.gguf", &options)?;
/// # Ok::<(), hoard::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadOptions {
    pub backend: Backend,
    /// Run the experts through the offload engine with these settings.
    /// Settings the engine cannot meet (a budget too small) fail with
    /// [`ErrorCode::Failed`].
    pub offload: Option<OffloadOptions>,
}
