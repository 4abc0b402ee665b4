#pragma once
// The Sessions screen: browse recorded sessions, open one to see its charts,
// compare it with a second, export either.
#include "sessions/session_archive.hpp"
#include "sessions/session_list_model.hpp"
#include "telemetry/telemetry_series.hpp"

#include <QObject>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class SessionsController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(hoard::gui::SessionListModel* sessions READ sessions CONSTANT)
    Q_PROPERTY(hoard::gui::TelemetrySeries* selected READ selected CONSTANT)
    Q_PROPERTY(hoard::gui::TelemetrySeries* compared READ compared CONSTANT)
    Q_PROPERTY(qint64 selectedId READ selectedId NOTIFY selectionChanged)
    Q_PROPERTY(qint64 comparedId READ comparedId NOTIFY selectionChanged)
    Q_PROPERTY(QVariantMap selectedSummary READ selectedSummary NOTIFY selectionChanged)
    Q_PROPERTY(QVariantMap comparedSummary READ comparedSummary NOTIFY selectionChanged)
    Q_PROPERTY(QStringList exportFormats READ exportFormats CONSTANT)

  public:
    explicit SessionsController(SessionArchive& archive, QObject* parent = nullptr);

    SessionListModel* sessions() { return &list_; }
    TelemetrySeries* selected() { return &selected_; }
    TelemetrySeries* compared() { return &compared_; }
    qint64 selectedId() const { return selected_id_; }
    qint64 comparedId() const { return compared_id_; }
    QVariantMap selectedSummary() const {
        return selected_id_ ? SessionListModel::describe(selected_summary_) : QVariantMap();
    }
    QVariantMap comparedSummary() const {
        return compared_id_ ? SessionListModel::describe(compared_summary_) : QVariantMap();
    }
    QStringList exportFormats() const { return archive_.exportFormats(); }

    // Reads the archive again (keeping the selection while its sessions exist).
    Q_INVOKABLE void refresh();
    Q_INVOKABLE void open(qint64 sessionId);
    // 0 ends the comparison.
    Q_INVOKABLE void compareWith(qint64 sessionId);
    // Returns an empty string, or what went wrong in words.
    Q_INVOKABLE QString exportSession(qint64 sessionId, const QString& format,
                                      const QString& pathOrUrl);

  signals:
    void selectionChanged();
    void errorOccurred(const QString& message);

  private:
    // Reads session `id` into `series` and `summary`; false when it is gone.
    bool loadInto(qint64 id, TelemetrySeries& series, SessionSummary& summary);

    SessionArchive& archive_;
    SessionListModel list_;
    TelemetrySeries selected_{600, false};
    TelemetrySeries compared_{600, false};
    qint64 selected_id_ = 0, compared_id_ = 0;
    // From the recordings (which know more than the list, e.g. time to first token).
    SessionSummary selected_summary_, compared_summary_;
};

} // namespace hoard::gui
