// Tokenizer: every reference vector of every conformance vocabulary, the
// conformance models' prompts, decoding and streaming, special tokens, the
// pre-tokenizer patterns, and rejection of malformed vocabulary metadata.
#include "common/conformance.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/stream_decoder.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode_category.hpp"
#include "tokenizer/utf8.hpp"
#include "vocab_image.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

using namespace hoard;
using namespace hoard::tokenizer;

namespace {

const char* const kVocabularies[] = {"llama-spm", "phi-3", "gpt-2", "falcon", "deepseek-llm"};

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// X.gguf.inp: each test string is followed by "\n__ggml_vocab_test__\n".
std::vector<std::string> read_inputs(const std::filesystem::path& path) {
    const std::string all = read_file(path);
    const std::string separator = "\n__ggml_vocab_test__\n";
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < all.size()) {
        const size_t end = all.find(separator, pos);
        if (end == std::string::npos) {
            out.push_back(all.substr(pos)); // no separator after the last string
            break;
        }
        out.push_back(all.substr(pos, end - pos));
        pos = end + separator.size();
    }
    return out;
}

// X.gguf.out: one line of space-separated ids per test string.
std::vector<std::vector<int32_t>> read_outputs(const std::filesystem::path& path) {
    std::vector<std::vector<int32_t>> out;
    std::istringstream lines(read_file(path));
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream ids(line);
        std::vector<int32_t> row;
        int32_t id;
        while (ids >> id) row.push_back(id);
        out.push_back(row);
    }
    return out;
}

std::string ids_text(const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) {
        if (!s.empty()) s.push_back(' ');
        s.append(std::to_string(id));
    }
    return s;
}

struct Loaded {
    std::unique_ptr<gguf::GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
};

Loaded load(const std::filesystem::path& path) {
    Loaded l;
    l.file = gguf::GgufFile::open(path);
    l.tokenizer = Tokenizer::from_gguf(*l.file);
    return l;
}

std::filesystem::path vocab_path(const std::string& name) {
    return test::conformance_path("tokenizer/ggml-vocab-" + name + ".gguf");
}

// The one shared instance per vocabulary; loading the big ones takes a moment.
const Tokenizer& vocab(const std::string& name) {
    static std::map<std::string, Loaded> cache;
    auto it = cache.find(name);
    if (it == cache.end()) it = cache.emplace(name, load(vocab_path(name))).first;
    return *it->second.tokenizer;
}

std::vector<std::string> split_pieces(const std::string& pre, std::string_view text) {
    const PreTokenizer p = PreTokenizer::for_name(pre, "test");
    std::vector<std::string_view> views;
    p.split(text, views);
    return {views.begin(), views.end()};
}

// A minimal well-formed byte-level BPE vocabulary: the byte alphabet for
// "a", "b", " " plus two merges.
test::VocabImage small_bpe() {
    test::VocabImage img;
    img.string("tokenizer.ggml.model", "gpt2")
        .string("tokenizer.ggml.pre", "gpt-2")
        .strings("tokenizer.ggml.tokens", {"a", "b", "\xC4\xA0", "ab",
                                           "\xC4\xA0"
                                           "ab",
                                           "<|end|>"})
        .ints("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 3})
        .strings("tokenizer.ggml.merges", {"a b", "\xC4\xA0 ab"})
        .u32("tokenizer.ggml.eos_token_id", 5);
    return img;
}

std::unique_ptr<Tokenizer> from_image(const test::VocabImage& img) {
    const std::vector<uint8_t> bytes = img.bytes();
    const auto file = gguf::GgufFile::parse(bytes, "broken.gguf");
    return Tokenizer::from_gguf(*file);
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

  private slots:
    void conformanceVectors_data();
    void conformanceVectors();
    void roundTrip_data();
    void roundTrip();
    void modelPrompts_data();
    void modelPrompts();
    void streamDecoderHoldsPartialCharacters();
    void streamDecoderReplacesInvalidBytes();
    void specialTokens();
    void endOfGeneration();
    void preTokenizerPatterns();
    void unicodeTables();
    void utf8Handling();
    void smallVocabulary();
    void malformedMetadata_data();
    void malformedMetadata();
    void performance();
};

void TestTokenizer::conformanceVectors_data() {
    QTest::addColumn<QString>("name");
    for (const char* name : kVocabularies) QTest::newRow(name) << QString(name);
}

void TestTokenizer::conformanceVectors() {
    QFETCH(QString, name);
    const std::string n = name.toStdString();
    const Tokenizer& tok = vocab(n);
    const auto base = vocab_path(n).string();
    const auto inputs = read_inputs(base + ".inp");
    const auto expected = read_outputs(base + ".out");
    QVERIFY(!inputs.empty());
    QCOMPARE(inputs.size(), expected.size());

    size_t passed = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const auto ids = tok.encode(inputs[i], false, false);
        if (ids == expected[i]) {
            ++passed;
        } else {
            qWarning("%s case %zu: got [%s], expected [%s]", n.c_str(), i, ids_text(ids).c_str(),
                     ids_text(expected[i]).c_str());
        }
    }
    qInfo("%s: %zu/%zu vectors pass", n.c_str(), passed, inputs.size());
    QCOMPARE(passed, inputs.size());
}

