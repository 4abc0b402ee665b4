#pragma once
// Recursive-descent parser following jinja2's grammar and operator
// precedence (including its quirks: `~` binds tighter than `+`, filters and
// `is` tests bind to the unary operand, `-2 ** 2` is 4).
#include <string>
#include <string_view>
#include <vector>

#include "template/ast.hpp"
#include "template/lexer.hpp"

namespace hoard::templ {

class Parser {
  public:
    explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

    // The whole template; throws hoard::Error naming the line on a syntax error.
    Body parse_template();

  private:
    // statements (parser.cpp)
    Body subparse(const std::vector<std::string_view>& end_tags);
    StmtPtr parse_statement();
    StmtPtr parse_if(int line);
    StmtPtr parse_for(int line);
    StmtPtr parse_set(int line);
    StmtPtr parse_macro(int line);
    StmtPtr parse_call_block(int line);
    StmtPtr parse_filter_block(int line);
    StmtPtr parse_with(int line);
    std::vector<Parameter> parse_signature();
    Target parse_assign_target(bool with_tuple, const std::vector<std::string_view>& extra_end,
                               bool with_namespace);
    Body parse_body_until(std::string_view end_tag);
    void expect_block_end();

    // expressions (parse_expression.cpp)
    ExprPtr parse_tuple(bool simplified, bool with_condexpr,
                        const std::vector<std::string_view>& extra_end, bool explicit_parens);
    ExprPtr parse_expression(bool with_condexpr = true);
    ExprPtr parse_condexpr();
    ExprPtr parse_or();
    ExprPtr parse_and();
    ExprPtr parse_not();
    ExprPtr parse_compare();
    ExprPtr parse_math1();
    ExprPtr parse_concat();
    ExprPtr parse_math2();
    ExprPtr parse_pow();
    ExprPtr parse_unary(bool with_filter);
    ExprPtr parse_primary();
    ExprPtr parse_postfix(ExprPtr node);
    ExprPtr parse_filter_expr(ExprPtr node);
    ExprPtr parse_subscript(ExprPtr node);
    ExprPtr parse_subscribed();
    ExprPtr parse_filter(ExprPtr node, bool start_inline);
    ExprPtr parse_test(ExprPtr node);
    ArgList parse_call_args();
    ExprPtr parse_list();
    ExprPtr parse_dict();
    bool is_tuple_end(const std::vector<std::string_view>& extra_end) const;

    // token stream
    const Token& current() const { return tokens_[pos_]; }
    const Token& peek(std::size_t ahead = 1) const;
    void next() {
        if (pos_ + 1 < tokens_.size()) ++pos_;
    }
    bool is_op(std::string_view op) const;
    bool is_name(std::string_view name) const;
    bool skip_op(std::string_view op);
    bool skip_name(std::string_view name);
    void expect_op(std::string_view op);
    std::string expect_name();
    std::string describe(const Token& t) const;
    [[noreturn]] void fail(const std::string& what) const;
    [[noreturn]] void fail_at(int line, const std::string& what) const;

    // Bounds recursion so a hostile template cannot exhaust the stack.
    struct DepthGuard {
        explicit DepthGuard(Parser& p);
        ~DepthGuard() { --parser.depth_; }
        Parser& parser;
    };

    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    int depth_ = 0;
    int loop_depth_ = 0;
};

} // namespace hoard::templ
