// Tests for the chat-template interpreter: every rendering in the shared
// conformance set, focused checks against jinja2's own output, and errors.
#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

#include "common/conformance.hpp"
#include "template/chat_template.hpp"
#include "template/reference_cases.hpp"

using hoard::templ::RenderOptions;
using hoard::templ::Template;
using json = nlohmann::ordered_json;

namespace {

// The fixed time the conformance renderings were made with: 2026-01-02 03:04:05 (a Friday).
std::tm fixed_time() {
    std::tm t{};
    t.tm_year = 2026 - 1900;
    t.tm_mon = 0;
    t.tm_mday = 2;
    t.tm_hour = 3;
    t.tm_min = 4;
    t.tm_sec = 5;
    t.tm_wday = 5;
    t.tm_yday = 1;
    return t;
}

RenderOptions fixed_clock_options() {
    RenderOptions o;
    o.clock = fixed_time;
    return o;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const json& renderings() {
    static const json doc =
        json::parse(read_file(hoard::test::conformance_path("templates/renderings.json")));
    return doc;
}

std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\r')
            out += "\\r";
        else
            out += c;
    }
    return out;
}

// Where two texts first differ, with some context, for a readable failure.
QString first_difference(const std::string& expected, const std::string& actual) {
    std::size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
    const std::size_t from = i > 40 ? i - 40 : 0;
    return QString::fromStdString("first difference at byte " + std::to_string(i) + " (expected " +
                                  std::to_string(expected.size()) + " bytes, got " +
                                  std::to_string(actual.size()) + ")\n  expected: ..." +
                                  escaped(expected.substr(from, 100)) + "\n  actual:   ..." +
                                  escaped(actual.substr(from, 100)));
}

std::string render(const std::string& source, const json& context = json::object(),
                   const RenderOptions& options = fixed_clock_options()) {
    return Template::parse(source).render(context, options);
}

// The hoard::Error message a template produces (parse or render), or "" when none.
std::string error_of(const std::string& source,
                     const RenderOptions& options = fixed_clock_options()) {
    try {
        render(source, json::object(), options);
    } catch (const hoard::Error& e) {
        return e.what();
    }
    return {};
}

void add_reference_rows(const char* group) {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("expected");
    for (const auto& c : hoard::test::reference_cases()) {
        if (std::string(c.group) != group) continue;
        QTest::newRow(c.name) << QString::fromUtf8(c.source) << QString::fromUtf8(c.context)
                              << QString::fromUtf8(c.expected);
    }
}

void check_reference_row() {
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(QString, expected);
    const std::string want = expected.toStdString();
    std::string got;
    try {
        got = render(source.toStdString(), json::parse(context.toStdString()));
    } catch (const hoard::Error& e) {
        QFAIL(qPrintable(QString("render failed: ") + e.what()));
    }
    if (got != want) QFAIL(qPrintable(first_difference(want, got)));
}

} // namespace

class TestTemplate : public QObject {
    Q_OBJECT

  private slots:
    void conformance_data() {
        QTest::addColumn<QString>("template_file");
        QTest::addColumn<QString>("conversation");
        QTest::addColumn<bool>("add_generation_prompt");
        QTest::addColumn<QString>("bos");
        QTest::addColumn<QString>("eos");
        QTest::addColumn<QString>("expected");
        for (const json& c : renderings().at("cases")) {
            const std::string file = c.at("template").get<std::string>();
            const std::string conversation = c.at("conversation").get<std::string>();
            const bool agp = c.at("add_generation_prompt").get<bool>();
            const std::string name = file.substr(0, file.rfind(".jinja")) + "/" + conversation +
                                     (agp ? "/generation_prompt" : "/no_generation_prompt");
            QTest::newRow(name.c_str())
                << QString::fromStdString(file) << QString::fromStdString(conversation) << agp
                << QString::fromStdString(c.at("bos_token").get<std::string>())
                << QString::fromStdString(c.at("eos_token").get<std::string>())
                << QString::fromStdString(c.at("expected").get<std::string>());
        }
    }

    void conformance() {
        QFETCH(QString, template_file);
        QFETCH(QString, conversation);
        QFETCH(bool, add_generation_prompt);
        QFETCH(QString, bos);
        QFETCH(QString, eos);
        QFETCH(QString, expected);
        const std::string source =
            read_file(hoard::test::conformance_path("templates/" + template_file.toStdString()));
        const json& messages = renderings().at("conversations").at(conversation.toStdString());
        std::string got;
        try {
            got = hoard::templ::render_chat(source, messages, add_generation_prompt,
                                            bos.toStdString(), eos.toStdString(), {},
                                            fixed_clock_options());
        } catch (const hoard::Error& e) {
            QFAIL(qPrintable(QString("render failed: ") + e.what()));
        }
        const std::string want = expected.toStdString();
        if (got != want) QFAIL(qPrintable(first_difference(want, got)));
    }