void TestTokenizer::roundTrip_data() {
    conformanceVectors_data();
}

void TestTokenizer::roundTrip() {
    // Byte fallback (SPM) and the byte alphabet (BPE) make every vocabulary
    // here lossless for plain text.
    QFETCH(QString, name);
    const std::string n = name.toStdString();
    const Tokenizer& tok = vocab(n);
    for (const std::string& s : read_inputs(vocab_path(n).string() + ".inp")) {
        const auto ids = tok.encode(s, false, false);
        QCOMPARE(QString::fromStdString(tok.decode(ids)), QString::fromStdString(s));
        // BOS renders as nothing, so adding it changes nothing either.
        const auto with_bos = tok.encode(s, true, false);
        QCOMPARE(QString::fromStdString(tok.decode(with_bos)), QString::fromStdString(s));
    }
}

void TestTokenizer::modelPrompts_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("prompt");
    int rows = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(test::conformance_path("models"))) {
        const std::string file = entry.path().filename().string();
        const size_t dot = file.find(".p");
        if (file.size() < 5 || file.substr(file.size() - 5) != ".json" || dot == std::string::npos)
            continue;
        const std::string model = file.substr(0, dot);
        const std::string prompt = file.substr(dot + 1, file.size() - 5 - dot - 1);
        QTest::newRow(file.c_str())
            << QString::fromStdString(model) << QString::fromStdString(prompt);
        ++rows;
    }
    QVERIFY(rows >= 4);
}

void TestTokenizer::modelPrompts() {
    QFETCH(QString, model);
    QFETCH(QString, prompt);
    const auto dir = test::conformance_path("models");
    const Loaded l = load(dir / (model.toStdString() + ".gguf"));
    const auto ref = nlohmann::json::parse(
        read_file(dir / (model.toStdString() + "." + prompt.toStdString() + ".json")));
    const std::string text = read_file(dir / (prompt.toStdString() + ".txt"));

    const auto expected = ref.at("prompt_tokens").get<std::vector<int32_t>>();
    const auto ids = l.tokenizer->encode(text, true, true);
    QCOMPARE(QString::fromStdString(ids_text(ids)), QString::fromStdString(ids_text(expected)));
    QCOMPARE(l.tokenizer->n_vocab(), ref.at("n_vocab").get<size_t>());

    // The generated continuation reads as the reference printed it.
    const auto greedy = ref.at("greedy_tokens").get<std::vector<int32_t>>();
    const std::string greedy_text = ref.at("greedy_text").get<std::string>();
    QCOMPARE(QString::fromStdString(
                 utf8::to_valid(l.tokenizer->decode(greedy, {.strip_space_prefix = false}))),
             QString::fromStdString(greedy_text));
    StreamDecoder stream(*l.tokenizer);
    for (int32_t id : greedy) stream.push(id);
    stream.flush();
    QCOMPARE(QString::fromStdString(stream.text()), QString::fromStdString(greedy_text));
}

