#pragma once
// Lists, dicts and functions are shared_ptr-owned, so a template can build
// reference cycles: every macro captures the scope that holds it, and
// `xs.append(xs)` is legal. A RenderArena remembers what one render creates and
// empties whatever is still alive when the render ends, so no cycle outlives it.
#include <memory>
#include <vector>

#include "template/value.hpp"

namespace hoard::templ {

class RenderArena {
  public:
    RenderArena();  // becomes this thread's current arena
    ~RenderArena(); // breaks every cycle, then restores the previous arena
    RenderArena(const RenderArena&) = delete;
    RenderArena& operator=(const RenderArena&) = delete;

    // Called by the value factories; no-ops outside a render.
    static void track(const ListPtr& list);
    static void track(const DictPtr& dict);
    static void track(const FunctionPtr& function);

  private:
    template <typename T>
    static void remember(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& p);

    std::vector<std::weak_ptr<List>> lists_;
    std::vector<std::weak_ptr<Dict>> dicts_;
    std::vector<std::weak_ptr<Function>> functions_;
    RenderArena* previous_;
};

} // namespace hoard::templ
