// Expressions, one function per precedence level as in jinja2's parser.
#include <algorithm>
#include <charconv>

#include "hoard/error.hpp"
#include "template/parser.hpp"

namespace hoard::templ {

bool Parser::is_tuple_end(const std::vector<std::string_view>& extra_end) const {
    const Token& t = current();
    if (t.type == Token::Type::VariableEnd || t.type == Token::Type::BlockEnd ||
        t.type == Token::Type::End)
        return true;
    if (t.type == Token::Type::Operator && t.value == ")") return true;
    return t.type == Token::Type::Name &&
           std::find(extra_end.begin(), extra_end.end(), t.value) != extra_end.end();
}

ExprPtr Parser::parse_tuple(bool simplified, bool with_condexpr,
                            const std::vector<std::string_view>& extra_end, bool explicit_parens) {
    const int line = current().line;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
        if (!items.empty()) expect_op(",");
        if (is_tuple_end(extra_end)) break;
        items.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
        if (is_op(","))
            is_tuple = true;
        else
            break;
    }
    if (!is_tuple) {
        if (!items.empty()) return std::move(items.front());
        if (!explicit_parens) fail("expected an expression, got " + describe(current()));
    }
    auto t = std::make_unique<ListExpr>(line, true);
    t->items = std::move(items);
    return t;
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
    ExprPtr expr = parse_or();
    while (is_name("if")) {
        const int line = current().line;
        next();
        auto c = std::make_unique<ConditionalExpr>(line);
        c->test = parse_or();
        if (skip_name("else")) c->else_value = parse_condexpr();
        c->then_value = std::move(expr);
        expr = std::move(c);
    }
    return expr;
}

ExprPtr Parser::parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
        const int line = current().line;
        next();
        left = std::make_unique<BinaryExpr>(line, BinaryOp::Or, std::move(left), parse_and());
    }
    return left;
}

ExprPtr Parser::parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
        const int line = current().line;
        next();
        left = std::make_unique<BinaryExpr>(line, BinaryOp::And, std::move(left), parse_not());
    }
    return left;
}

ExprPtr Parser::parse_not() {
    if (is_name("not")) {
        DepthGuard guard(*this);
        const int line = current().line;
        next();
        return std::make_unique<UnaryExpr>(line, UnaryOp::Not, parse_not());
    }
    return parse_compare();
}

ExprPtr Parser::parse_compare() {
    const int line = current().line;
    ExprPtr first = parse_math1();
    std::unique_ptr<CompareExpr> cmp;
    while (true) {
        CompareOp op;
        if (is_op("=="))
            op = CompareOp::Eq;
        else if (is_op("!="))
            op = CompareOp::Ne;
        else if (is_op("<"))
            op = CompareOp::Lt;
        else if (is_op("<="))
            op = CompareOp::Le;
        else if (is_op(">"))
            op = CompareOp::Gt;
        else if (is_op(">="))
            op = CompareOp::Ge;
        else if (is_name("in"))
            op = CompareOp::In;
        else if (is_name("not") && peek().type == Token::Type::Name && peek().value == "in") {
            next();
            op = CompareOp::NotIn;
        } else {
            break;
        }
        next();
        if (!cmp) cmp = std::make_unique<CompareExpr>(line, std::move(first));
        cmp->rest.emplace_back(op, parse_math1());
    }
    if (cmp) return cmp;
    return first;
}

ExprPtr Parser::parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
        const BinaryOp op = is_op("+") ? BinaryOp::Add : BinaryOp::Sub;
        const int line = current().line;
        next();
        left = std::make_unique<BinaryExpr>(line, op, std::move(left), parse_concat());
    }
    return left;
}

ExprPtr Parser::parse_concat() {
    ExprPtr left = parse_math2();
    while (is_op("~")) {
        const int line = current().line;
        next();
        left = std::make_unique<BinaryExpr>(line, BinaryOp::Concat, std::move(left), parse_math2());
    }
    return left;
}

ExprPtr Parser::parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
        const BinaryOp op = is_op("*")    ? BinaryOp::Mul
                            : is_op("/")  ? BinaryOp::Div
                            : is_op("//") ? BinaryOp::FloorDiv
                                          : BinaryOp::Mod;
        const int line = current().line;
        next();
        left = std::make_unique<BinaryExpr>(line, op, std::move(left), parse_pow());
    }
    return left;
}

