// Statements and the token-stream helpers; expressions are in parse_expression.cpp.
#include "template/parser.hpp"

#include <algorithm>

#include "hoard/error.hpp"

namespace hoard::templ {

namespace {

constexpr int kMaxNesting = 200; // deeper templates are refused, not followed off the stack

bool contains(const std::vector<std::string_view>& list, std::string_view s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

std::string quoted_list(const std::vector<std::string_view>& tags) {
    std::string out;
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (i) out += i + 1 == tags.size() ? " or " : ", ";
        out += '\'';
        out += tags[i];
        out += '\'';
    }
    return out;
}

} // namespace

Parser::DepthGuard::DepthGuard(Parser& p) : parser(p) {
    if (++parser.depth_ > kMaxNesting) {
        --parser.depth_;
        parser.fail("template nested too deeply");
    }
}

const Token& Parser::peek(std::size_t ahead) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
}

bool Parser::is_op(std::string_view op) const {
    return current().type == Token::Type::Operator && current().value == op;
}

bool Parser::is_name(std::string_view name) const {
    return current().type == Token::Type::Name && current().value == name;
}

bool Parser::skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
}

bool Parser::skip_name(std::string_view name) {
    if (!is_name(name)) return false;
    next();
    return true;
}

void Parser::expect_op(std::string_view op) {
    if (!skip_op(op)) fail("expected '" + std::string(op) + "', got " + describe(current()));
}

std::string Parser::expect_name() {
    if (current().type != Token::Type::Name) fail("expected a name, got " + describe(current()));
    std::string name = current().value;
    next();
    return name;
}

void Parser::expect_block_end() {
    if (current().type != Token::Type::BlockEnd)
        fail("expected end of statement block, got " + describe(current()));
    next();
}

std::string Parser::describe(const Token& t) const {
    switch (t.type) {
    case Token::Type::Text:
        return "template text";
    case Token::Type::VariableBegin:
        return "'{{'";
    case Token::Type::VariableEnd:
        return "end of print statement";
    case Token::Type::BlockBegin:
        return "'{%'";
    case Token::Type::BlockEnd:
        return "end of statement block";
    case Token::Type::End:
        return "end of template";
    case Token::Type::String:
        return "string literal";
    default:
        return "'" + t.value + "'";
    }
}

void Parser::fail(const std::string& what) const {
    fail_at(current().line, what);
}

void Parser::fail_at(int line, const std::string& what) const {
    throw Error("chat template syntax error at line " + std::to_string(line) + ": " + what);
}

Body Parser::parse_template() {
    return subparse({});
}

Body Parser::subparse(const std::vector<std::string_view>& end_tags) {
    Body body;
    while (true) {
        const Token& t = current();
        switch (t.type) {
        case Token::Type::Text:
            body.push_back(std::make_unique<TextStmt>(t.line, t.value));
            next();
            break;
        case Token::Type::VariableBegin: {
            const int line = t.line;
            next();
            ExprPtr e = parse_tuple(false, true, {}, false);
            if (current().type != Token::Type::VariableEnd)
                fail("expected end of print statement, got " + describe(current()));
            next();
            body.push_back(std::make_unique<OutputStmt>(line, std::move(e)));
            break;
        }
        case Token::Type::BlockBegin:
            next();
            if (current().type == Token::Type::Name && contains(end_tags, current().value))
                return body;
            body.push_back(parse_statement());
            break;
        case Token::Type::End:
            if (!end_tags.empty())
                fail("unexpected end of template, expected " + quoted_list(end_tags));
            return body;
        default:
            fail("unexpected " + describe(t));
        }
    }
}

Body Parser::parse_body_until(std::string_view end_tag) {
    Body body = subparse({end_tag});
    next(); // the end tag's name
    expect_block_end();
    return body;
}

StmtPtr Parser::parse_statement() {
    DepthGuard guard(*this);
    if (current().type != Token::Type::Name)
        fail("expected a statement, got " + describe(current()));
    const std::string keyword = current().value;
    const int line = current().line;
    next();
    if (keyword == "if") return parse_if(line);
    if (keyword == "for") return parse_for(line);
    if (keyword == "set") return parse_set(line);
    if (keyword == "macro") return parse_macro(line);
    if (keyword == "call") return parse_call_block(line);
    if (keyword == "filter") return parse_filter_block(line);
    if (keyword == "with") return parse_with(line);
    if (keyword == "break" || keyword == "continue") {
        if (loop_depth_ == 0) fail_at(line, "'" + keyword + "' outside of a loop");
        expect_block_end();
        return std::make_unique<LoopControlStmt>(line, keyword == "break");
    }
    if (keyword == "do") {
        ExprPtr e = parse_tuple(false, true, {}, false);
        expect_block_end();
        return std::make_unique<DoStmt>(line, std::move(e));
    }
    if (keyword == "generation") { // Hugging Face's marker for assistant-token masks
        expect_block_end();
        auto s = std::make_unique<ScopeStmt>(line);
        s->body = parse_body_until("endgeneration");
        return s;
    }
    static const std::vector<std::string_view> unsupported = {"block",  "extends", "include",
                                                              "import", "from",    "autoescape"};
    if (contains(unsupported, keyword))
        fail_at(line, "the '" + keyword + "' tag is not supported in chat templates");
    fail_at(line, "encountered unknown tag '" + keyword + "'");
}

