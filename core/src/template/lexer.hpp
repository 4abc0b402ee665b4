#pragma once
// Splits template source into tokens the way jinja2's lexer does with
// trim_blocks and lstrip_blocks on: text, the `{{ }}` / `{% %}` delimiters
// with their `-`/`+` whitespace control, and expression tokens between them.
// Comments vanish here and `{% raw %}` bodies come out as plain text.
#include <string>
#include <string_view>
#include <vector>

namespace hoard::templ {

struct Token {
    enum class Type {
        Text,
        VariableBegin,
        VariableEnd,
        BlockBegin,
        BlockEnd,
        Name,
        String, // value holds the unescaped text
        Integer,
        Float,
        Operator, // value holds the operator: "+", "//", "==", "(", ...
        End,
    };
    Type type;
    std::string value;
    int line;
};

struct LexerOptions {
    bool trim_blocks = true;
    bool lstrip_blocks = true;
    bool keep_trailing_newline = false;
};

// Throws hoard::Error with the line number on malformed input.
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options = {});

} // namespace hoard::templ
