#pragma once
// Walks the parsed template and writes its text. Scoping follows jinja2:
// each loop iteration, macro call and `with` block gets a fresh scope whose
// writes vanish when it ends, while `if` bodies write into the enclosing one.
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "template/ast.hpp"
#include "template/chat_template.hpp"
#include "template/value.hpp"

namespace hoard::templ {

struct Scope {
    explicit Scope(std::shared_ptr<Scope> p) : parent(std::move(p)) {}
    const Value* find(const std::string& name) const;
    std::unordered_map<std::string, Value> vars;
    std::shared_ptr<Scope> parent;
};
using ScopePtr = std::shared_ptr<Scope>;

class Interpreter {
  public:
    Interpreter(LocalClock clock, RenderLimits limits);

    // Renders `body` with `context` (a dict) as the variables.
    std::string render(const Body& body, const Value& context);

    // The time strftime_now formats: the injected clock's, else the real local time.
    std::tm local_time() const;
    // Calls a template value (macro, builtin, bound method).
    Value call_value(const Value& callee, const CallArgs& args, std::string_view what);

  private:
    enum class Flow { Normal, Break, Continue };

    // statements (interpreter.cpp)
    Flow exec_body(const Body& body, const ScopePtr& scope, std::string& out);
    Flow exec(const Stmt& stmt, const ScopePtr& scope, std::string& out);
    // One run of a for loop over `iterable`; depth > 1 for `loop(children)` in recursive loops.
    void exec_for(const ForStmt& s, const Value& iterable, const ScopePtr& scope, std::string& out,
                  int depth);
    void exec_call_block(const CallBlockStmt& s, const ScopePtr& scope, std::string& out);
    void assign(const Target& target, Value value, const ScopePtr& scope);
    Value make_macro(const std::string& name, const std::vector<Parameter>& params,
                     const Body& body, const ScopePtr& defining_scope, const Value& caller);
    void step();

    // expressions (evaluate.cpp)
    Value eval(const Expr& e, const ScopePtr& scope);
    Value eval_call(const CallExpr& e, const ScopePtr& scope);
    Value eval_filter(const FilterExpr& e, const ScopePtr& scope, const Value* block_input);
    bool eval_test(const TestExpr& e, const ScopePtr& scope);
    Value eval_compare(const CompareExpr& e, const ScopePtr& scope);
    CallArgs eval_args(const ArgList& args, const ScopePtr& scope);
    Value lookup(const std::string& name, const ScopePtr& scope) const;

    void append_output(std::string& out, std::string_view text) const;

    LocalClock clock_;
    RenderLimits limits_;
    ScopePtr globals_;
    std::uint64_t steps_ = 0;
    int call_depth_ = 0;
    int line_ = 0;
};

} // namespace hoard::templ
