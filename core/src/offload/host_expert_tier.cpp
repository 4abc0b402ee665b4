#include "offload/host_expert_tier.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

namespace hoard::offload {

HostExpertTier::HostExpertTier(const ExpertCatalog& catalog, const ExpertStorage& storage,
                               uint64_t capacity_bytes)
    : catalog_(catalog), storage_(storage), n_expert_(catalog.n_expert()),
      capacity_(capacity_bytes) {
    entries_.resize(size_t(catalog.n_layer()) * n_expert_ * 2);
    allocator_.allocate = [](uint64_t bytes) { return new uint8_t[bytes]; };
    allocator_.release = [](uint8_t* data, uint64_t) { delete[] data; };
}

HostExpertTier::~HostExpertTier() {
    for (size_t k = 0; k < entries_.size(); ++k) free_entry(k);
}

void HostExpertTier::set_allocator(HostAllocator allocator) {
    allocator_ = std::move(allocator);
}

void HostExpertTier::free_entry(size_t k) {
    Entry& e = entries_[k];
    if (!e.data) return;
    allocator_.release(e.data, bytes_of(k));
    e.data = nullptr;
}

uint64_t HostExpertTier::bytes_of(size_t k) const {
    const uint32_t le = uint32_t(k / 2);
    return catalog_.layout(le / n_expert_, le % n_expert_, k % 2 ? Precision::Low : Precision::High)
        .blob_bytes;
}

bool HostExpertTier::make_room(uint64_t bytes) {
    if (unlimited()) return true;
    if (bytes > capacity_) return false;
    uint64_t freeable = 0;
    for (uint32_t k : order_)
        if (entries_[k].pins == 0) freeable += bytes_of(k);
    if (capacity_ - used_ + freeable < bytes) return false;
    auto it = order_.end();
    while (capacity_ - used_ < bytes) {
        --it; // from the least recently used end; the check above guarantees a victim
        if (entries_[*it].pins != 0) continue;
        const uint32_t victim = *it;
        it = order_.erase(it);
        free_entry(victim);
        used_ -= bytes_of(victim);
    }
    return true;
}

void HostExpertTier::load(size_t k) {
    Entry& e = entries_[k];
    const uint64_t bytes = bytes_of(k);
    e.data = allocator_.allocate(bytes);
    const uint32_t le = uint32_t(k / 2);
    try {
        storage_bytes_ += storage_.read(le / n_expert_, le % n_expert_,
                                        k % 2 ? Precision::Low : Precision::High, e.data);
    } catch (...) {
        free_entry(k);
        throw;
    }
    ++storage_reads_;
    order_.push_front(uint32_t(k));
    e.where = order_.begin();
    used_ += bytes;
    peak_ = std::max(peak_, used_);
}

HostExpertTier::Acquired HostExpertTier::acquire(uint32_t layer, uint32_t expert, Precision p,
                                                 double now_seconds,
                                                 const std::function<double()>& clock) {
    const size_t k = key(layer, expert, p);
    Entry& e = entries_[k];
    Acquired a;
    if (e.data) {
        order_.splice(order_.begin(), order_, e.where);
    } else {
        if (!make_room(bytes_of(k))) return a;
        const uint64_t before = storage_bytes_;
        a.t_start = now_seconds;
        load(k);
        a.bytes_read = storage_bytes_ - before;
        a.t_end = clock ? clock() : now_seconds;
    }
    ++e.pins;
    a.data = e.data;
    return a;
}

void HostExpertTier::release(uint32_t layer, uint32_t expert, Precision p) {
    Entry& e = entries_[key(layer, expert, p)];
    if (e.pins > 0) --e.pins;
}

void HostExpertTier::preload(bool with_low, const std::function<void(double)>& progress,
                             size_t n_threads) {
    const uint32_t n_layer = catalog_.n_layer();
    const size_t total = size_t(n_layer) * n_expert_ * (with_low ? 2 : 1);
    std::vector<size_t> keys; // to load, in order
    uint64_t planned = used_;
    for (Precision p : {Precision::High, Precision::Low}) {
        if (p == Precision::Low && !with_low) break;
        for (uint32_t l = 0; l < n_layer; ++l)
            for (uint32_t e = 0; e < n_expert_; ++e) {
                const size_t k = key(l, e, p);
                if (entries_[k].data) continue;
                if (!unlimited() && planned + bytes_of(k) > capacity_) goto planned_all;
                keys.push_back(k);
                planned += bytes_of(k);
            }
    }
planned_all:
    if (n_threads <= 1 || keys.size() < 2) {
        for (size_t i = 0; i < keys.size(); ++i) {
            load(keys[i]);
            if (progress) progress(double(total - keys.size() + i + 1) / double(total));
        }
        return;
    }
    // Workers allocate and read; the bookkeeping stays on this thread.
    std::atomic<size_t> next{0}, finished{0};
    std::atomic<uint64_t> read_bytes{0};
    std::mutex error_mutex;
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < keys.size();) {
            const size_t k = keys[i];
            const uint32_t le = uint32_t(k / 2);
            try {
                entries_[k].data = allocator_.allocate(bytes_of(k));
                read_bytes +=
                    storage_.read(le / n_expert_, le % n_expert_,
                                  k % 2 ? Precision::Low : Precision::High, entries_[k].data);
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!error) error = std::current_exception();
                failed = true;
                next = keys.size();
            }
            ++finished;
        }
    };
    std::vector<std::thread> threads;
    for (size_t t = 0; t < std::min(n_threads, keys.size()); ++t) threads.emplace_back(work);
    while (progress && finished.load() < keys.size() && !failed.load()) {
        progress(double(total - keys.size() + finished.load()) / double(total));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (std::thread& t : threads) t.join();
    if (error) {
        for (size_t k : keys) free_entry(k);
        std::rethrow_exception(error);
    }
    for (size_t k : keys) {
        order_.push_front(uint32_t(k));
        entries_[k].where = order_.begin();
        used_ += bytes_of(k);
        ++storage_reads_;
    }
    storage_bytes_ += read_bytes.load();
    peak_ = std::max(peak_, used_);
    if (progress) progress(1.0);
}

} // namespace hoard::offload
