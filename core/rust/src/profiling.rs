//! Profiling: recording a model's generation into the profiling store, and
//! live snapshots of it delivered to a closure on the feed's own thread.
use crate::engine::{non_null, path_to_cstring};
use crate::error::{check, Result};
use crate::session::Session;
use crate::sys;
use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{self, NonNull};

/// Records the session's model (every session on it) into a session of the
/// profiling store until [`Recording::stop`] or drop.
///
/// `Send` and `Sync`: hoard.h allows every recording function on any thread.
pub struct Recording {
    raw: Option<NonNull<sys::hoard_recording>>,
    session_id: i64,
}

// SAFETY: see the type's documentation.
unsafe impl Send for Recording {}
unsafe impl Sync for Recording {}

impl Recording {
    /// Starts recording into the store at `database` (None: the default,
    /// `$HOARD_DATA_DIR/hoard.db` or the user's data folder).
    pub fn start(session: &Session, database: Option<&Path>) -> Result<Recording> {
        let path = match database {
            Some(p) => Some(path_to_cstring(p)?),
            None => None,
        };
        let mut raw = ptr::null_mut();
        // SAFETY: a live session, a valid (or NULL) path and out-pointer.
        check(unsafe {
            sys::hoard_recording_start(
                session.raw(),
                path.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                &mut raw,
            )
        })?;
        let raw = non_null(raw)?;
        let mut id = 0;
        // SAFETY: the live handle just made and a valid out-pointer.
        let status = unsafe { sys::hoard_recording_session_id(raw.as_ptr(), &mut id) };
        let recording = Recording {
            raw: Some(raw),
            session_id: id,
        };
        check(status)?;
        Ok(recording)
    }

    /// The recorded session's id in the store.
    pub fn session_id(&self) -> i64 {
        self.session_id
    }

    /// Writes what is queued and marks the session complete; returns once
    /// everything is on disk.
    pub fn stop(mut self) -> Result<()> {
        self.free()
    }

    fn free(&mut self) -> Result<()> {
        match self.raw.take() {
            // SAFETY: freed once.
            Some(raw) => check(unsafe { sys::hoard_recording_stop_free(raw.as_ptr()) }),
            None => Ok(()),
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let _ = self.free();
    }
}

/// One live snapshot, over the feed's last second.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LiveSnapshot {
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
    /// Per layer.
    pub layer_hit_rates: Vec<f64>,
}

type SnapshotFn = Box<dyn FnMut(&LiveSnapshot) + Send + 'static>;

struct FeedCallback {
    f: SnapshotFn,
    panicked: bool,
}

unsafe extern "C" fn snapshot_trampoline(
    user_data: *mut c_void,
    s: *const sys::hoard_live_snapshot,
) {
    // SAFETY: user_data is the boxed FeedCallback the LiveFeed owns; only the
    // feed's thread calls it, and not after hoard_live_feed_free returned.
    let callback = unsafe { &mut *(user_data as *mut FeedCallback) };
    if callback.panicked || s.is_null() {
        return;
    }
    // SAFETY: the library passes a snapshot valid for the call, with
    // n_layers hit rates behind layer_hit_rates.
    let s = unsafe { &*s };
    let layer_hit_rates = if s.layer_hit_rates.is_null() || s.n_layers == 0 {
        Vec::new()
    } else {
        // SAFETY: as above.
        unsafe { std::slice::from_raw_parts(s.layer_hit_rates, s.n_layers as usize) }.to_vec()
    };
    let snapshot = LiveSnapshot {
        sequence: s.sequence,
        tokens_per_second: s.tokens_per_second,
        prefill_tokens_per_second: s.prefill_tokens_per_second,
        hit_rate: s.hit_rate,
        high_fraction: s.high_fraction,
        low_fraction: s.low_fraction,
        cpu_fraction: s.cpu_fraction,
        skip_fraction: s.skip_fraction,
        host_to_device_bytes_per_second: s.host_to_device_bytes_per_second,
        storage_to_host_bytes_per_second: s.storage_to_host_bytes_per_second,
        decode_tokens: s.decode_tokens,
        prefill_tokens: s.prefill_tokens,
        total_generated_tokens: s.total_generated_tokens,
        session_hit_rate: s.session_hit_rate,
        layer_hit_rates,
    };
    // A panic must not unwind into C++; it cannot reach the owner's thread
    // either, so the feed stops calling the closure.
    let f = &mut callback.f;
    if panic::catch_unwind(AssertUnwindSafe(|| f(&snapshot))).is_err() {
        callback.panicked = true;
    }
}

/// Snapshots of the session's model every interval, given to a closure on the
/// feed's own thread, until drop (no call runs after drop returns). A panic
/// in the closure is caught and ends the calls.
///
/// `Send`: it may be dropped on any thread.
pub struct LiveFeed {
    raw: NonNull<sys::hoard_live_feed>,
    callback: *mut FeedCallback,
}

// SAFETY: see the type's documentation; the closure is Send.
unsafe impl Send for LiveFeed {}

impl LiveFeed {
    /// `interval_seconds` 0: every 0.1 s; otherwise in [0.001, 3600].
    pub fn start<F>(session: &Session, interval_seconds: f64, on_snapshot: F) -> Result<LiveFeed>
    where
        F: FnMut(&LiveSnapshot) + Send + 'static,
    {
        let callback = Box::into_raw(Box::new(FeedCallback {
            f: Box::new(on_snapshot),
            panicked: false,
        }));
        let mut raw = ptr::null_mut();
        // SAFETY: a live session, a trampoline matching the user data, which
        // lives until the feed is freed, and a valid out-pointer.
        let status = unsafe {
            sys::hoard_live_feed_start(
                session.raw(),
                interval_seconds,
                Some(snapshot_trampoline),
                callback as *mut c_void,
                &mut raw,
            )
        };
        if let Err(e) = check(status).and_then(|_| non_null(raw)) {
            // SAFETY: no feed holds it: the call failed.
            drop(unsafe { Box::from_raw(callback) });
            return Err(e);
        }
        Ok(LiveFeed {
            raw: NonNull::new(raw).expect("checked above"),
            callback,
        })
    }
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        // SAFETY: freed once; no callback runs after it returns, so the
        // closure can go.
        unsafe {
            sys::hoard_live_feed_free(self.raw.as_ptr());
            drop(Box::from_raw(self.callback));
        }
    }
}
