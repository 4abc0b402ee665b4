// The `hoard` command line, run as a user would: outputs, files and exit codes.
#include "common/conformance.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace {

struct Result {
    int code = -1;
    QByteArray out, err;
};

Result run_hoard(const QStringList& args, int timeout_ms = 300000) {
    QProcess p;
    p.start(QString(HOARD_BUILD_DIR) + "/core/hoard", args);
    Result r;
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QString conf(const std::string& relative) {
    return QString::fromStdString(hoard::test::conformance_path(relative).string());
}

nlohmann::json read_json(const QString& path) {
    std::ifstream in(path.toStdString());
    return nlohmann::json::parse(in);
}

float half_to_float(uint16_t h) {
    const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 31, mant = h & 1023;
    float v = exp == 0    ? std::ldexp(float(mant), -24)
              : exp == 31 ? INFINITY
                          : std::ldexp(float(mant | 1024), int(exp) - 25);
    return sign ? -v : v;
}

QString default_model() {
    return QString(HOARD_BUILD_DIR) + "/models/hoard-tiny-moe.gguf";
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private slots:
    void infoDescribesAModel() {
        const Result r = run_hoard({"info", conf("models/tiny-qwen3moe-q8_0.gguf")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains("qwen3moe"));
        QVERIFY(r.out.contains("q8_0"));
        QVERIFY(r.out.contains("16")); // experts
    }

    void tokenizeMatchesTheReference() {
        const auto ref = read_json(conf("models/tiny-qwen3moe-q8_0.p1.json"));
        const Result r = run_hoard({"tokenize", "-m", conf("models/tiny-qwen3moe-q8_0.gguf"),
                                    "--text-file", conf("models/p1.txt"), "--add-special"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(nlohmann::json::parse(r.out.toStdString()), ref["prompt_tokens"]);
    }

    void logitsMatchTheReference() {
        const QString out = tmp_.filePath("logits.f32");
        const auto ref = read_json(conf("models/tiny-mixtral-f16.p1.json"));
        const Result r = run_hoard({"logits", "-m", conf("models/tiny-mixtral-f16.gguf"),
                                    "--text-file", conf("models/p1.txt"), "-o", out});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto tokens = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(tokens, ref["prompt_tokens"]);
        const size_t n_vocab = ref["n_vocab"], n = tokens.size();
        QCOMPARE(size_t(QFileInfo(out).size()), n * n_vocab * sizeof(float));
        std::vector<float> ours(n * n_vocab);
        std::ifstream(out.toStdString(), std::ios::binary)
            .read(reinterpret_cast<char*>(ours.data()), std::streamsize(ours.size() * 4));
        std::vector<uint16_t> theirs(n * n_vocab);
        std::ifstream(conf("models/tiny-mixtral-f16.p1.logits.f16").toStdString(), std::ios::binary)
            .read(reinterpret_cast<char*>(theirs.data()), std::streamsize(theirs.size() * 2));
        for (size_t pos = 0; pos < n; ++pos) {
            double diff = 0, norm = 0;
            for (size_t v = 0; v < n_vocab; ++v) {
                const double r_ = half_to_float(theirs[pos * n_vocab + v]);
                diff += std::pow(ours[pos * n_vocab + v] - r_, 2);
                norm += r_ * r_;
            }
            QVERIFY2(std::sqrt(diff / norm) <= 0.01, qPrintable(QString("position %1").arg(pos)));
        }
    }

    void templateRendersReferenceCases() {
        const auto doc = read_json(conf("templates/renderings.json"));
        int checked = 0;
        for (const auto& c : doc["cases"]) {
            const QString messages = tmp_.filePath("messages.json");
            std::ofstream(messages.toStdString())
                << doc["conversations"][c["conversation"].get<std::string>()].dump();
            QStringList args = {"template",
                                "--template-file",
                                conf("templates/" + c["template"].get<std::string>()),
                                "--messages-file",
                                messages,
                                "--bos",
                                QString::fromStdString(c["bos_token"]),
                                "--eos",
                                QString::fromStdString(c["eos_token"])};
            if (c["add_generation_prompt"].get<bool>()) args << "--add-generation-prompt";
            const std::string expected = c["expected"];
            if (expected.find("2026") != std::string::npos)
                continue; // needs the fixed clock: see test_template
            const Result r = run_hoard(args);
            QVERIFY2(r.code == 0, r.err.constData());
            QCOMPARE(r.out.toStdString(), expected);
            if (++checked == 6) break;
        }
        QCOMPARE(checked, 6);
    }

    void runIsDeterministicForASeed() {
        const QStringList args = {"run",    "-m", default_model(), "-p", "Hello", "-n", "12",
                                  "--seed", "7",  "--temp",        "0.9"};
        const Result a = run_hoard(args), b = run_hoard(args);
        QVERIFY2(a.code == 0, a.err.constData());
        QCOMPARE(a.out, b.out);
        QVERIFY(a.out.startsWith("Hello"));
        QVERIFY(a.err.contains("tok/s"));
    }

    void synthWritesModelsThatRun() {
        const QString path = tmp_.filePath("synth.gguf");
        const Result w = run_hoard({"synth", "--shape", "hoard-tiny-moe", "--type", "q4_k_m",
                                    "--layers", "2", "-o", path});
        QVERIFY2(w.code == 0, w.err.constData());
        const Result info = run_hoard({"info", path});
        QVERIFY2(info.code == 0, info.err.constData());
        QVERIFY(info.out.contains("q4_K"));
        const Result run = run_hoard({"run", "-m", path, "-p", "test", "-n", "4"});
        QVERIFY2(run.code == 0, run.err.constData());
    }

    void benchPrintsTheBound() {
        const Result r = run_hoard(
            {"bench", "-m", conf("models/tiny-mixtral-q4_k_m.gguf"), "-p", "16", "-n", "8"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains("memory bandwidth"));
        QVERIFY(r.out.contains("decode fraction"));
    }

    void sessionsListShowExportDelete() {
        const QString db = tmp_.filePath("sessions.db");
        const Result demo = run_hoard({"sessions", "--db", db, "demo"});
        QVERIFY2(demo.code == 0, demo.err.constData());
        const Result list = run_hoard({"sessions", "--db", db, "list"});
        QVERIFY2(list.code == 0, list.err.constData());
        QVERIFY(list.out.contains("complete"));
        const Result show = run_hoard({"sessions", "--db", db, "show", "1"});
        QVERIFY2(show.code == 0, show.err.constData());
        QVERIFY(show.out.contains("hit rate"));
        for (const QString format : {"json", "perfetto", "sqlite", "csv"}) {
            const QString out = tmp_.filePath("export." + format);
            const Result e =
                run_hoard({"sessions", "--db", db, "export", "1", "--format", format, "-o", out});
            QVERIFY2(e.code == 0, e.err.constData());
            QVERIFY(QFileInfo::exists(out));
            if (format == "json" || format == "perfetto") {
                std::ifstream in(out.toStdString());
                QVERIFY(!nlohmann::json::parse(in).empty());
            }
        }
        QVERIFY(run_hoard({"sessions", "--db", db, "delete", "1"}).code == 0);
        const Result gone = run_hoard({"sessions", "--db", db, "show", "1"});
        QVERIFY(gone.code != 0);
    }

    void errorsAreClearAndNonZero_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing file")
            << QStringList{"info", "/nonexistent/m.gguf"} << "cannot open";
        QTest::newRow("not gguf") << QStringList{"info", conf("models/p1.txt")}
                                  << "not a GGUF file";
        QTest::newRow("bad token list")
            << QStringList{"logits",   "-m",  conf("models/tiny-mixtral-f16.gguf"),
                           "--tokens", "1,x", "-o",
                           "/tmp/x"}
            << "not a token id";
        QTest::newRow("token out of range")
            << QStringList{"logits",   "-m",       conf("models/tiny-mixtral-f16.gguf"),
                           "--tokens", "99999999", "-o",
                           "/tmp/x"}
            << "99999999";
        QTest::newRow("no model") << QStringList{"run", "-p", "x"} << "model";
        QTest::newRow("bad shape") << QStringList{"synth", "--shape", "nope", "-o", "/tmp/x.gguf"}
                                   << "unknown model shape";
        QTest::newRow("bad json") << QStringList{"template", "--template-file",
                                                 conf("templates/Qwen-Qwen3-0.6B.jinja"),
                                                 "--messages-file", conf("models/p1.txt")}
                                  << "not valid JSON";
    }
    void errorsAreClearAndNonZero() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Result r = run_hoard(args);
        QVERIFY(r.code != 0);
        QVERIFY2(QString(r.err).contains(message, Qt::CaseInsensitive), r.err.constData());
    }

    void truncatedModelIsRejected() {
        const QString cut = tmp_.filePath("cut.gguf");
        std::filesystem::copy_file(conf("models/tiny-qwen3moe-q8_0.gguf").toStdString(),
                                   cut.toStdString());
        std::filesystem::resize_file(cut.toStdString(),
                                     std::filesystem::file_size(cut.toStdString()) / 2);
        const Result r = run_hoard({"info", cut});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("truncated"), r.err.constData());
    }

    void runRecordsASessionByDefault() {
        const QString db = tmp_.filePath("run-records.db");
        const Result r = run_hoard(
            {"run", "-m", default_model(), "-p", "Hello", "-n", "6", "--temp", "0", "--db", db});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.startsWith("Hello"));
        QVERIFY2(r.err.contains("[recorded as session 1: hoard sessions"), r.err.constData());
        const Result show = run_hoard({"sessions", "--db", db, "show", "1"});
        QVERIFY2(show.code == 0, show.err.constData());
        QVERIFY2(show.out.contains("session 1: complete"), show.out.constData());
        QVERIFY2(show.out.contains("6 in decode steps"), show.out.constData());
        QVERIFY2(show.out.contains("hit rate 100.0 %"), show.out.constData()); // CPU: all resident
        QVERIFY(show.out.contains("\"command\":\"run\""));
        // One row per forward pass: the prompt's, then six decode steps.
        const QString out = tmp_.filePath("run-records.json");
        QVERIFY(run_hoard({"sessions", "--db", db, "export", "1", "--format", "json", "-o", out})
                    .code == 0);
        const nlohmann::json doc = read_json(out);
        QCOMPARE(doc.at("tokens").size(), size_t(7));
        QVERIFY(!doc.at("layer_windows").empty());
    }

    void noRecordDoesNotRecord() {
        const QString db = tmp_.filePath("not-recorded.db");
        const Result r = run_hoard(
            {"run", "-m", default_model(), "-p", "Hello", "-n", "4", "--no-record", "--db", db});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(!r.err.contains("recorded as session"));
        QVERIFY(!QFileInfo::exists(db));
        // A database that cannot be written: one warning, and the text still comes.
        const QString blocker = tmp_.filePath("a-file");
        QFile f(blocker);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const Result w = run_hoard(
            {"run", "-m", default_model(), "-p", "Hello", "-n", "4", "--db", blocker + "/x.db"});
        QVERIFY2(w.code == 0, w.err.constData());
        QVERIFY(w.out.startsWith("Hello"));
        QCOMPARE(w.err.count("warning"), qsizetype(1));
        QVERIFY2(w.err.contains("not recording this session"), w.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
