// The Models screen's C++ side: the model list, the library (scanning,
// opening, dropping, inspecting), and the loader (progress, cancel, errors).
#include "gui/common/gui_test_support.hpp"
#include "models/model_library.hpp"
#include "models/model_list_model.hpp"
#include "models/model_loader.hpp"
#include "models/model_problem.hpp"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace hoard::gui;
using hoard::gui::test::FakeInspector;

class ModelsTest : public QObject {
    Q_OBJECT

    std::shared_ptr<hoard::Engine> engine_ = std::make_shared<hoard::Engine>();
    EngineModelFiles files_{engine_};

    static ModelEntry entry(const QString& path, bool bundled = false) {
        ModelEntry e;
        e.path = path;
        e.bundled = bundled;
        e.fileBytes = 1234;
        return e;
    }

  private slots:
    void listModelKeepsBundledFirstThenByName() {
        ModelListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.upsert(entry("/m/zeta.gguf"));
        model.upsert(entry("/m/Alpha.gguf"));
        model.upsert(entry("/b/tiny.gguf", true));
        model.upsert(entry("/m/beta.gguf"));
        QCOMPARE(model.rowCount(), 4);
        QStringList order;
        for (int i = 0; i < model.rowCount(); ++i)
            order << model.data(model.index(i), ModelListModel::FileNameRole).toString();
        QCOMPARE(order, (QStringList{"tiny.gguf", "Alpha.gguf", "beta.gguf", "zeta.gguf"}));
        // Replacing keeps one row per path.
        model.upsert(entry("/m/beta.gguf"));
        QCOMPARE(model.rowCount(), 4);
        model.removeIf([](const ModelEntry& e) { return !e.bundled; });
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.indexOf("/b/tiny.gguf"), 0);
        QCOMPARE(model.indexOf("/m/zeta.gguf"), -1);
    }

    void listModelDescribesAnInspectedModel() {
        ModelListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ModelEntry e = entry("/m/mix.gguf");
        e.state = ModelEntry::State::Ready;
        e.summary = hoard::gui::test::fakeSummary("Mixtral test");
        model.upsert(e);
        const QModelIndex i = model.index(0);
        QCOMPARE(model.data(i, ModelListModel::DisplayNameRole).toString(),
                 QString("Mixtral test"));
        QCOMPARE(model.data(i, ModelListModel::ArchitectureRole).toString(), QString("qwen3moe"));
        QCOMPARE(model.data(i, ModelListModel::ParametersRole).toString(),
                 QString("46.7 B · 12.9 B active"));
        QCOMPARE(model.data(i, ModelListModel::ExpertsRole).toString(),
                 QString("8 experts · 2 per token"));
        QCOMPARE(model.data(i, ModelListModel::QuantizationRole).toString(),
                 QString("q4_K 98% · f32 2%"));
        const QVariantList mix = model.data(i, ModelListModel::QuantMixRole).toList();
        QCOMPARE(mix.size(), 2);
        QCOMPARE(mix[0].toMap()["format"].toString(), QString("q4_K"));
        QVERIFY(qAbs(mix[0].toMap()["share"].toDouble() + mix[1].toMap()["share"].toDouble() - 1) <
                1e-9);
        QCOMPARE(model.data(i, ModelListModel::StateRole).toString(), QString("ready"));
        QVERIFY(model.data(i, ModelListModel::RunnableRole).toBool());
        // Changing in place is announced.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(model.update("/m/mix.gguf", [](ModelEntry& x) {
            x.state = ModelEntry::State::Unrunnable;
            x.reason = "bad tensor";
        }));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.data(i, ModelListModel::ReasonRole).toString(), QString("bad tensor"));
        QVERIFY(!model.data(i, ModelListModel::RunnableRole).toBool());
        QVERIFY(!model.update("/nowhere.gguf", [](ModelEntry&) {}));
        QCOMPARE(model.get(0)["fileName"].toString(), QString("mix.gguf"));
        QVERIFY(model.get(7).isEmpty());
    }

    void libraryScansFoldersAndInspectsTheirFiles() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QDir root(dir.path());
        QVERIFY(root.mkpath("nested/deeper"));
        hoard::gui::test::writeBrokenModel(root, "bad-one.gguf");
        hoard::gui::test::writeBrokenModel(root, "good-one.gguf");
        hoard::gui::test::writeBrokenModel(QDir(root.filePath("nested/deeper")), "deep.GGUF");
        hoard::gui::test::writeBrokenModel(root, "readme.txt");

        FakeInspector inspector;
        ModelLibrary::Options options;
        options.defaultModelPath = hoard::gui::test::bundledModelPath();
        options.folders = {dir.path()};
        ModelLibrary library(inspector, options);
        QAbstractItemModelTester tester(library.models(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE_WITH_TIMEOUT(library.models()->rowCount(), 4, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!library.busy(), 10000);
        const auto* bundled = library.models()->find(library.defaultModelPath());
        QVERIFY(bundled && bundled->bundled);
        QCOMPARE(library.models()->indexOf(library.defaultModelPath()), 0);
        const auto* good = library.models()->find(root.absoluteFilePath("good-one.gguf"));
        QVERIFY(good);
        QCOMPARE(good->state, ModelEntry::State::Ready);
        QCOMPARE(good->summary->name, std::string("good-one"));
        const auto* bad = library.models()->find(root.absoluteFilePath("bad-one.gguf"));
        QVERIFY(bad);
        QCOMPARE(bad->state, ModelEntry::State::Unrunnable);
        // The list shows the file already, so the reason drops the path.
        QCOMPARE(bad->reason, QString("This is not a GGUF model file. (not a GGUF file)"));
        QVERIFY(library.models()->find(root.absoluteFilePath("nested/deeper/deep.GGUF")));
        QCOMPARE(inspector.calls.load(), 4); // three found + the bundled model

        // A file that disappears leaves the list at the next scan.
        QVERIFY(QFile::remove(root.absoluteFilePath("good-one.gguf")));
        QSignalSpy scanned(&library, &ModelLibrary::scanFinished);
        library.rescan();
        QVERIFY(scanned.wait(10000));
        QCOMPARE(library.models()->rowCount(), 3);
        // Removing the folder leaves only the bundled model.
        library.removeFolder(dir.path());
        QVERIFY(scanned.wait(10000));
        QCOMPARE(library.models()->rowCount(), 1);
        QVERIFY(library.folders().isEmpty());
    }

    void largeFilesWaitForTheUser() {
        QTemporaryDir dir;
        QDir root(dir.path());
        hoard::gui::test::writeBrokenModel(root, "huge.gguf");
        FakeInspector inspector;
        ModelLibrary::Options options;
        options.folders = {dir.path()};
        options.autoInspectLimitBytes = 10; // every file counts as large
        ModelLibrary library(inspector, options);
        QTRY_COMPARE_WITH_TIMEOUT(library.models()->rowCount(), 1, 10000);
        const QString path = root.absoluteFilePath("huge.gguf");
        QCOMPARE(library.models()->find(path)->state, ModelEntry::State::Deferred);
        QCOMPARE(inspector.calls.load(), 0);
        QSignalSpy inspected(&library, &ModelLibrary::inspected);
        library.inspect(path);
        QVERIFY(inspected.wait(10000));
        QCOMPARE(library.models()->find(path)->state, ModelEntry::State::Ready);
    }

    void openingAndDroppingFiles() {
        QTemporaryDir dir;
        QDir root(dir.path());
        const QString model = hoard::gui::test::writeBrokenModel(root, "dropped.gguf");
        const QString text = hoard::gui::test::writeBrokenModel(root, "notes.txt");
        QVERIFY(root.mkpath("more"));
        hoard::gui::test::writeBrokenModel(QDir(root.filePath("more")), "inside.gguf");
        FakeInspector inspector;
        ModelLibrary library(inspector, {});
        QSignalSpy errors(&library, &ModelLibrary::errorOccurred);
        QSignalSpy folders(&library, &ModelLibrary::foldersChanged);

        // A model file, a text file, a folder and a missing file, as a drop brings them.
        const int added = library.addUrls({QUrl::fromLocalFile(model), QUrl::fromLocalFile(text),
                                           QUrl::fromLocalFile(root.filePath("more")),
                                           QUrl::fromLocalFile(root.filePath("gone.gguf"))});
        QCOMPARE(added, 1);
        QCOMPARE(folders.size(), 1);
        QCOMPARE(library.folders(), QStringList{root.filePath("more")});
        QCOMPARE(errors.size(), 2);
        QVERIFY(errors[0][0].toString().contains("gone.gguf"));
        QVERIFY(errors[1][0].toString().contains("notes.txt"));
        QVERIFY(errors[1][0].toString().contains("GGUF"));
        QTRY_COMPARE_WITH_TIMEOUT(library.models()->rowCount(), 2, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!library.busy(), 10000);
        // Opened files survive rescans of folders that do not hold them.
        library.rescan();
        QTRY_VERIFY_WITH_TIMEOUT(!library.busy(), 10000);
        QVERIFY(library.models()->find(model));
        QCOMPARE(library.toLocalPath(QUrl::fromLocalFile(model).toString()), model);
        QVERIFY(!library.addFolder(model)); // a file is not a folder
    }

    void realEngineInspectsTheBundledModelAndExplainsBrokenFiles() {
        QTemporaryDir dir;
        const QString broken = hoard::gui::test::writeBrokenModel(QDir(dir.path()));
        ModelLibrary::Options options;
        options.defaultModelPath = hoard::gui::test::bundledModelPath();
        options.folders = {dir.path()};
        ModelLibrary library(files_, options);
        QTRY_VERIFY_WITH_TIMEOUT(library.models()->rowCount() == 2 && !library.busy(), 60000);
        const auto* bundled = library.models()->find(library.defaultModelPath());
        QCOMPARE(bundled->state, ModelEntry::State::Ready);
        QCOMPARE(bundled->summary->architecture, std::string("qwen3moe"));
        QVERIFY(bundled->summary->n_expert > 1);
        QVERIFY(bundled->fileBytes > 1000000);
        const auto* bad = library.models()->find(broken);
        QCOMPARE(bad->state, ModelEntry::State::Unrunnable);
        QVERIFY2(!bad->reason.isEmpty() && !bad->reason.startsWith(broken),
                 qPrintable(bad->reason));
    }

    void problemsAreExplainedInWords() {
        const QString truncated = explainModelProblem(
            "file is truncated: tensor 'x' needs bytes 0..10 of a data section of 5 bytes");
        QVERIFY(truncated.startsWith("The file is incomplete"));
        QVERIFY(truncated.contains("needs bytes 0..10")); // the detail stays
        QVERIFY(
            explainModelProblem("not a GGUF file (bad magic)").startsWith("This is not a GGUF"));
        const QString arch =
            "the model architecture 'mamba' is not supported (Hoard runs llama, qwen3moe)";
        QCOMPARE(explainModelProblem(arch), arch);
    }

    void missingBundledModelIsListedWithTheReason() {
        FakeInspector inspector;
        ModelLibrary::Options options;
        options.defaultModelPath = "/nonexistent/hoard-tiny-moe.gguf";
        ModelLibrary library(inspector, options);
        QCOMPARE(library.models()->rowCount(), 1);
        const auto& e = library.models()->entries().first();
        QCOMPARE(e.state, ModelEntry::State::Unrunnable);
        QVERIFY(e.reason.contains("missing"));
    }

    void loaderLoadsWithProgress() {
        ModelLoader loader(files_);
        QSignalSpy progress(&loader, &ModelLoader::progressChanged);
        QSignalSpy changed(&loader, &ModelLoader::modelChanged);
        loader.load(hoard::gui::test::bundledModelPath());
        QVERIFY(loader.loading());
        QCOMPARE(loader.loadingPath(),
                 QFileInfo(hoard::gui::test::bundledModelPath()).absoluteFilePath());
        QVERIFY(changed.wait(60000));
        QVERIFY(loader.ready());
        QVERIFY(!loader.loading());
        QCOMPARE(loader.state(), ModelLoader::State::Idle);
        QCOMPARE(loader.progress(), 1.0);
        QVERIFY(progress.size() >= 2);
        QCOMPARE(loader.modelName(), QString::fromStdString(loader.model()->summary().name));
        QCOMPARE(QFileInfo(loader.modelPath()).fileName(), QString("hoard-tiny-moe.gguf"));
        loader.unload();
        QVERIFY(!loader.ready());
        QCOMPARE(changed.size(), 2);
    }

    void loaderReportsErrorsInWords() {
        QTemporaryDir dir;
        const QString broken = hoard::gui::test::writeBrokenModel(QDir(dir.path()));
        ModelLoader loader(files_);
        QSignalSpy errors(&loader, &ModelLoader::errorOccurred);
        loader.load(broken);
        QVERIFY(errors.wait(30000));
        QCOMPARE(loader.state(), ModelLoader::State::Failed);
        QVERIFY(!loader.ready());
        QVERIFY(loader.error().contains("broken.gguf"));
        QCOMPARE(errors[0][0].toString(), loader.error());
    }

    void loaderOffloadsUnderABudget() {
        hoard::gui::test::useTestCacheDir();
        ModelLoader loader(files_);
        QSignalSpy changed(&loader, &ModelLoader::modelChanged);
        QSignalSpy errors(&loader, &ModelLoader::errorOccurred);
        loader.loadWithBudget(hoard::gui::test::bundledModelPath(), 64ll << 20, 1024, true);
        QVERIFY(changed.wait(120000));
        QVERIFY(loader.offloaded());
        QCOMPARE(loader.offloadBudgetBytes(), 64ll << 20);
        QVERIFY2(loader.offloadDevice().contains("simulated"), qPrintable(loader.offloadDevice()));
        QCOMPARE(loader.model()->offload_plan()->n_ctx, size_t(1024));
        // A budget too small for what every token needs: the old model stays, the error says why.
        loader.loadWithBudget(hoard::gui::test::bundledModelPath(), 1 << 20, 1024, true);
        QVERIFY(errors.wait(60000));
        QCOMPARE(loader.state(), ModelLoader::State::Failed);
        QVERIFY2(loader.error().contains("budget") || loader.error().contains("MiB"),
                 qPrintable(loader.error()));
        QVERIFY(loader.offloaded());
        // Loading whole again.
        loader.load(hoard::gui::test::bundledModelPath());
        QVERIFY(changed.wait(60000));
        QVERIFY(!loader.offloaded());
        QCOMPARE(loader.offloadBudgetBytes(), 0);
        QVERIFY(loader.offloadDevice().isEmpty());
    }

    void cancellingKeepsTheModelInUse() {
        hoard::gui::test::GatedOpener gate(files_);
        ModelLoader loader(gate);
        QSignalSpy changed(&loader, &ModelLoader::modelChanged);
        // First load: let it through.
        gate.release();
        loader.load(hoard::gui::test::bundledModelPath());
        QVERIFY(changed.wait(60000));
        const auto first = loader.model();
        QVERIFY(first);

        hoard::gui::test::GatedOpener closed(files_);
        ModelLoader second(closed);
        QSignalSpy state(&second, &ModelLoader::stateChanged);
        second.load(hoard::gui::test::bundledModelPath());
        QTRY_VERIFY_WITH_TIMEOUT(closed.started.load(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(second.stage(), QString("waiting at the gate"), 10000);
        second.cancel();
        QCOMPARE(second.state(), ModelLoader::State::Idle);
        QVERIFY(!second.loading());
        QVERIFY(!second.ready());
        // Whatever the lane reports afterwards about the cancelled load is ignored.
        QTest::qWait(100);
        QCOMPARE(second.state(), ModelLoader::State::Idle);
        QVERIFY(second.error().isEmpty());
        QCOMPARE(loader.model(), first);
    }
};

QTEST_MAIN(ModelsTest)
#include "test_gui_models.moc"
