#include "capi/status_boundary.hpp"

namespace hoard::capi {
namespace {

// The outcome of this thread's last status-returning call. When building the
// message itself fails (out of memory), a static text stands in for it.
struct LastError {
    hoard_status status = HOARD_OK;
    std::string message;
    const char* fallback = nullptr;
};

LastError& last_error() {
    thread_local LastError error;
    return error;
}

// Messages about the caller's arguments name the function they went to.
bool names_function(hoard_status status) {
    return status == HOARD_ERROR_INVALID_ARGUMENT || status == HOARD_ERROR_INVALID_HANDLE ||
           status == HOARD_ERROR_INVALID_UTF8 || status == HOARD_ERROR_BUSY ||
           status == HOARD_ERROR_INTERNAL;
}

} // namespace

void set_success() noexcept {
    LastError& e = last_error();
    e.status = HOARD_OK;
    e.message.clear(); // keeps its capacity: no allocation
    e.fallback = nullptr;
}

hoard_status set_failure(hoard_status status, const char* function, const char* message) noexcept {
    LastError& e = last_error();
    e.status = status;
    try {
        e.message.clear();
        if (function && names_function(status)) e.message.append(function).append(": ");
        e.message.append(message ? message : "");
        e.fallback = nullptr;
    } catch (...) {
        e.fallback = "out of memory while reporting an error";
    }
    return status;
}

[[noreturn]] void fail_argument(const std::string& message) {
    throw CapiError(HOARD_ERROR_INVALID_ARGUMENT, message);
}

} // namespace hoard::capi

extern "C" {

HOARD_API const char* hoard_last_error(void) {
    const auto& e = hoard::capi::last_error();
    return e.fallback ? e.fallback : e.message.c_str();
}

HOARD_API hoard_status hoard_last_error_code(void) {
    return hoard::capi::last_error().status;
}

HOARD_API const char* hoard_status_name(hoard_status status) {
    switch (status) {
    case HOARD_OK:
        return "HOARD_OK";
    case HOARD_ERROR_INVALID_ARGUMENT:
        return "HOARD_ERROR_INVALID_ARGUMENT";
    case HOARD_ERROR_INVALID_HANDLE:
        return "HOARD_ERROR_INVALID_HANDLE";
    case HOARD_ERROR_INVALID_UTF8:
        return "HOARD_ERROR_INVALID_UTF8";
    case HOARD_ERROR_NOT_FOUND:
        return "HOARD_ERROR_NOT_FOUND";
    case HOARD_ERROR_BAD_MODEL:
        return "HOARD_ERROR_BAD_MODEL";
    case HOARD_ERROR_CANCELLED:
        return "HOARD_ERROR_CANCELLED";
    case HOARD_ERROR_BUSY:
        return "HOARD_ERROR_BUSY";
    case HOARD_ERROR_CONTEXT_FULL:
        return "HOARD_ERROR_CONTEXT_FULL";
    case HOARD_ERROR_FAILED:
        return "HOARD_ERROR_FAILED";
    case HOARD_ERROR_OUT_OF_MEMORY:
        return "HOARD_ERROR_OUT_OF_MEMORY";
    case HOARD_ERROR_INTERNAL:
        return "HOARD_ERROR_INTERNAL";
    }
    return "HOARD_UNKNOWN_STATUS";
}

} // extern "C"