ExprPtr Parser::parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
        const int line = current().line;
        next();
        left =
            std::make_unique<BinaryExpr>(line, BinaryOp::Pow, std::move(left), parse_unary(true));
    }
    return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    const int line = current().line;
    ExprPtr node;
    if (is_op("-")) {
        next();
        node = std::make_unique<UnaryExpr>(line, UnaryOp::Neg, parse_unary(false));
    } else if (is_op("+")) {
        next();
        node = std::make_unique<UnaryExpr>(line, UnaryOp::Pos, parse_unary(false));
    } else {
        node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
}

ExprPtr Parser::parse_primary() {
    DepthGuard guard(*this);
    const Token& t = current();
    const int line = t.line;
    switch (t.type) {
    case Token::Type::Name: {
        const std::string& n = t.value;
        ExprPtr e;
        if (n == "true" || n == "True")
            e = std::make_unique<LiteralExpr>(line, Value(true));
        else if (n == "false" || n == "False")
            e = std::make_unique<LiteralExpr>(line, Value(false));
        else if (n == "none" || n == "None")
            e = std::make_unique<LiteralExpr>(line, Value::none());
        else
            e = std::make_unique<NameExpr>(line, n);
        next();
        return e;
    }
    case Token::Type::String: {
        std::string s;
        while (current().type == Token::Type::String) { // adjacent literals concatenate
            s += current().value;
            next();
        }
        return std::make_unique<LiteralExpr>(line, Value(std::move(s)));
    }
    case Token::Type::Integer: {
        const std::string& text = t.value;
        int base = 10;
        std::size_t start = 0;
        if (text.size() > 2 && text[0] == '0' &&
            (text[1] == 'x' || text[1] == 'o' || text[1] == 'b')) {
            base = text[1] == 'x' ? 16 : text[1] == 'o' ? 8 : 2;
            start = 2;
        }
        std::int64_t v = 0;
        const auto res = std::from_chars(text.data() + start, text.data() + text.size(), v, base);
        if (res.ec != std::errc() || res.ptr != text.data() + text.size())
            fail("integer literal '" + text + "' is out of range");
        next();
        return std::make_unique<LiteralExpr>(line, Value(v));
    }
    case Token::Type::Float: {
        double v = 0;
        const auto res = std::from_chars(t.value.data(), t.value.data() + t.value.size(), v);
        if (res.ec != std::errc() && res.ec != std::errc::result_out_of_range)
            fail("bad float literal '" + t.value + "'");
        next();
        return std::make_unique<LiteralExpr>(line, Value(v));
    }
    case Token::Type::Operator:
        if (t.value == "(") {
            next();
            ExprPtr e = parse_tuple(false, true, {}, true);
            expect_op(")");
            return e;
        }
        if (t.value == "[") return parse_list();
        if (t.value == "{") return parse_dict();
        break;
    default:
        break;
    }
    fail("unexpected " + describe(t));
}

ExprPtr Parser::parse_list() {
    auto l = std::make_unique<ListExpr>(current().line, false);
    expect_op("[");
    while (!is_op("]")) {
        if (!l->items.empty()) expect_op(",");
        if (is_op("]")) break;
        l->items.push_back(parse_expression(true));
    }
    expect_op("]");
    return l;
}

ExprPtr Parser::parse_dict() {
    auto d = std::make_unique<DictExpr>(current().line);
    expect_op("{");
    while (!is_op("}")) {
        if (!d->items.empty()) expect_op(",");
        if (is_op("}")) break;
        ExprPtr key = parse_expression(true);
        expect_op(":");
        d->items.emplace_back(std::move(key), parse_expression(true));
    }
    expect_op("}");
    return d;
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
    while (true) {
        if (is_op(".") || is_op("[")) {
            node = parse_subscript(std::move(node));
        } else if (is_op("(")) {
            auto c = std::make_unique<CallExpr>(current().line, std::move(node));
            c->args = parse_call_args();
            node = std::move(c);
        } else {
            return node;
        }
    }
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
    while (true) {
        if (is_op("|")) {
            node = parse_filter(std::move(node), false);
        } else if (is_name("is")) {
            node = parse_test(std::move(node));
        } else if (is_op("(")) {
            auto c = std::make_unique<CallExpr>(current().line, std::move(node));
            c->args = parse_call_args();
            node = std::move(c);
        } else {
            return node;
        }
    }
}