void TestTokenizer::streamDecoderHoldsPartialCharacters() {
    const std::string text = "a🦙é 😶‍🌫️ 我想";
    for (const char* name : {"llama-spm", "gpt-2", "deepseek-llm"}) {
        const Tokenizer& tok = vocab(name);
        const auto ids = tok.encode(text, false, false);
        StreamDecoder stream(tok, false, true);
        std::string joined;
        bool held_back = false;
        for (int32_t id : ids) {
            const std::string out = stream.push(id);
            QVERIFY2(utf8::is_valid(out), name);
            held_back |= stream.has_pending();
            joined += out;
        }
        QVERIFY2(held_back, name); // the emoji are split across byte tokens
        QVERIFY(!stream.has_pending());
        QCOMPARE(stream.flush(), std::string());
        QCOMPARE(QString::fromStdString(joined), QString::fromStdString(text));
        QCOMPARE(QString::fromStdString(stream.text()), QString::fromStdString(text));
    }

    // Byte tokens of one character, pushed one at a time.
    const Tokenizer& spm = vocab("llama-spm");
    StreamDecoder stream(spm);
    const char* llama = "\xF0\x9F\xA6\x99";
    for (int i = 0; i < 3; ++i) {
        const uint8_t b = static_cast<uint8_t>(llama[i]);
        QCOMPARE(stream.push(spm.vocabulary().byte_token(b)), std::string());
    }
    QCOMPARE(stream.push(spm.vocabulary().byte_token(0x99)), std::string(llama));
}

void TestTokenizer::streamDecoderReplacesInvalidBytes() {
    const Tokenizer& spm = vocab("llama-spm");
    const auto byte = [&](uint8_t b) { return spm.vocabulary().byte_token(b); };
    StreamDecoder stream(spm);
    QCOMPARE(stream.push(byte(0xFF)), std::string("\xEF\xBF\xBD")); // never valid: at once
    QCOMPARE(stream.push(byte(0xE2)), std::string());
    QCOMPARE(stream.push(byte(0x82)), std::string());
    // A new lead byte ends the unfinished sequence: one U+FFFD, then 'A'.
    QCOMPARE(stream.push(spm.find_token("A")), std::string("\xEF\xBF\xBD"
                                                           "A"));
    QCOMPARE(stream.push(byte(0xE2)), std::string());
    QCOMPARE(stream.flush(), std::string("\xEF\xBF\xBD")); // unfinished at the end
    QVERIFY(utf8::is_valid(stream.text()));
}

