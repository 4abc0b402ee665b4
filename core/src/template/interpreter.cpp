// Statement execution; expressions are in evaluate.cpp.
#include "template/interpreter.hpp"

#include "hoard/error.hpp"
#include "template/builtins.hpp"
#include "template/operators.hpp"

namespace hoard::templ {

const Value* Scope::find(const std::string& name) const {
    for (const Scope* s = this; s != nullptr; s = s->parent.get()) {
        const auto it = s->vars.find(name);
        if (it != s->vars.end()) return &it->second;
    }
    return nullptr;
}

Interpreter::Interpreter(LocalClock clock, RenderLimits limits)
    : clock_(std::move(clock)), limits_(limits), globals_(std::make_shared<Scope>(nullptr)) {
    install_builtins(*globals_, *this);
}

std::tm Interpreter::local_time() const {
    if (clock_) return clock_();
    const std::time_t now = std::time(nullptr);
    std::tm t{};
    localtime_r(&now, &t);
    return t;
}

void Interpreter::step() {
    if (++steps_ > limits_.max_steps)
        throw Error("the template runs too long (more than " + std::to_string(limits_.max_steps) +
                    " steps)");
}

void Interpreter::append_output(std::string& out, std::string_view text) const {
    if (out.size() + text.size() > limits_.max_output_bytes)
        throw Error("the rendered text grows beyond " + std::to_string(limits_.max_output_bytes) +
                    " bytes");
    out += text;
}

std::string Interpreter::render(const Body& body, const Value& context) {
    auto root = std::make_shared<Scope>(globals_);
    if (context.is_dict()) {
        for (const auto& [k, v] : context.as_dict()->items) root->vars[k.str()] = v;
    }
    std::string out;
    try {
        exec_body(body, root, out);
    } catch (const TemplateRaisedError&) {
        throw;
    } catch (const Error& e) {
        throw Error("chat template error at line " + std::to_string(line_) + ": " + e.what());
    }
    return out;
}

Interpreter::Flow Interpreter::exec_body(const Body& body, const ScopePtr& scope,
                                         std::string& out) {
    for (const StmtPtr& s : body) {
        const Flow f = exec(*s, scope, out);
        if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& stmt, const ScopePtr& scope, std::string& out) {
    step();
    line_ = stmt.line;
    switch (stmt.kind) {
    case Stmt::Kind::Text:
        append_output(out, static_cast<const TextStmt&>(stmt).text);
        break;
    case Stmt::Kind::Output: {
        const Value v = eval(*static_cast<const OutputStmt&>(stmt).expr, scope);
        if (v.is_string())
            append_output(out, v.as_string());
        else
            append_output(out, v.str());
        break;
    }
    case Stmt::Kind::If: {
        const auto& s = static_cast<const IfStmt&>(stmt);
        for (const auto& [test, body] : s.branches) {
            if (eval(*test, scope).truthy()) return exec_body(body, scope, out);
        }
        return exec_body(s.else_body, scope, out);
    }
    case Stmt::Kind::For: {
        const auto& s = static_cast<const ForStmt&>(stmt);
        exec_for(s, eval(*s.iterable, scope), scope, out, 1);
        break;
    } break;
    case Stmt::Kind::Set: {
        const auto& s = static_cast<const SetStmt&>(stmt);
        assign(s.target, eval(*s.value, scope), scope);
        break;
    }
    case Stmt::Kind::SetBlock: {
        const auto& s = static_cast<const SetBlockStmt&>(stmt);
        std::string text;
        exec_body(s.body, scope, text);
        Value v(std::move(text));
        if (s.filter) v = eval_filter(static_cast<const FilterExpr&>(*s.filter), scope, &v);
        assign(s.target, std::move(v), scope);
        break;
    }
    case Stmt::Kind::Macro: {
        const auto& s = static_cast<const MacroStmt&>(stmt);
        scope->vars[s.name] = make_macro(s.name, s.params, s.body, scope, Value());
        break;
    }
    case Stmt::Kind::CallBlock:
        exec_call_block(static_cast<const CallBlockStmt&>(stmt), scope, out);
        break;
    case Stmt::Kind::FilterBlock: {
        const auto& s = static_cast<const FilterBlockStmt&>(stmt);
        std::string text;
        exec_body(s.body, scope, text);
        const Value input(std::move(text));
        append_output(out,
                      eval_filter(static_cast<const FilterExpr&>(*s.filter), scope, &input).str());
        break;
    }
    case Stmt::Kind::With: {
        const auto& s = static_cast<const WithStmt&>(stmt);
        auto inner = std::make_shared<Scope>(scope);
        for (const auto& [target, value] : s.assignments)
            assign(target, eval(*value, scope), inner);
        return exec_body(s.body, inner, out);
    }
    case Stmt::Kind::Break:
        return Flow::Break;
    case Stmt::Kind::Continue:
        return Flow::Continue;
    case Stmt::Kind::Do:
        eval(*static_cast<const DoStmt&>(stmt).expr, scope);
        break;
    case Stmt::Kind::Scope:
        return exec_body(static_cast<const ScopeStmt&>(stmt).body, scope, out);
    }
    return Flow::Normal;
}

void Interpreter::assign(const Target& target, Value value, const ScopePtr& scope) {
    switch (target.kind) {
    case Target::Kind::Name:
        scope->vars[target.name] = std::move(value);
        return;
    case Target::Kind::Attribute: {
        const Value* ns = scope->find(target.name);
        if (!ns || !ns->is_namespace())
            throw Error("cannot assign attribute on non-namespace object '" + target.name + "'");
        ns->as_dict()->set(Value(target.attribute), std::move(value));
        return;
    }
    case Target::Kind::Tuple: {
        const std::vector<Value> items = iterate(value);
        const std::size_t want = target.items.size();
        if (items.size() > want)
            throw Error("too many values to unpack (expected " + std::to_string(want) + ")");
        if (items.size() < want)
            throw Error("not enough values to unpack (expected " + std::to_string(want) + ", got " +
                        std::to_string(items.size()) + ")");
        for (std::size_t i = 0; i < want; ++i) assign(target.items[i], items[i], scope);
        return;
    }
    }
}

void Interpreter::exec_for(const ForStmt& s, const Value& iterable, const ScopePtr& scope,
                           std::string& out, int depth) {
    if (depth > limits_.max_call_depth) throw Error("recursive loop nested too deeply");
    std::vector<Value> items = iterate(iterable);
    if (s.filter) {
        std::vector<Value> kept;
        for (Value& item : items) {
            step();
            auto probe = std::make_shared<Scope>(scope);
            assign(s.target, item, probe);
            if (eval(*s.filter, probe).truthy()) kept.push_back(std::move(item));
        }
        items = std::move(kept);
    }
    if (items.empty()) {
        exec_body(s.else_body, scope, out);
        return;
    }
    const auto n = static_cast<std::int64_t>(items.size());
    auto position = std::make_shared<std::int64_t>(0);
    const Value cycle = make_function("loop.cycle", [position](const CallArgs& a) -> Value {
        if (a.positional.empty()) throw Error("no items for cycling given");
        return a.positional[static_cast<std::size_t>(*position) % a.positional.size()];
    });
    auto last_seen = std::make_shared<std::vector<Value>>();
    auto seen_any = std::make_shared<bool>(false);
    const Value changed =
        make_function("loop.changed", [last_seen, seen_any](const CallArgs& a) -> Value {
            const bool differs =
                !*seen_any || last_seen->size() != a.positional.size() ||
                !values_equal(Value::new_list(*last_seen), Value::new_list(a.positional));
            *seen_any = true;
            *last_seen = a.positional;
            return Value(differs);
        });
    // In a recursive loop, `loop(children)` runs the same body over children, one level deeper.
    const Value recurse =
        s.recursive ? make_function("loop",
                                    [this, &s, scope, depth](const CallArgs& a) -> Value {
                                        const Value* children = a.get(0, "iterable");
                                        if (!children)
                                            throw Error("loop() needs the items to recurse into");
                                        std::string text;
                                        exec_for(s, *children, scope, text, depth + 1);
                                        return Value(std::move(text));
                                    })
                    : Value();
    for (std::int64_t i = 0; i < n; ++i) {
        step();
        *position = i;
        auto inner = std::make_shared<Scope>(scope);
        Value loop = Value::new_dict();
        Dict& d = *loop.as_dict();
        d.is_namespace = true; // attribute access only, like jinja2's LoopContext
        d.items.reserve(13);
        d.items.emplace_back(Value("index"), Value(i + 1));
        d.items.emplace_back(Value("index0"), Value(i));
        d.items.emplace_back(Value("revindex"), Value(n - i));
        d.items.emplace_back(Value("revindex0"), Value(n - i - 1));
        d.items.emplace_back(Value("first"), Value(i == 0));
        d.items.emplace_back(Value("last"), Value(i == n - 1));
        d.items.emplace_back(Value("length"), Value(n));
        d.items.emplace_back(Value("depth"), Value(depth));
        d.items.emplace_back(Value("depth0"), Value(depth - 1));
        if (i > 0) d.items.emplace_back(Value("previtem"), items[static_cast<std::size_t>(i - 1)]);
        if (i + 1 < n)
            d.items.emplace_back(Value("nextitem"), items[static_cast<std::size_t>(i + 1)]);
        d.items.emplace_back(Value("cycle"), cycle);
        d.items.emplace_back(Value("changed"), changed);
        if (s.recursive) d.items.emplace_back(Value("__call__"), recurse);
        inner->vars["loop"] = std::move(loop);
        assign(s.target, items[static_cast<std::size_t>(i)], inner);
        if (exec_body(s.body, inner, out) == Flow::Break) break;
    }
}

Value Interpreter::make_macro(const std::string& name, const std::vector<Parameter>& params,
                              const Body& body, const ScopePtr& defining_scope,
                              const Value& caller) {
    return make_function(
        name, [this, name, &params, &body, defining_scope, caller](const CallArgs& args) {
            if (call_depth_ >= limits_.max_call_depth)
                throw Error("macro calls nested too deeply (in '" + name + "')");
            struct DepthScope {
                int& depth;
                explicit DepthScope(int& d) : depth(d) { ++depth; }
                ~DepthScope() { --depth; }
            } guard(call_depth_);
            auto scope = std::make_shared<Scope>(defining_scope);
            for (std::size_t i = 0; i < params.size(); ++i) {
                const Parameter& p = params[i];
                const Value* given = i < args.positional.size() ? &args.positional[i] : nullptr;
                for (const auto& [k, v] : args.keyword) {
                    if (k == p.name) {
                        if (given)
                            throw Error("macro '" + name + "' got multiple values for argument '" +
                                        k + "'");
                        given = &v;
                    }
                }
                if (given)
                    scope->vars[p.name] = *given;
                else if (p.default_value)
                    scope->vars[p.name] = eval(*p.default_value, scope);
                else
                    scope->vars[p.name] =
                        Value::undefined("parameter '" + p.name + "' was not provided");
            }
            std::vector<Value> extra;
            for (std::size_t i = params.size(); i < args.positional.size(); ++i)
                extra.push_back(args.positional[i]);
            scope->vars["varargs"] = Value::new_tuple(std::move(extra));
            Value kwargs = Value::new_dict();
            for (const auto& [k, v] : args.keyword) {
                if (k == "caller") {
                    scope->vars["caller"] = v;
                    continue;
                }
                bool is_param = false;
                for (const Parameter& p : params) is_param = is_param || p.name == k;
                if (!is_param) kwargs.as_dict()->set(Value(k), v);
            }
            scope->vars["kwargs"] = std::move(kwargs);
            if (!caller.is_undefined()) scope->vars["caller"] = caller;
            std::string text;
            exec_body(body, scope, text);
            return Value(std::move(text));
        });
}

void Interpreter::exec_call_block(const CallBlockStmt& s, const ScopePtr& scope, std::string& out) {
    const Value caller = make_macro("caller", s.caller_params, s.body, scope, Value());
    const auto& call = static_cast<const CallExpr&>(*s.call);
    const Value callee = eval(*call.callee, scope);
    CallArgs args = eval_args(call.args, scope);
    args.keyword.emplace_back("caller", caller);
    append_output(out, call_value(callee, args, "call block").str());
}

} // namespace hoard::templ
