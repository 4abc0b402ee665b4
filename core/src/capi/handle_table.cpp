#include "capi/handle_table.hpp"

#include "capi/status_boundary.hpp"

#include <string>

namespace hoard::capi {

const char* handle_kind_name(HandleKind kind) {
    switch (kind) {
    case HandleKind::Engine:
        return "engine";
    case HandleKind::Model:
        return "model";
    case HandleKind::Session:
        return "session";
    case HandleKind::CancelToken:
        return "cancel token";
    case HandleKind::Recording:
        return "recording";
    case HandleKind::LiveFeed:
        return "live feed";
    }
    return "unknown";
}

HandleTable& HandleTable::instance() {
    static HandleTable* table = new HandleTable;
    return *table;
}

uintptr_t HandleTable::insert(HandleKind kind, std::shared_ptr<void> object) {
    std::lock_guard lock(mutex_);
    const uintptr_t id = next_id_++;
    live_.emplace(id, Entry{kind, std::move(object)});
    return id;
}

const HandleTable::Entry& HandleTable::entry(uintptr_t id, HandleKind kind) const {
    const auto it = id ? live_.find(id) : live_.end();
    if (it != live_.end() && it->second.kind == kind) return it->second;
    const std::string name = handle_kind_name(kind);
    if (id == 0) throw CapiError(HOARD_ERROR_INVALID_HANDLE, "the " + name + " handle is NULL");
    if (it == live_.end())
        throw CapiError(HOARD_ERROR_INVALID_HANDLE,
                        "the " + name + " handle is not valid (already freed, or never created)");
    throw CapiError(HOARD_ERROR_INVALID_HANDLE,
                    std::string("a ") + handle_kind_name(it->second.kind) +
                        " handle was given where a " + name + " handle belongs");
}

std::shared_ptr<void> HandleTable::find(uintptr_t id, HandleKind kind) const {
    std::lock_guard lock(mutex_);
    return entry(id, kind).object;
}

std::shared_ptr<void> HandleTable::remove(uintptr_t id, HandleKind kind) {
    std::lock_guard lock(mutex_);
    std::shared_ptr<void> object = entry(id, kind).object;
    live_.erase(id);
    return object;
}

} // namespace hoard::capi