void TestTokenizer::specialTokens() {
    const Tokenizer& phi = vocab("phi-3");
    const int32_t user = phi.find_token("<|user|>");
    const int32_t end = phi.find_token("<|end|>");
    QVERIFY(user > 0 && end > 0);
    const std::string chat = "<|user|>\nHello<|end|>";
    const auto parsed = phi.encode(chat, false, true);
    QCOMPARE(parsed.front(), user);
    QCOMPARE(parsed.back(), end);
    // The SentencePiece space prefix goes before text that follows a special token.
    const auto after = phi.encode("<|user|>Hello", false, true);
    QCOMPARE(QString::fromStdString(ids_text(after)),
             QString::fromStdString(ids_text({user, phi.find_token("\xE2\x96\x81Hello")})));
    const auto plain = phi.encode(chat, false, false);
    QVERIFY(std::find(plain.begin(), plain.end(), user) == plain.end());
    QVERIFY(std::find(plain.begin(), plain.end(), end) == plain.end());
    QCOMPARE(QString::fromStdString(phi.decode(plain)), QString::fromStdString(chat));
    QCOMPARE(QString::fromStdString(phi.decode(parsed)), QString("\nHello"));
    QCOMPARE(QString::fromStdString(phi.decode(parsed, {.render_special = true})),
             QString::fromStdString(chat));
    // Without stripping, the space encode put after <|user|> shows.
    QCOMPARE(QString::fromStdString(
                 phi.decode(parsed, {.render_special = true, .strip_space_prefix = false})),
             QString("<|user|> \nHello<|end|>"));
    StreamDecoder stream(phi, true, true);
    for (int32_t id : parsed) stream.push(id);
    QCOMPARE(QString::fromStdString(stream.text()), QString::fromStdString(chat));

    const Tokenizer& gpt2 = vocab("gpt-2");
    QCOMPARE(gpt2.encode("<|endoftext|>", false, true), std::vector<int32_t>{50256});
    QVERIFY(gpt2.encode("<|endoftext|>", false, false).size() > 1);
    QCOMPARE(gpt2.encode("a<|endoftext|>b", false, true).size(), size_t{3});

    // User-defined tokens are special text too: DeepSeek's 'ö' (type 4, standing
    // for the byte 0xF6) is only taken as that token when parsing specials.
    const Tokenizer& ds = vocab("deepseek-llm");
    const int32_t o_umlaut = ds.find_token("\xC3\xB6");
    QCOMPARE(ds.token_type(o_umlaut), TokenType::UserDefined);
    const auto ds_plain = ds.encode("sch\xC3\xB6n", false, false);
    QVERIFY(std::find(ds_plain.begin(), ds_plain.end(), o_umlaut) == ds_plain.end());
    const auto ds_parsed = ds.encode("sch\xC3\xB6n", false, true);
    QVERIFY(std::find(ds_parsed.begin(), ds_parsed.end(), o_umlaut) != ds_parsed.end());
    QCOMPARE(ds.decode(ds_plain), std::string("sch\xC3\xB6n"));
    QCOMPARE(ds.decode(ds_parsed), std::string("sch\xC3\xB6n"));

    // With specials parsed and rendered, every vocabulary gives its input back.
    for (const char* name : kVocabularies) {
        const Tokenizer& t = vocab(name);
        const std::string eos = t.token_text(t.eos_id());
        const std::string text = " Hello" + eos + "world " + eos + " \xE4\xBD\xA0\xE5\xA5\xBD";
        const auto ids = t.encode(text, false, true);
        QCOMPARE(std::count(ids.begin(), ids.end(), t.eos_id()), 2);
        QCOMPARE(QString::fromStdString(t.decode(ids, {.render_special = true})),
                 QString::fromStdString(text));
    }

    // BOS per metadata: SentencePiece vocabularies here add it, GPT-2 does not.
    const Tokenizer& llama = vocab("llama-spm");
    QVERIFY(llama.adds_bos());
    QCOMPARE(llama.encode("Hi", true, false).front(), llama.bos_id());
    QCOMPARE(llama.encode("", true, false), std::vector<int32_t>{llama.bos_id()});
    QVERIFY(llama.encode("", false, false).empty());
    QVERIFY(!gpt2.adds_bos());
    QCOMPARE(gpt2.encode("Hi", true, false), gpt2.encode("Hi", false, false));
    QCOMPARE(llama.token_text(llama.bos_id()), std::string("<s>"));
    QCOMPARE(llama.token_to_piece(llama.bos_id()), std::string());
    QCOMPARE(llama.token_to_piece(llama.bos_id(), true), std::string("<s>"));
    QVERIFY_THROWS_EXCEPTION(Error, llama.token_to_piece(static_cast<int32_t>(llama.n_vocab())));
    QVERIFY_THROWS_EXCEPTION(Error, llama.token_text(-1));
}

void TestTokenizer::endOfGeneration() {
    const Tokenizer& phi = vocab("phi-3");
    QVERIFY(phi.is_end_of_generation(phi.eos_id()));
    QVERIFY(phi.is_end_of_generation(phi.find_token("<|end|>")));
    QVERIFY(phi.is_end_of_generation(phi.find_token("<|endoftext|>")));
    QVERIFY(!phi.is_end_of_generation(phi.find_token("<|user|>")));
    QVERIFY(!phi.is_end_of_generation(phi.bos_id()));
    const Tokenizer& gpt2 = vocab("gpt-2");
    QVERIFY(gpt2.is_end_of_generation(50256));
    QVERIFY(!gpt2.is_end_of_generation(0));
    QVERIFY(!gpt2.is_end_of_generation(-1));
    const Tokenizer& ds = vocab("deepseek-llm");
    QVERIFY(ds.is_end_of_generation(ds.eos_id()));
    QCOMPARE(ds.token_text(ds.bos_id()), std::string("<\xEF\xBD\x9C"
                                                     "begin\xE2\x96\x81of"
                                                     "\xE2\x96\x81sentence\xEF\xBD\x9C>"));
}

