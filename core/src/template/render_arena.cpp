#include "template/render_arena.hpp"

#include <algorithm>

namespace hoard::templ {

namespace {

thread_local RenderArena* current_arena = nullptr;

} // namespace

RenderArena::RenderArena() : previous_(current_arena) {
    current_arena = this;
}

RenderArena::~RenderArena() {
    current_arena = previous_;
    // Hold each survivor while emptying it: emptying can free others in cascade.
    for (const auto& w : functions_) {
        if (auto f = w.lock()) f->call = nullptr;
    }
    for (const auto& w : lists_) {
        if (auto l = w.lock()) std::vector<Value>().swap(l->items);
    }
    for (const auto& w : dicts_) {
        if (auto d = w.lock()) std::vector<std::pair<Value, Value>>().swap(d->items);
    }
}

template <typename T>
void RenderArena::remember(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& p) {
    // Drop the expired entries now and then, so the registry stays
    // proportional to what is alive rather than to all a render ever made.
    if (list.size() >= 4096 && list.size() == list.capacity()) {
        list.erase(
            std::remove_if(list.begin(), list.end(), [](const auto& w) { return w.expired(); }),
            list.end());
        list.reserve(std::max<std::size_t>(4096, list.size() * 2));
    }
    list.push_back(p);
}

void RenderArena::track(const ListPtr& list) {
    if (current_arena) remember(current_arena->lists_, list);
}

void RenderArena::track(const DictPtr& dict) {
    if (current_arena) remember(current_arena->dicts_, dict);
}

void RenderArena::track(const FunctionPtr& function) {
    if (current_arena) remember(current_arena->functions_, function);
}

} // namespace hoard::templ
