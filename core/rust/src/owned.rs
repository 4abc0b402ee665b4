//! Memory the library hands back (strings, token and logit arrays), copied
//! into Rust values and released with `hoard_free`.
use crate::sys;
use std::ffi::c_void;
use std::os::raw::c_char;

/// Takes a string the library returned; frees it.
///
/// # Safety
/// `text` is NULL or came from the library with `len` bytes before its NUL.
pub(crate) unsafe fn take_text(text: *mut c_char, len: usize) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: the caller promises len readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(text as *const u8, len) };
    let owned = String::from_utf8_lossy(bytes).into_owned();
    // SAFETY: allocated by the library, released once.
    unsafe { sys::hoard_free(text as *mut c_void) };
    owned
}

/// Takes an array the library returned; frees it.
///
/// # Safety
/// `values` is NULL or came from the library holding `count` values.
pub(crate) unsafe fn take_array<T: Copy>(values: *mut T, count: usize) -> Vec<T> {
    if values.is_null() {
        return Vec::new();
    }
    // SAFETY: the caller promises count initialised values.
    let owned = unsafe { std::slice::from_raw_parts(values, count) }.to_vec();
    // SAFETY: allocated by the library, released once.
    unsafe { sys::hoard_free(values as *mut c_void) };
    owned
}

/// A C string the library owns (inside a handle) copied into a `String`.
///
/// # Safety
/// `text` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn borrowed_text(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: as promised by the caller.
    unsafe { std::ffi::CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}
