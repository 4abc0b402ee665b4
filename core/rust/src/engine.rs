//! The engine (worker threads, model loading) and cancel tokens.
use crate::callbacks::{progress_trampoline, Callback};
use crate::error::{check, Error, ErrorCode, Result};
use crate::load_options::{Backend, LoadOptions};
use crate::model::Model;
use crate::offload::OffloadOptions;
use crate::session::Session;
use crate::sys;
use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

/// Owns the worker threads that models and sessions compute on.
///
/// `Send` and `Sync`: hoard.h allows loading models and creating sessions
/// from any number of threads at once, and freeing from any thread.
pub struct Engine {
    raw: NonNull<sys::hoard_engine>,
}

// SAFETY: see the type's documentation; the handle is an identifier the
// library looks up on every call, never memory this crate touches.
unsafe impl Send for Engine {}
unsafe impl Sync for Engine {}

impl Engine {
    /// An engine with one worker per hardware thread.
    pub fn new() -> Result<Engine> {
        Engine::with_threads(0)
    }

    /// An engine with `n_threads` workers, the calling thread included (0: one
    /// per hardware thread).
    pub fn with_threads(n_threads: u32) -> Result<Engine> {
        check_abi()?;
        let mut options = init_struct(sys::hoard_engine_options_init)?;
        options.n_threads = n_threads;
        let mut raw = ptr::null_mut();
        // SAFETY: valid options and out-pointer.
        check(unsafe { sys::hoard_engine_create(&options, &mut raw) })?;
        Ok(Engine {
            raw: non_null(raw)?,
        })
    }

    pub fn n_threads(&self) -> Result<u32> {
        let mut n = 0;
        // SAFETY: a live handle and a valid out-pointer.
        check(unsafe { sys::hoard_engine_n_threads(self.raw.as_ptr(), &mut n) })?;
        Ok(n)
    }

    /// Loads a GGUF model ([`Backend::Auto`], no offloading).
    pub fn load_model(&self, path: impl AsRef<Path>) -> Result<Model> {
        self.load_model_with_options(path, &LoadOptions::default())
    }

    /// Loads a GGUF model on the backend and with the offloading `options`
    /// ask for. A backend or offload settings that cannot be met
    /// ([`Backend::Cuda`] without a usable GPU, a budget too small) fail with
    /// [`ErrorCode::Failed`].
    pub fn load_model_with_options(
        &self,
        path: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<Model> {
        self.load(
            path.as_ref(),
            options.backend,
            options.offload.as_ref(),
            None,
            None::<fn(f64, &str) -> bool>,
        )
    }

    /// [`Engine::load_model_with_options`] reporting progress and giving up
    /// when `cancel` is raised, as [`Engine::load_model_with`] does.
    pub fn load_model_with_options_and_progress<F>(
        &self,
        path: impl AsRef<Path>,
        options: &LoadOptions,
        cancel: Option<&CancelToken>,
        progress: F,
    ) -> Result<Model>
    where
        F: FnMut(f64, &str) -> bool,
    {
        self.load(
            path.as_ref(),
            options.backend,
            options.offload.as_ref(),
            cancel,
            Some(progress),
        )
    }

    /// Loads a GGUF model, reporting progress to `progress(fraction, stage)`
    /// (return false to cancel) and giving up when `cancel` is raised from
    /// any thread. A cancelled load fails with [`ErrorCode::Cancelled`]; a
    /// panic in `progress` cancels the load and is then resumed.
    pub fn load_model_with<F>(
        &self,
        path: impl AsRef<Path>,
        cancel: Option<&CancelToken>,
        progress: F,
    ) -> Result<Model>
    where
        F: FnMut(f64, &str) -> bool,
    {
        self.load(path.as_ref(), Backend::Auto, None, cancel, Some(progress))
    }

    /// Loads a GGUF model with its experts run through the offload engine
    /// under `offload`'s budgets and settings. Settings the engine cannot
    /// meet (a budget too small) fail with [`ErrorCode::Failed`].
    pub fn load_model_offloaded(
        &self,
        path: impl AsRef<Path>,
        offload: &OffloadOptions,
    ) -> Result<Model> {
        self.load(
            path.as_ref(),
            Backend::Auto,
            Some(offload),
            None,
            None::<fn(f64, &str) -> bool>,
        )
    }

    fn load<F>(
        &self,
        path: &Path,
        backend: Backend,
        offload: Option<&OffloadOptions>,
        cancel: Option<&CancelToken>,
        progress: Option<F>,
    ) -> Result<Model>
    where
        F: FnMut(f64, &str) -> bool,
    {
        let path = path_to_cstring(path)?;
        let mut options = init_struct(sys::hoard_load_options_init)?;
        options.backend = backend.to_c();
        // Kept alive over the call: the C struct borrows the policy's text.
        let offload = match offload {
            Some(o) => Some(o.to_c()?),
            None => None,
        };
        if let Some((c, _policy)) = offload.as_ref() {
            options.offload = c;
        }
        let mut callback = progress.map(Callback::new);
        if let Some(callback) = callback.as_mut() {
            options.progress = Some(progress_trampoline::<F>);
            options.progress_user_data = callback.user_data();
        }
        if let Some(token) = cancel {
            options.cancel = token.raw.as_ptr();
        }
        let mut raw = ptr::null_mut();
        // SAFETY: valid path, options (the callback outlives the call) and out-pointer.
        let status = unsafe {
            sys::hoard_engine_load_model(self.raw.as_ptr(), path.as_ptr(), &options, &mut raw)
        };
        let result = check(status);
        if let Some(callback) = callback.as_mut() {
            callback.resume_panic();
        }
        result?;
        Ok(Model::from_raw(non_null(raw)?))
    }

    /// A conversation with `model` and a context of `n_ctx` tokens (0: the
    /// model's default).
    pub fn create_session(&self, model: &Model, n_ctx: u64) -> Result<Session> {
        let mut raw = ptr::null_mut();
        // SAFETY: live handles and a valid out-pointer.
        check(unsafe {
            sys::hoard_engine_create_session(self.raw.as_ptr(), model.raw(), n_ctx, &mut raw)
        })?;
        Ok(Session::from_raw(non_null(raw)?))
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: freed once; models and sessions keep what they need alive.
        unsafe { sys::hoard_engine_free(self.raw.as_ptr()) };
    }
}

/// A flag that cancels a model load when raised, from any thread.
///
/// `Send` and `Sync`: every operation on a token is thread-safe in hoard.h.
/// Share it with `Arc` or a reference.
pub struct CancelToken {
    raw: NonNull<sys::hoard_cancel_token>,
}

// SAFETY: see the type's documentation.
unsafe impl Send for CancelToken {}
unsafe impl Sync for CancelToken {}

impl CancelToken {
    pub fn new() -> Result<CancelToken> {
        let mut raw = ptr::null_mut();
        // SAFETY: a valid out-pointer.
        check(unsafe { sys::hoard_cancel_token_create(&mut raw) })?;
        Ok(CancelToken {
            raw: non_null(raw)?,
        })
    }