void TestTokenizer::preTokenizerPatterns() {
    using V = std::vector<std::string>;
    const std::string text = "Hello world's 12345\n\n  x!?\n";
    QCOMPARE(split_pieces("gpt-2", text),
             (V{"Hello", " world", "'s", " 12345", "\n\n ", " x", "!?", "\n"}));
    QCOMPARE(split_pieces("llama-bpe", text),
             (V{"Hello", " world", "'s", " ", "123", "45", "\n\n", " ", " x", "!?\n"}));
    QCOMPARE(split_pieces("qwen2", text),
             (V{"Hello", " world", "'s", " ", "1", "2", "3", "4", "5", "\n\n", " ", " x", "!?\n"}));
    QCOMPARE(split_pieces("llama-bpe", "I'M \tgo"), (V{"I", "'M", " ", "\tgo"}));
    QCOMPARE(split_pieces("deepseek-v3", "Hello, World! 1234 abc\n"),
             (V{"Hello", ",", " World", "!", " ", "123", "4", " abc", "\n"}));
    QCOMPARE(split_pieces("deepseek-v3", "a.Net"), (V{"a", ".Net"}));
    QCOMPARE(split_pieces("falcon", "x 3333..!"), (V{"x", " ", "333", "3", "..!"}));
    // Invalid UTF-8 passes through as its own bytes.
    QCOMPARE(split_pieces("gpt-2", "a\xFF b"), (V{"a", "\xFF", " b"}));
    QVERIFY_THROWS_EXCEPTION(Error, PreTokenizer::for_name("no-such-pre", "test"));
}

void TestTokenizer::unicodeTables() {
    using unicode::Category;
    QCOMPARE(unicode::category(U'A'), Category::Lu);
    QCOMPARE(unicode::category(U'\u00BD'), Category::No);     // ½
    QCOMPARE(unicode::category(U'\u4E00'), Category::Lo);     // 一
    QCOMPARE(unicode::category(U'\U0001F999'), Category::So); // 🦙
    QCOMPARE(unicode::category(U'\u200D'), Category::Cf);
    QCOMPARE(unicode::category(char32_t{0x10FFFF}), Category::Cn);
    QVERIFY(unicode::is_whitespace(U'\u3000'));
    QVERIFY(unicode::is_whitespace(U'\u0085'));
    QVERIFY(!unicode::is_whitespace(char32_t{0x1C}));
    QVERIFY(unicode::is_mark(U'\uFE0F'));
    QVERIFY(unicode::is_number(U'\u0663')); // Arabic-Indic three
    QVERIFY(unicode::is_punctuation(U'\u3002'));
    QVERIFY(unicode::is_symbol(U'$'));
    QVERIFY(!unicode::is_letter(unicode::kInvalidCodepoint));
    QVERIFY(std::string(unicode::unicode_version()).size() >= 4);
}

void TestTokenizer::utf8Handling() {
    QCOMPARE(utf8::complete_prefix_length("ab\xE2\x82"), size_t{2});
    QCOMPARE(utf8::complete_prefix_length("ab\xE2\x82\xAC"), size_t{5});
    QCOMPARE(utf8::complete_prefix_length("\xF0"), size_t{0});
    QCOMPARE(utf8::complete_prefix_length("\xFF\xF0\x9F"), size_t{1});
    QCOMPARE(utf8::to_valid("a\xC0\xAF"
                            "b"),
             std::string("a\xEF\xBF\xBD\xEF\xBF\xBD"
                         "b"));
    QCOMPARE(utf8::to_valid("\xED\xA0\x80"), std::string("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(utf8::to_valid("\xE2\x82"
                            "x"),
             std::string("\xEF\xBF\xBD"
                         "x"));
    QVERIFY(utf8::is_valid("h\xC3\xA9llo \xF0\x9F\x98\x81"));
    QVERIFY(!utf8::is_valid("\xF4\x90\x80\x80")); // above U+10FFFF
}

void TestTokenizer::smallVocabulary() {
    const auto tok = from_image(small_bpe());
    QCOMPARE(tok->encode("ab ab", false, false), (std::vector<int32_t>{3, 4}));
    QCOMPARE(tok->encode("ab<|end|>", false, true), (std::vector<int32_t>{3, 5}));
    QCOMPARE(tok->decode(std::vector<int32_t>{3, 4, 5}), std::string("ab ab"));
    QCOMPARE(tok->bos_id(), -1);
    QVERIFY(tok->is_end_of_generation(5));
    QCOMPARE(tok->pre_tokenizer_name(), std::string("gpt-2"));
}