ExprPtr Parser::parse_subscript(ExprPtr node) {
    const int line = current().line;
    if (skip_op(".")) {
        const Token& t = current();
        if (t.type == Token::Type::Name) {
            std::string name = t.value;
            next();
            return std::make_unique<GetAttrExpr>(line, std::move(node), std::move(name));
        }
        if (t.type != Token::Type::Integer) fail("expected a name or number after '.'");
        ExprPtr index = parse_primary();
        return std::make_unique<GetItemExpr>(line, std::move(node), std::move(index));
    }
    expect_op("[");
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
        if (!args.empty()) expect_op(",");
        args.push_back(parse_subscribed());
    }
    expect_op("]");
    ExprPtr index;
    if (args.size() == 1) {
        index = std::move(args.front());
    } else {
        auto t = std::make_unique<ListExpr>(line, true);
        t->items = std::move(args);
        index = std::move(t);
    }
    return std::make_unique<GetItemExpr>(line, std::move(node), std::move(index));
}

ExprPtr Parser::parse_subscribed() {
    const int line = current().line;
    auto slice = std::make_unique<SliceExpr>(line);
    if (!skip_op(":")) {
        ExprPtr e = parse_expression(true);
        if (!skip_op(":")) return e;
        slice->start = std::move(e);
    }
    if (!is_op(":") && !is_op("]") && !is_op(",")) slice->stop = parse_expression(true);
    if (skip_op(":")) {
        if (!is_op("]") && !is_op(",")) slice->step = parse_expression(true);
    }
    return slice;
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
    while (start_inline || is_op("|")) {
        if (!start_inline) next();
        start_inline = false;
        const int line = current().line;
        std::string name = expect_name();
        while (skip_op(".")) {
            name += '.';
            name += expect_name();
        }
        auto f = std::make_unique<FilterExpr>(line, std::move(node), std::move(name));
        if (is_op("(")) f->args = parse_call_args();
        node = std::move(f);
    }
    return node;
}

ExprPtr Parser::parse_test(ExprPtr node) {
    const int line = current().line;
    next(); // 'is'
    const bool negated = skip_name("not");
    std::string name = expect_name();
    while (skip_op(".")) {
        name += '.';
        name += expect_name();
    }
    auto t = std::make_unique<TestExpr>(line, std::move(node), std::move(name), negated);
    const Token& c = current();
    const bool arg_follows =
        (c.type == Token::Type::Name && c.value != "else" && c.value != "or" && c.value != "and") ||
        c.type == Token::Type::String || c.type == Token::Type::Integer ||
        c.type == Token::Type::Float ||
        (c.type == Token::Type::Operator && (c.value == "[" || c.value == "{"));
    if (is_op("(")) {
        t->args = parse_call_args();
    } else if (arg_follows) {
        if (is_name("is")) fail("you cannot chain multiple tests with 'is'");
        t->args.positional.push_back(parse_postfix(parse_primary()));
    }
    return t;
}

ArgList Parser::parse_call_args() {
    ArgList args;
    expect_op("(");
    while (!is_op(")")) {
        if (!args.positional.empty() || !args.keyword.empty()) {
            expect_op(",");
            if (is_op(")")) break;
        }
        if (is_op("*") || is_op("**")) fail("*args and **kwargs in calls are not supported");
        if (current().type == Token::Type::Name && peek().type == Token::Type::Operator &&
            peek().value == "=") {
            std::string key = current().value;
            next();
            next();
            args.keyword.emplace_back(std::move(key), parse_expression(true));
        } else {
            if (!args.keyword.empty()) fail("positional argument follows keyword argument");
            args.positional.push_back(parse_expression(true));
        }
    }
    expect_op(")");
    return args;
}

} // namespace hoard::templ
