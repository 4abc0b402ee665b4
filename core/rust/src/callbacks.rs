//! Closures as C callbacks. A closure travels as `user_data` next to a
//! monomorphised `extern "C"` trampoline. A panic must not unwind into C++, so
//! the trampoline catches it, tells the library to stop (returns false), and
//! the wrapper re-raises it once the C call has returned.
use std::any::Any;
use std::borrow::Cow;
use std::ffi::{c_void, CStr};
use std::os::raw::c_char;
use std::panic::{self, AssertUnwindSafe};

pub(crate) struct Callback<F> {
    f: F,
    panic: Option<Box<dyn Any + Send + 'static>>,
}

impl<F> Callback<F> {
    pub(crate) fn new(f: F) -> Self {
        Callback { f, panic: None }
    }

    pub(crate) fn user_data(&mut self) -> *mut c_void {
        self as *mut Self as *mut c_void
    }

    /// Re-raises a panic the closure threw during the C call.
    pub(crate) fn resume_panic(&mut self) {
        if let Some(payload) = self.panic.take() {
            panic::resume_unwind(payload);
        }
    }

    fn call(&mut self, body: impl FnOnce(&mut F) -> bool) -> bool {
        if self.panic.is_some() {
            return false; // a panic already asked the library to stop
        }
        let f = &mut self.f;
        match panic::catch_unwind(AssertUnwindSafe(|| body(f))) {
            Ok(go_on) => go_on,
            Err(payload) => {
                self.panic = Some(payload);
                false
            }
        }
    }
}

/// `hoard_progress_fn` for a `FnMut(fraction, stage) -> bool`.
pub(crate) unsafe extern "C" fn progress_trampoline<F>(
    user_data: *mut c_void,
    fraction: f64,
    stage: *const c_char,
) -> bool
where
    F: FnMut(f64, &str) -> bool,
{
    // SAFETY: user_data is the Callback<F> the wrapper passed, alive and not
    // otherwise borrowed for the duration of the C call.
    let callback = unsafe { &mut *(user_data as *mut Callback<F>) };
    let stage: Cow<'_, str> = if stage.is_null() {
        Cow::Borrowed("")
    } else {
        // SAFETY: the library passes a NUL-terminated string valid for the call.
        unsafe { CStr::from_ptr(stage) }.to_string_lossy()
    };
    callback.call(|f| f(fraction, &stage))
}

/// `hoard_token_fn` for a `FnMut(token, text) -> bool` (token `None`: text
/// flushed at the end).
pub(crate) unsafe extern "C" fn token_trampoline<F>(
    user_data: *mut c_void,
    token: i32,
    text: *const c_char,
    text_len: usize,
) -> bool
where
    F: FnMut(Option<i32>, &str) -> bool,
{
    // SAFETY: as in progress_trampoline.
    let callback = unsafe { &mut *(user_data as *mut Callback<F>) };
    let bytes: &[u8] = if text.is_null() || text_len == 0 {
        &[]
    } else {
        // SAFETY: the library passes text_len valid bytes for the call.
        unsafe { std::slice::from_raw_parts(text as *const u8, text_len) }
    };
    // The engine hands out whole UTF-8 characters; stay safe if it ever did not.
    let text = String::from_utf8_lossy(bytes);
    let token = if token >= 0 { Some(token) } else { None };
    callback.call(|f| f(token, &text))
}