    // One line in the log with the overall score.
    void conformance_summary() {
        std::size_t matched = 0, total = 0;
        for (const json& c : renderings().at("cases")) {
            ++total;
            try {
                const std::string source = read_file(hoard::test::conformance_path(
                    "templates/" + c.at("template").get<std::string>()));
                const std::string got = hoard::templ::render_chat(
                    source,
                    renderings().at("conversations").at(c.at("conversation").get<std::string>()),
                    c.at("add_generation_prompt").get<bool>(), c.at("bos_token").get<std::string>(),
                    c.at("eos_token").get<std::string>(), {}, fixed_clock_options());
                if (got == c.at("expected").get<std::string>()) ++matched;
            } catch (const hoard::Error&) {
            }
        }
        qInfo("%zu of %zu conformance renderings match", matched, total);
        QVERIFY(total > 0);
        QCOMPARE(matched, total);
    }

    void whitespace_control_data() { add_reference_rows("whitespace"); }
    void whitespace_control() { check_reference_row(); }
    void loops_data() { add_reference_rows("loops"); }
    void loops() { check_reference_row(); }
    void macros_data() { add_reference_rows("macros"); }
    void macros() { check_reference_row(); }
    void namespaces_data() { add_reference_rows("namespaces"); }
    void namespaces() { check_reference_row(); }
    void slicing_data() { add_reference_rows("slicing"); }
    void slicing() { check_reference_row(); }
    void filters_data() { add_reference_rows("filters"); }
    void filters() { check_reference_row(); }
    void python_methods_data() { add_reference_rows("python_methods"); }
    void python_methods() { check_reference_row(); }
    void expressions_data() { add_reference_rows("expressions"); }
    void expressions() { check_reference_row(); }

