#pragma once
// The boundary between the C ABI and the engine: every exported function runs
// its body through guarded(), which turns any exception into a status code and
// the calling thread's error message, so nothing C++ leaks to the caller.
#include "hoard/error.hpp"
#include "hoard/hoard.h"

#include <new>
#include <stdexcept>
#include <string>

namespace hoard::capi {

// A failure with a specific status, thrown inside the C ABI's functions.
class CapiError : public std::runtime_error {
  public:
    CapiError(hoard_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    hoard_status status() const { return status_; }

  private:
    hoard_status status_;
};

// Records the outcome of the current call for hoard_last_error(); never throws.
void set_success() noexcept;
hoard_status set_failure(hoard_status status, const char* function, const char* message) noexcept;

// Runs `body`, returning HOARD_OK or the status of what it threw. `function`
// names the exported function in messages about bad arguments and handles.
template <class Body> hoard_status guarded(const char* function, Body&& body) noexcept {
    try {
        body();
        set_success();
        return HOARD_OK;
    } catch (const CapiError& e) {
        return set_failure(e.status(), function, e.what());
    } catch (const hoard::Error& e) {
        return set_failure(HOARD_ERROR_FAILED, nullptr, e.what());
    } catch (const std::bad_alloc&) {
        return set_failure(HOARD_ERROR_OUT_OF_MEMORY, nullptr, "out of memory");
    } catch (const std::exception& e) {
        return set_failure(HOARD_ERROR_INTERNAL, function, e.what());
    } catch (...) {
        return set_failure(HOARD_ERROR_INTERNAL, function, "an unknown exception was thrown");
    }
}

// Shorthands for the checks every function makes.
[[noreturn]] void fail_argument(const std::string& message);
template <class T> void require_out(T* out, const char* name) {
    if (!out) fail_argument(std::string(name) + " is NULL");
}

} // namespace hoard::capi
