#pragma once
// The parsed form of a template: expression and statement nodes, plain data
// that the interpreter walks. Every node keeps its source line for errors.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/value.hpp"

namespace hoard::templ {

struct Expr {
    enum class Kind {
        Literal,
        Name,
        List, // also tuples
        Dict,
        Unary,
        Binary,
        Compare,
        Conditional,
        GetAttr,
        GetItem,
        Slice,
        Call,
        Filter,
        Test,
    };
    Expr(Kind k, int l) : kind(k), line(l) {}
    virtual ~Expr() = default;
    Kind kind;
    int line;
};
using ExprPtr = std::unique_ptr<Expr>;

struct ArgList {
    std::vector<ExprPtr> positional;
    std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct LiteralExpr : Expr {
    LiteralExpr(int l, Value v) : Expr(Kind::Literal, l), value(std::move(v)) {}
    Value value;
};

struct NameExpr : Expr {
    NameExpr(int l, std::string n) : Expr(Kind::Name, l), name(std::move(n)) {}
    std::string name;
};

struct ListExpr : Expr {
    ListExpr(int l, bool t) : Expr(Kind::List, l), is_tuple(t) {}
    std::vector<ExprPtr> items;
    bool is_tuple;
};

struct DictExpr : Expr {
    explicit DictExpr(int l) : Expr(Kind::Dict, l) {}
    std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

enum class UnaryOp { Not, Neg, Pos };
struct UnaryExpr : Expr {
    UnaryExpr(int l, UnaryOp o, ExprPtr e) : Expr(Kind::Unary, l), op(o), operand(std::move(e)) {}
    UnaryOp op;
    ExprPtr operand;
};

enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat, And, Or };
struct BinaryExpr : Expr {
    BinaryExpr(int l, BinaryOp o, ExprPtr a, ExprPtr b)
        : Expr(Kind::Binary, l), op(o), left(std::move(a)), right(std::move(b)) {}
    BinaryOp op;
    ExprPtr left, right;
};

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };
// Python-style chain: a < b < c means a < b and b < c.
struct CompareExpr : Expr {
    CompareExpr(int l, ExprPtr f) : Expr(Kind::Compare, l), first(std::move(f)) {}
    ExprPtr first;
    std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

// `then if test else otherwise`; no else gives Undefined.
struct ConditionalExpr : Expr {
    explicit ConditionalExpr(int l) : Expr(Kind::Conditional, l) {}
    ExprPtr test, then_value, else_value;
};

struct GetAttrExpr : Expr {
    GetAttrExpr(int l, ExprPtr o, std::string n)
        : Expr(Kind::GetAttr, l), object(std::move(o)), name(std::move(n)) {}
    ExprPtr object;
    std::string name;
};

struct GetItemExpr : Expr {
    GetItemExpr(int l, ExprPtr o, ExprPtr i)
        : Expr(Kind::GetItem, l), object(std::move(o)), index(std::move(i)) {}
    ExprPtr object, index;
};

// Only as a GetItem index; absent parts are null.
struct SliceExpr : Expr {
    explicit SliceExpr(int l) : Expr(Kind::Slice, l) {}
    ExprPtr start, stop, step;
};

struct CallExpr : Expr {
    CallExpr(int l, ExprPtr c) : Expr(Kind::Call, l), callee(std::move(c)) {}
    ExprPtr callee;
    ArgList args;
};

// `operand | name(args)`; a null operand stands for the body of a
// `{% filter %}` or `{% set x | f %}` block.
struct FilterExpr : Expr {
    FilterExpr(int l, ExprPtr o, std::string n)
        : Expr(Kind::Filter, l), operand(std::move(o)), name(std::move(n)) {}
    ExprPtr operand;
    std::string name;
    ArgList args;
};

struct TestExpr : Expr {
    TestExpr(int l, ExprPtr o, std::string n, bool neg)
        : Expr(Kind::Test, l), operand(std::move(o)), name(std::move(n)), negated(neg) {}
    ExprPtr operand;
    std::string name;
    ArgList args;
    bool negated;
};

// Where `for` and `set` put values: a name, a tuple of targets, or ns.attr.
struct Target {
    enum class Kind { Name, Tuple, Attribute };
    Kind kind = Kind::Name;
    std::string name;
    std::string attribute;
    std::vector<Target> items;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
    enum class Kind {
        Text,
        Output,
        If,
        For,
        Set,
        SetBlock,
        Macro,
        CallBlock,
        FilterBlock,
        With,
        Break,
        Continue,
        Do,
        Scope, // a body run as is ({% generation %})
    };
    Stmt(Kind k, int l) : kind(k), line(l) {}
    virtual ~Stmt() = default;
    Kind kind;
    int line;
};

struct TextStmt : Stmt {
    TextStmt(int l, std::string t) : Stmt(Kind::Text, l), text(std::move(t)) {}
    std::string text;
};

struct OutputStmt : Stmt {
    OutputStmt(int l, ExprPtr e) : Stmt(Kind::Output, l), expr(std::move(e)) {}
    ExprPtr expr;
};

struct IfStmt : Stmt {
    explicit IfStmt(int l) : Stmt(Kind::If, l) {}
    std::vector<std::pair<ExprPtr, Body>> branches; // if, then each elif
    Body else_body;
};

struct ForStmt : Stmt {
    explicit ForStmt(int l) : Stmt(Kind::For, l) {}
    Target target;
    ExprPtr iterable;
    ExprPtr filter; // `for x in xs if cond`
    Body body, else_body;
    bool recursive = false;
};

struct SetStmt : Stmt {
    explicit SetStmt(int l) : Stmt(Kind::Set, l) {}
    Target target;
    ExprPtr value;
};

struct SetBlockStmt : Stmt {
    explicit SetBlockStmt(int l) : Stmt(Kind::SetBlock, l) {}
    Target target;
    ExprPtr filter; // chain of FilterExpr ending in a null operand, or null
    Body body;
};

struct Parameter {
    std::string name;
    ExprPtr default_value; // null when required
};

struct MacroStmt : Stmt {
    explicit MacroStmt(int l) : Stmt(Kind::Macro, l) {}
    std::string name;
    std::vector<Parameter> params;
    Body body;
};

// `{% call(params) macro(args) %}body{% endcall %}`: the body becomes `caller`.
struct CallBlockStmt : Stmt {
    explicit CallBlockStmt(int l) : Stmt(Kind::CallBlock, l) {}
    std::vector<Parameter> caller_params;
    ExprPtr call;
    Body body;
};

struct FilterBlockStmt : Stmt {
    explicit FilterBlockStmt(int l) : Stmt(Kind::FilterBlock, l) {}
    ExprPtr filter;
    Body body;
};

struct WithStmt : Stmt {
    explicit WithStmt(int l) : Stmt(Kind::With, l) {}
    std::vector<std::pair<Target, ExprPtr>> assignments;
    Body body;
};

struct LoopControlStmt : Stmt {
    LoopControlStmt(int l, bool is_break) : Stmt(is_break ? Kind::Break : Kind::Continue, l) {}
};

struct DoStmt : Stmt {
    DoStmt(int l, ExprPtr e) : Stmt(Kind::Do, l), expr(std::move(e)) {}
    ExprPtr expr;
};

struct ScopeStmt : Stmt {
    explicit ScopeStmt(int l) : Stmt(Kind::Scope, l) {}
    Body body;
};

} // namespace hoard::templ
