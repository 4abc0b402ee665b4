#pragma once
// Small templates with the text jinja2 renders for them (reference_cases.cpp).
#include <vector>

namespace hoard::test {

struct ReferenceCase {
    const char* group; // which focused test runs it: "whitespace", "loops", ...
    const char* name;
    const char* source;
    const char* context; // JSON object
    const char* expected;
};

const std::vector<ReferenceCase>& reference_cases();

} // namespace hoard::test
