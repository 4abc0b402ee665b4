// Expression evaluation.
#include "hoard/error.hpp"
#include "template/filters.hpp"
#include "template/interpreter.hpp"
#include "template/methods.hpp"
#include "template/operators.hpp"

namespace hoard::templ {

Value Interpreter::lookup(const std::string& name, const ScopePtr& scope) const {
    if (const Value* v = scope->find(name)) return *v;
    return Value::undefined("'" + name + "' is undefined");
}

CallArgs Interpreter::eval_args(const ArgList& args, const ScopePtr& scope) {
    CallArgs out;
    out.positional.reserve(args.positional.size());
    for (const ExprPtr& e : args.positional) out.positional.push_back(eval(*e, scope));
    for (const auto& [k, e] : args.keyword) out.keyword.emplace_back(k, eval(*e, scope));
    return out;
}

Value Interpreter::call_value(const Value& callee, const CallArgs& args, std::string_view what) {
    if (callee.is_function()) {
        step();
        if (!callee.as_function()->call) throw Error("function is no longer available");
        return callee.as_function()->call(args);
    }
    if (callee.is_namespace()) { // a recursive loop's `loop` object
        if (const Value* f = callee.as_dict()->find_key("__call__"); f && f->is_function())
            return call_value(*f, args, what);
    }
    if (callee.is_undefined()) throw_undefined(callee);
    throw Error("'" + callee.type_name() + "' object is not callable" +
                (what.empty() ? std::string() : " (" + std::string(what) + ")"));
}

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
    line_ = e.line;
    switch (e.kind) {
    case Expr::Kind::Literal:
        return static_cast<const LiteralExpr&>(e).value;
    case Expr::Kind::Name:
        return lookup(static_cast<const NameExpr&>(e).name, scope);
    case Expr::Kind::List: {
        const auto& l = static_cast<const ListExpr&>(e);
        std::vector<Value> items;
        items.reserve(l.items.size());
        for (const ExprPtr& item : l.items) items.push_back(eval(*item, scope));
        return l.is_tuple ? Value::new_tuple(std::move(items)) : Value::new_list(std::move(items));
    }
    case Expr::Kind::Dict: {
        Value d = Value::new_dict();
        for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) {
            Value key = eval(*k, scope);
            if (key.is_list() && !key.is_tuple()) throw Error("unhashable type: 'list'");
            if (key.is_dict()) throw Error("unhashable type: 'dict'");
            d.as_dict()->set(std::move(key), eval(*v, scope));
        }
        return d;
    }
    case Expr::Kind::Unary: {
        const auto& u = static_cast<const UnaryExpr&>(e);
        return unary_op(u.op, eval(*u.operand, scope));
    }
    case Expr::Kind::Binary: {
        const auto& b = static_cast<const BinaryExpr&>(e);
        Value left = eval(*b.left, scope);
        if (b.op == BinaryOp::And) return left.truthy() ? eval(*b.right, scope) : left;
        if (b.op == BinaryOp::Or) return left.truthy() ? left : eval(*b.right, scope);
        const Value right = eval(*b.right, scope);
        line_ = e.line;
        return binary_op(b.op, left, right, limits_);
    }
    case Expr::Kind::Compare:
        return eval_compare(static_cast<const CompareExpr&>(e), scope);
    case Expr::Kind::Conditional: {
        const auto& c = static_cast<const ConditionalExpr&>(e);
        if (eval(*c.test, scope).truthy()) return eval(*c.then_value, scope);
        if (c.else_value) return eval(*c.else_value, scope);
        return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                                " evaluated to false and no else section was defined");
    }
    case Expr::Kind::GetAttr: {
        const auto& g = static_cast<const GetAttrExpr&>(e);
        const Value object = eval(*g.object, scope);
        line_ = e.line;
        return get_attribute(object, g.name);
    }
    case Expr::Kind::GetItem: {
        const auto& g = static_cast<const GetItemExpr&>(e);
        const Value object = eval(*g.object, scope);
        if (g.index->kind == Expr::Kind::Slice) {
            const auto& s = static_cast<const SliceExpr&>(*g.index);
            const Value start = s.start ? eval(*s.start, scope) : Value::none();
            const Value stop = s.stop ? eval(*s.stop, scope) : Value::none();
            const Value step_v = s.step ? eval(*s.step, scope) : Value::none();
            line_ = e.line;
            return slice_value(object, &start, &stop, &step_v);
        }
        const Value index = eval(*g.index, scope);
        line_ = e.line;
        return get_item(object, index);
    }
    case Expr::Kind::Slice:
        throw Error("a slice is only allowed inside [ ]");
    case Expr::Kind::Call:
        return eval_call(static_cast<const CallExpr&>(e), scope);
    case Expr::Kind::Filter:
        return eval_filter(static_cast<const FilterExpr&>(e), scope, nullptr);
    case Expr::Kind::Test:
        return Value(eval_test(static_cast<const TestExpr&>(e), scope));
    }
    throw Error("unknown expression");
}

Value Interpreter::eval_compare(const CompareExpr& e, const ScopePtr& scope) {
    Value left = eval(*e.first, scope);
    for (const auto& [op, operand] : e.rest) {
        Value right = eval(*operand, scope);
        line_ = e.line;
        if (!compare_op(op, left, right)) return Value(false);
        left = std::move(right);
    }
    return Value(true);
}

Value Interpreter::eval_call(const CallExpr& e, const ScopePtr& scope) {
    if (e.callee->kind == Expr::Kind::GetAttr) {
        // obj.method(args) calls the method directly rather than building a bound one.
        const auto& g = static_cast<const GetAttrExpr&>(*e.callee);
        const Value object = eval(*g.object, scope);
        if (object.is_undefined()) throw_undefined(object);
        if (!object.is_namespace() && has_method(object, g.name)) {
            const CallArgs args = eval_args(e.args, scope);
            line_ = e.line;
            step();
            return call_method(object, g.name, args, limits_);
        }
        const Value callee = get_attribute(object, g.name);
        const CallArgs args = eval_args(e.args, scope);
        line_ = e.line;
        return call_value(callee, args, g.name);
    }
    const Value callee = eval(*e.callee, scope);
    const CallArgs args = eval_args(e.args, scope);
    line_ = e.line;
    return call_value(callee, args,
                      e.callee->kind == Expr::Kind::Name
                          ? static_cast<const NameExpr&>(*e.callee).name
                          : std::string());
}

Value Interpreter::eval_filter(const FilterExpr& e, const ScopePtr& scope,
                               const Value* block_input) {
    Value input;
    if (!e.operand) {
        if (!block_input) throw Error("filter '" + e.name + "' has nothing to filter");
        input = *block_input;
    } else if (e.operand->kind == Expr::Kind::Filter) {
        input = eval_filter(static_cast<const FilterExpr&>(*e.operand), scope, block_input);
    } else {
        input = eval(*e.operand, scope);
    }
    const CallArgs args = eval_args(e.args, scope);
    line_ = e.line;
    return apply_filter(e.name, input, args, limits_);
}

bool Interpreter::eval_test(const TestExpr& e, const ScopePtr& scope) {
    const Value input = eval(*e.operand, scope);
    const CallArgs args = eval_args(e.args, scope);
    line_ = e.line;
    const bool result = apply_test(e.name, input, args);
    return e.negated ? !result : result;
}

} // namespace hoard::templ
