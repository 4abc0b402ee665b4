//! Errors: the C ABI's status code and the message it left for this thread.
use crate::sys;
use std::ffi::CStr;
use std::fmt;

/// What kind of failure an [`Error`] is; mirrors `HOARD_ERROR_*` in hoard.h.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A value out of range, a missing argument, or text with a NUL byte where
    /// a path or C string is needed.
    InvalidArgument,
    /// A handle that was freed or is of the wrong kind (see [`crate::SessionMonitor`]).
    InvalidHandle,
    /// Text that is not valid UTF-8 (only [`crate::Model::tokenize_bytes`] can send it).
    InvalidUtf8,
    /// The model file does not exist.
    NotFound,
    /// The file is malformed, or its model is not supported.
    BadModel,
    /// Model loading was cancelled.
    Cancelled,
    /// The session is already running a call.
    Busy,
    /// The prompt does not fit the session's context.
    ContextFull,
    /// The engine refused the request; the message says why.
    Failed,
    OutOfMemory,
    /// An unexpected failure inside the library (a bug).
    Internal,
    /// The loaded `libhoard.so` speaks another ABI version than this crate.
    AbiMismatch,
    /// A status this crate does not know (a newer library).
    Unknown(i32),
}

impl ErrorCode {
    fn from_status(status: sys::hoard_status) -> ErrorCode {
        match status {
            sys::HOARD_ERROR_INVALID_ARGUMENT => ErrorCode::InvalidArgument,
            sys::HOARD_ERROR_INVALID_HANDLE => ErrorCode::InvalidHandle,
            sys::HOARD_ERROR_INVALID_UTF8 => ErrorCode::InvalidUtf8,
            sys::HOARD_ERROR_NOT_FOUND => ErrorCode::NotFound,
            sys::HOARD_ERROR_BAD_MODEL => ErrorCode::BadModel,
            sys::HOARD_ERROR_CANCELLED => ErrorCode::Cancelled,
            sys::HOARD_ERROR_BUSY => ErrorCode::Busy,
            sys::HOARD_ERROR_CONTEXT_FULL => ErrorCode::ContextFull,
            sys::HOARD_ERROR_FAILED => ErrorCode::Failed,
            sys::HOARD_ERROR_OUT_OF_MEMORY => ErrorCode::OutOfMemory,
            sys::HOARD_ERROR_INTERNAL => ErrorCode::Internal,
            other => ErrorCode::Unknown(other),
        }
    }
}

/// A failed call: its code and a message meant for a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Turns a status into a `Result`, reading the message the call left for this
/// thread. Call it right after the C function, on the same thread.
pub(crate) fn check(status: sys::hoard_status) -> Result<()> {
    if status == sys::HOARD_OK {
        return Ok(());
    }
    // SAFETY: hoard_last_error never returns NULL, and its text stays valid
    // until this thread's next call into the library; it is copied at once.
    let message = unsafe { CStr::from_ptr(sys::hoard_last_error()) }
        .to_string_lossy()
        .into_owned();
    Err(Error::new(ErrorCode::from_status(status), message))
}