void TestTokenizer::malformedMetadata_data() {
    QTest::addColumn<QByteArray>("image");
    QTest::addColumn<QString>("message");
    auto row = [](const char* name, const test::VocabImage& img, const char* message) {
        const auto bytes = img.bytes();
        QTest::newRow(name) << QByteArray(reinterpret_cast<const char*>(bytes.data()),
                                          static_cast<qsizetype>(bytes.size()))
                            << QString(message);
    };
    const std::vector<std::string> tokens = {"a", "b", "ab"};
    row("no model", test::VocabImage().strings("tokenizer.ggml.tokens", tokens),
        "'tokenizer.ggml.model' is missing");
    row("unsupported model",
        test::VocabImage()
            .string("tokenizer.ggml.model", "bert")
            .strings("tokenizer.ggml.tokens", tokens),
        "tokenizer model 'bert' is not supported");
    row("missing tokens",
        test::VocabImage()
            .string("tokenizer.ggml.model", "gpt2")
            .strings("tokenizer.ggml.merges", {"a b"}),
        "has no tokens");
    row("tokens not strings",
        test::VocabImage()
            .string("tokenizer.ggml.model", "gpt2")
            .ints("tokenizer.ggml.tokens", {1, 2}),
        "'tokenizer.ggml.tokens' must be an array of strings");
    row("token_type length", small_bpe().ints("tokenizer.ggml.token_type", {1, 1}),
        "'tokenizer.ggml.token_type' has 2 entries but 'tokenizer.ggml.tokens' has 6");
    row("token_type value", small_bpe().ints("tokenizer.ggml.token_type", {1, 1, 1, 9, 1, 1}),
        "token 3 has type 9");
    row("scores length",
        test::VocabImage()
            .string("tokenizer.ggml.model", "llama")
            .strings("tokenizer.ggml.tokens", tokens)
            .floats("tokenizer.ggml.scores", {0.0f}),
        "'tokenizer.ggml.scores' has 1 entries but 'tokenizer.ggml.tokens' has 3");
    row("spm without scores",
        test::VocabImage()
            .string("tokenizer.ggml.model", "llama")
            .strings("tokenizer.ggml.tokens", tokens),
        "has no token scores");
    row("merge of unknown token", small_bpe().strings("tokenizer.ggml.merges", {"a b", "a zz"}),
        "merge 1 'a zz' in 'tokenizer.ggml.merges' refers to 'zz', which is not in the vocabulary");
    row("merge without space", small_bpe().strings("tokenizer.ggml.merges", {"ab"}),
        "is not two tokens separated by a space");
    row("bpe without merges",
        test::VocabImage()
            .string("tokenizer.ggml.model", "gpt2")
            .strings("tokenizer.ggml.tokens", tokens),
        "has no merges");
    row("unknown pre-tokenizer", small_bpe().string("tokenizer.ggml.pre", "martian"),
        "pre-tokenizer 'martian' (tokenizer.ggml.pre) is not supported");
    row("bos out of range", small_bpe().u32("tokenizer.ggml.bos_token_id", 6),
        "'tokenizer.ggml.bos_token_id' is 6, outside the vocabulary of 6 tokens");
    row("flag of wrong type", small_bpe().u32("tokenizer.ggml.add_bos_token", 1),
        "'tokenizer.ggml.add_bos_token' must be a bool");
}

void TestTokenizer::malformedMetadata() {
    QFETCH(QByteArray, image);
    QFETCH(QString, message);
    const std::vector<uint8_t> bytes(image.begin(), image.end());
    try {
        const auto file = gguf::GgufFile::parse(bytes, "broken.gguf");
        Tokenizer::from_gguf(*file);
        QFAIL("malformed vocabulary was accepted");
    } catch (const Error& e) {
        const QString what = QString::fromUtf8(e.what());
        QVERIFY2(what.contains(message), qPrintable(what));
        QVERIFY2(what.startsWith("broken.gguf"), qPrintable(what));
    }
}

void TestTokenizer::performance() {
    // About 100 KB of mixed text: the reference strings repeated.
    std::string text;
    for (const std::string& s : read_inputs(vocab_path("gpt-2").string() + ".inp"))
        text += s + "\n";
    const std::string unit = text;
    while (text.size() < 100 * 1024) text += unit;
    const std::string no_spaces(100 * 1024, 'a');
    const std::string spaces(100 * 1024, ' ');
    for (const char* name : kVocabularies) {
        const Tokenizer& tok = vocab(name);
        for (const std::string* input : {&std::as_const(text), &no_spaces, &spaces}) {
            const auto start = std::chrono::steady_clock::now();
            const auto ids = tok.encode(*input, true, true);
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count();
            qInfo("%s: %zu bytes -> %zu tokens in %.1f ms", name, input->size(), ids.size(), ms);
            QVERIFY(!ids.empty());
            QVERIFY2(ms < 1000.0, name);
        }
    }
}

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