StmtPtr Parser::parse_if(int line) {
    auto s = std::make_unique<IfStmt>(line);
    ExprPtr test = parse_tuple(false, false, {}, false);
    expect_block_end();
    while (true) {
        Body body = subparse({"elif", "else", "endif"});
        s->branches.emplace_back(std::move(test), std::move(body));
        if (skip_name("elif")) {
            test = parse_tuple(false, false, {}, false);
            expect_block_end();
            continue;
        }
        if (skip_name("else")) {
            expect_block_end();
            s->else_body = parse_body_until("endif");
        } else {
            next(); // endif
            expect_block_end();
        }
        return s;
    }
}

StmtPtr Parser::parse_for(int line) {
    auto s = std::make_unique<ForStmt>(line);
    s->target = parse_assign_target(true, {"in"}, false);
    if (!skip_name("in")) fail("expected 'in' in for loop, got " + describe(current()));
    s->iterable = parse_tuple(false, false, {"recursive"}, false);
    if (skip_name("if")) s->filter = parse_expression(true);
    s->recursive = skip_name("recursive");
    expect_block_end();
    ++loop_depth_;
    s->body = subparse({"endfor", "else"});
    --loop_depth_;
    if (skip_name("else")) {
        expect_block_end();
        s->else_body = subparse({"endfor"});
    }
    next(); // endfor
    expect_block_end();
    return s;
}

StmtPtr Parser::parse_set(int line) {
    Target target = parse_assign_target(true, {}, true);
    if (skip_op("=")) {
        auto s = std::make_unique<SetStmt>(line);
        s->target = std::move(target);
        s->value = parse_tuple(false, true, {}, false);
        expect_block_end();
        return s;
    }
    auto s = std::make_unique<SetBlockStmt>(line);
    s->target = std::move(target);
    if (is_op("|")) s->filter = parse_filter(nullptr, false);
    expect_block_end();
    s->body = parse_body_until("endset");
    return s;
}

std::vector<Parameter> Parser::parse_signature() {
    std::vector<Parameter> params;
    expect_op("(");
    while (!is_op(")")) {
        if (!params.empty()) expect_op(",");
        if (is_op(")")) break;
        Parameter p;
        p.name = expect_name();
        if (skip_op("=")) {
            p.default_value = parse_expression(true);
        } else if (!params.empty() && params.back().default_value) {
            fail("non-default argument '" + p.name + "' follows default argument");
        }
        params.push_back(std::move(p));
    }
    expect_op(")");
    return params;
}

StmtPtr Parser::parse_macro(int line) {
    auto s = std::make_unique<MacroStmt>(line);
    s->name = expect_name();
    s->params = parse_signature();
    expect_block_end();
    const int saved_loops = loop_depth_;
    loop_depth_ = 0; // a macro body is not inside the caller's loop
    s->body = parse_body_until("endmacro");
    loop_depth_ = saved_loops;
    return s;
}

StmtPtr Parser::parse_call_block(int line) {
    auto s = std::make_unique<CallBlockStmt>(line);
    if (is_op("(")) s->caller_params = parse_signature();
    s->call = parse_expression(true);
    if (s->call->kind != Expr::Kind::Call) fail_at(line, "expected a macro call after 'call'");
    expect_block_end();
    const int saved_loops = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_body_until("endcall");
    loop_depth_ = saved_loops;
    return s;
}

StmtPtr Parser::parse_filter_block(int line) {
    auto s = std::make_unique<FilterBlockStmt>(line);
    s->filter = parse_filter(nullptr, true);
    expect_block_end();
    s->body = parse_body_until("endfilter");
    return s;
}

StmtPtr Parser::parse_with(int line) {
    auto s = std::make_unique<WithStmt>(line);
    while (current().type != Token::Type::BlockEnd) {
        if (!s->assignments.empty()) expect_op(",");
        Target t = parse_assign_target(true, {}, false);
        expect_op("=");
        s->assignments.emplace_back(std::move(t), parse_expression(true));
    }
    expect_block_end();
    s->body = parse_body_until("endwith");
    return s;
}

namespace {

bool to_target(const Expr& e, Target& out) {
    if (e.kind == Expr::Kind::Name) {
        out.kind = Target::Kind::Name;
        out.name = static_cast<const NameExpr&>(e).name;
        return true;
    }
    if (e.kind == Expr::Kind::List && static_cast<const ListExpr&>(e).is_tuple) {
        out.kind = Target::Kind::Tuple;
        for (const auto& item : static_cast<const ListExpr&>(e).items) {
            Target t;
            if (!to_target(*item, t)) return false;
            out.items.push_back(std::move(t));
        }
        return true;
    }
    return false;
}

} // namespace

Target Parser::parse_assign_target(bool with_tuple, const std::vector<std::string_view>& extra_end,
                                   bool with_namespace) {
    Target target;
    if (with_namespace && current().type == Token::Type::Name &&
        peek().type == Token::Type::Operator && peek().value == ".") {
        target.kind = Target::Kind::Attribute;
        target.name = expect_name();
        next(); // '.'
        target.attribute = expect_name();
        return target;
    }
    const int line = current().line;
    ExprPtr e = with_tuple ? parse_tuple(true, false, extra_end, false) : parse_primary();
    if (!to_target(*e, target)) fail_at(line, "can't assign to this expression");
    return target;
}

} // namespace hoard::templ
