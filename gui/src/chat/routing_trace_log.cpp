#include "chat/routing_trace_log.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>

namespace hoard::gui {

RoutingTraceLog::RoutingTraceLog(QString folder, qint64 maxBytes)
    : folder_(std::move(folder)), max_bytes_(maxBytes) {}

QString RoutingTraceLog::traceFile(const hoard::Model& model) const {
    return QDir(folder_).filePath(QString::fromStdString(model.path().filename().string()) +
                                  QStringLiteral(".routing.jsonl"));
}

void RoutingTraceLog::begin(hoard::Model& model) {
    recording_ = false;
    if (folder_.isEmpty() || QFileInfo(traceFile(model)).size() >= max_bytes_) return;
    try {
        model.start_routing_trace();
        recording_ = true;
    } catch (const std::exception&) {
        // No trace this time; the planner falls back to what it has.
    }
}

size_t RoutingTraceLog::end(hoard::Model& model) {
    if (!recording_) return 0;
    recording_ = false;
    QTemporaryDir scratch;
    if (!scratch.isValid() || !QDir().mkpath(folder_)) return 0;
    const QString part = scratch.filePath(QStringLiteral("reply.routing.jsonl"));
    size_t tokens = 0;
    try {
        tokens = model.stop_routing_trace(part.toStdString());
    } catch (const std::exception&) {
        return 0;
    }
    if (tokens == 0) return 0;
    return appendTraceSequences(part, traceFile(model)) > 0 ? tokens : 0;
}

size_t appendTraceSequences(const QString& part, const QString& whole) {
    // The highest sequence id so far (problem_id, as the trace format names it).
    qint64 next = 0;
    {
        QFile existing(whole);
        if (existing.open(QIODevice::ReadOnly)) {
            while (!existing.atEnd()) {
                const QJsonObject o = QJsonDocument::fromJson(existing.readLine()).object();
                next =
                    std::max<qint64>(next, o.value(QStringLiteral("problem_id")).toInteger(-1) + 1);
            }
        }
    }
    QFile in(part);
    QFile out(whole);
    if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::Append)) return 0;
    // A reply that continues a conversation starts past position 0 (the
    // cached turns are not evaluated again): its positions are shifted to
    // start at 0, so each appended sequence stands on its own.
    // The engine starts each trace with a header line (format, model shape);
    // the whole file keeps only the first one.
    const bool whole_has_header = out.size() > 0;
    QList<QJsonObject> records;
    QHash<qint64, qint64> first_token;
    while (!in.atEnd()) {
        const QJsonObject o = QJsonDocument::fromJson(in.readLine()).object();
        if (o.isEmpty()) continue;
        if (o.contains(QStringLiteral("format"))) {
            if (!whole_has_header) {
                out.write(QJsonDocument(o).toJson(QJsonDocument::Compact));
                out.write("\n");
            }
            continue;
        }
        const qint64 sequence = o.value(QStringLiteral("problem_id")).toInteger(0);
        const qint64 token = o.value(QStringLiteral("token_idx")).toInteger(0);
        first_token[sequence] = std::min(first_token.value(sequence, token), token);
        records.append(o);
    }
    size_t lines = 0;
    for (QJsonObject o : records) {
        const qint64 sequence = o.value(QStringLiteral("problem_id")).toInteger(0);
        o.insert(QStringLiteral("problem_id"), next + sequence);
        o.insert(QStringLiteral("token_idx"),
                 o.value(QStringLiteral("token_idx")).toInteger(0) - first_token.value(sequence));
        out.write(QJsonDocument(o).toJson(QJsonDocument::Compact));
        out.write("\n");
        ++lines;
    }
    return lines;
}

} // namespace hoard::gui
