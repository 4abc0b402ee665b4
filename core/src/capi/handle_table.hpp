#pragma once
// Live handles of the C ABI. A handle given to the caller is an identifier,
// not the object's address: every call looks it up here, so a NULL, freed or
// foreign handle is an error rather than a wild read, and an object stays
// alive (shared ownership) while a call on another thread still uses it.
// Identifiers count up and are never reused, so a freed handle stays invalid.
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace hoard::capi {

enum class HandleKind : uint8_t { Engine, Model, Session, CancelToken, Recording, LiveFeed };
const char* handle_kind_name(HandleKind kind);

class HandleTable {
  public:
    // The process-wide table; never destroyed, so that handles the caller
    // leaks or frees during exit do not race static destruction.
    static HandleTable& instance();

    uintptr_t insert(HandleKind kind, std::shared_ptr<void> object);
    // Throw CapiError(HOARD_ERROR_INVALID_HANDLE) for an id that is not a live
    // handle of `kind`. remove() hands back the object so that the caller
    // decides where the last reference is dropped.
    std::shared_ptr<void> find(uintptr_t id, HandleKind kind) const;
    std::shared_ptr<void> remove(uintptr_t id, HandleKind kind);

  private:
    struct Entry {
        HandleKind kind;
        std::shared_ptr<void> object;
    };
    const Entry& entry(uintptr_t id, HandleKind kind) const; // with mutex_ held

    mutable std::mutex mutex_;
    std::unordered_map<uintptr_t, Entry> live_;
    uintptr_t next_id_ = 1;
};

// Typed access: each object type names its kind as `static constexpr HandleKind kind`.
template <class Object, class Handle> std::shared_ptr<Object> lookup(const Handle* handle) {
    return std::static_pointer_cast<Object>(
        HandleTable::instance().find(reinterpret_cast<uintptr_t>(handle), Object::kind));
}

template <class Handle, class Object> Handle* publish(std::shared_ptr<Object> object) {
    return reinterpret_cast<Handle*>(
        HandleTable::instance().insert(Object::kind, std::move(object)));
}

// Removes a handle; freeing NULL is allowed and returns nullptr.
template <class Object, class Handle> std::shared_ptr<Object> unpublish(const Handle* handle) {
    if (!handle) return nullptr;
    return std::static_pointer_cast<Object>(
        HandleTable::instance().remove(reinterpret_cast<uintptr_t>(handle), Object::kind));
}

} // namespace hoard::capi