    void raise_exception_carries_message() {
        const std::string source =
            "{% if messages[0]['role'] != 'user' %}"
            "{{ raise_exception('Conversation must start with a user message') }}"
            "{% endif %}ok";
        const json bad = {{"messages", json::array({{{"role", "assistant"}, {"content", "x"}}})}};
        const json good = {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}};
        QCOMPARE(render(source, good), std::string("ok"));
        try {
            render(source, bad);
            QFAIL("raise_exception did not throw");
        } catch (const hoard::templ::TemplateRaisedError& e) {
            QCOMPARE(std::string(e.what()),
                     std::string("Conversation must start with a user message"));
        }
    }

    void syntax_errors_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("needle");
        QTest::newRow("empty if") << "line one\n{% if %}x{% endif %}"
                                  << "line 2";
        QTest::newRow("missing endfor") << "{% for x in y %}\nno end"
                                        << "endfor";
        QTest::newRow("unknown tag") << "\n\n{% frobnicate %}"
                                     << "line 3: encountered unknown tag 'frobnicate'";
        QTest::newRow("unterminated string") << "ok\n{{ 'abc }}"
                                             << "line 2: unterminated string";
        QTest::newRow("two expressions") << "{{ a b }}"
                                         << "expected end of print statement";
        QTest::newRow("stray endif") << "{% endif %}"
                                     << "unknown tag 'endif'";
        QTest::newRow("break outside loop") << "{% break %}"
                                            << "'break' outside of a loop";
        QTest::newRow("include") << "{% include 'x.jinja' %}"
                                 << "not supported";
        QTest::newRow("unbalanced") << "{{ (1 }}"
                                    << "unexpected '}'";
        QTest::newRow("unclosed comment") << "{# never closed"
                                          << "missing end of comment tag";
        QTest::newRow("unclosed tag") << "{{ x "
                                      << "not closed";
        QTest::newRow("deep nesting")
            << QString("{{ ") + QString(1000, '(') + "1" + QString(1000, ')') + " }}"
            << "nested too deeply";
        QTest::newRow("default after required")
            << "{% macro m(a=1, b) %}{% endmacro %}"
            << "non-default argument 'b' follows default argument";
    }

    void syntax_errors() {
        QFETCH(QString, source);
        QFETCH(QString, needle);
        try {
            Template::parse(source.toStdString());
            QFAIL("parse succeeded");
        } catch (const hoard::Error& e) {
            const std::string message = e.what();
            QVERIFY2(message.find("syntax error") != std::string::npos, e.what());
            QVERIFY2(message.find(needle.toStdString()) != std::string::npos, e.what());
        }
    }

    void runtime_errors_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("needle");
        // jinja2 3 reports unknown filters and tests only when they run.
        QTest::newRow("unknown filter") << "\n{{ x | nosuchfilter }}"
                                        << "line 2: no filter named 'nosuchfilter'";
        QTest::newRow("unknown test") << "{{ x is nosuchtest }}"
                                      << "no test named 'nosuchtest'";
        QTest::newRow("attribute of undefined") << "{{ x.y }}"
                                                << "line 1: 'x' is undefined";
        QTest::newRow("missing key then attribute") << "a\n{% set d = {} %}{{ d.y.z }}"
                                                    << "line 2: 'dict object' has no attribute 'y'";
        QTest::newRow("method of undefined") << "{{ x.strip() }}"
                                             << "'x' is undefined";
        QTest::newRow("int plus str") << "{{ 1 + 'a' }}"
                                      << "unsupported operand type(s) for +: 'int' and 'str'";
        QTest::newRow("str plus int") << "{{ 'a' + 1 }}"
                                      << "can only concatenate str (not \"int\") to str";
        QTest::newRow("division by zero") << "{{ 1 / 0 }}"
                                          << "division by zero";
        QTest::newRow("unpack") << "{% set a, b = [1] %}"
                                << "not enough values to unpack";
        QTest::newRow("tojson undefined") << "{{ x | tojson }}"
                                          << "not JSON serializable";
        QTest::newRow("set on dict") << "{% set ns = {} %}{% set ns.a = 1 %}"
                                     << "non-namespace";
        QTest::newRow("range too big") << "{% for i in range(100001) %}{% endfor %}"
                                       << "range too big";
        QTest::newRow("runaway recursion") << "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"
                                           << "nested too deeply";
        QTest::newRow("call a string") << "{{ 'x'() }}"
                                       << "not callable";
        QTest::newRow("bad format") << "{{ '%d' % 'x' }}"
                                    << "a real number is required";
        QTest::newRow("doubling string")
            << "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
               "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
            << "string too long";
    }

    void runtime_errors() {
        QFETCH(QString, source);
        QFETCH(QString, needle);
        const std::string message = error_of(source.toStdString());
        QVERIFY2(!message.empty(), "no error");
        QVERIFY2(message.find("chat template error at line") != std::string::npos, message.c_str());
        QVERIFY2(message.find(needle.toStdString()) != std::string::npos, message.c_str());
    }

    void unknown_filter_in_untaken_branch_renders() {
        QCOMPARE(render("{% if false %}{{ x | nosuchfilter }}{% endif %}ok"), std::string("ok"));
    }

    void limits_stop_runaway_templates() {
        RenderOptions small = fixed_clock_options();
        small.limits.max_output_bytes = 100;
        QVERIFY(error_of("{% for i in range(50) %}xxxxx{% endfor %}", small).find("grows beyond") !=
                std::string::npos);
        QVERIFY(error_of("{% for i in range(5) %}xxxxx{% endfor %}", small).empty());
        RenderOptions few_steps = fixed_clock_options();
        few_steps.limits.max_steps = 10000;
        QVERIFY(
            error_of("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
                     few_steps)
                .find("runs too long") != std::string::npos);
    }

    void strftime_now_uses_the_clock() {
        RenderOptions o;
        o.clock = [] {
            std::tm t = fixed_time();
            t.tm_year = 2031 - 1900;
            return t;
        };
        QCOMPARE(render("{{ strftime_now('%Y-%m-%d') }}", json::object(), o),
                 std::string("2031-01-02"));
        // Without a clock the real local time is used.
        const std::string year =
            render("{{ strftime_now('%Y') }}", json::object(), RenderOptions{});
        QVERIFY2(std::stoi(year) >= 2025, year.c_str());
    }

    void render_chat_passes_extra_variables() {
        const std::string source =
            "{{ bos_token }}{% if tools %}[{{ tools | map(attribute='name') | join(',') }}]{% "
            "endif %}"
            "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
            "{% if add_generation_prompt %}<assistant>{% endif %}{{ enable_thinking is defined }}";
        const json messages = json::array({{{"role", "user"}, {"content", "héllo"}}});
        const json extra = {{"tools", json::array({{{"name", "a"}}, {{"name", "b"}}})}};
        QCOMPARE(hoard::templ::render_chat(source, messages, true, "<s>", "</s>", extra),
                 std::string("<s>[a,b]<user>héllo<assistant>False"));
        QCOMPARE(hoard::templ::render_chat(source, messages, false, "<s>", "</s>"),
                 std::string("<s><user>hélloFalse"));
    }

    void template_is_reusable() {
        const Template t = Template::parse("{% set ns = namespace(n=0) %}{% for x in xs %}"
                                           "{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}");
        QCOMPARE(t.render({{"xs", {1, 2, 3}}}), std::string("6"));
        QCOMPARE(t.render({{"xs", {10}}}), std::string("10"));
    }
};

QTEST_APPLESS_MAIN(TestTemplate)
#include "test_template.moc"