    pub fn cancel(&self) {
        // SAFETY: a live handle; cannot fail for one.
        unsafe { sys::hoard_cancel_token_cancel(self.raw.as_ptr()) };
    }

    pub fn reset(&self) {
        // SAFETY: as above.
        unsafe { sys::hoard_cancel_token_reset(self.raw.as_ptr()) };
    }

    pub fn is_cancelled(&self) -> bool {
        let mut cancelled = false;
        // SAFETY: a live handle and a valid out-pointer.
        unsafe { sys::hoard_cancel_token_is_cancelled(self.raw.as_ptr(), &mut cancelled) };
        cancelled
    }
}

impl Drop for CancelToken {
    fn drop(&mut self) {
        // SAFETY: freed once.
        unsafe { sys::hoard_cancel_token_free(self.raw.as_ptr()) };
    }
}

/// The library's version ("MAJOR.MINOR.PATCH").
pub fn version() -> String {
    // SAFETY: a static NUL-terminated string.
    unsafe { crate::owned::borrowed_text(sys::hoard_version()) }
}

fn check_abi() -> Result<()> {
    // SAFETY: no arguments, no state.
    let abi = unsafe { sys::hoard_abi_version() };
    if abi != sys::HOARD_ABI_VERSION {
        return Err(Error::new(
            ErrorCode::AbiMismatch,
            format!(
                "libhoard.so speaks ABI version {abi}, this crate version {}: rebuild one to match the other",
                sys::HOARD_ABI_VERSION
            ),
        ));
    }
    Ok(())
}

/// An options or parameters struct filled with the library's defaults.
pub(crate) fn init_struct<T>(
    init: unsafe extern "C" fn(*mut T, u32) -> sys::hoard_status,
) -> Result<T> {
    let mut value = std::mem::MaybeUninit::<T>::zeroed();
    // SAFETY: the init function writes exactly size_of::<T>() bytes.
    check(unsafe { init(value.as_mut_ptr(), std::mem::size_of::<T>() as u32) })?;
    // SAFETY: zeroed, then filled by the library: every field initialised.
    Ok(unsafe { value.assume_init() })
}

pub(crate) fn non_null<T>(raw: *mut T) -> Result<NonNull<T>> {
    NonNull::new(raw)
        .ok_or_else(|| Error::new(ErrorCode::Internal, "the library returned no handle"))
}

pub(crate) fn path_to_cstring(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path
        .to_str()
        .ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "the path is not valid Unicode"))?
        .as_bytes()
        .to_vec();
    CString::new(bytes).map_err(|_| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("{}: a path cannot hold a NUL byte", path.display()),
        )
    })
}
