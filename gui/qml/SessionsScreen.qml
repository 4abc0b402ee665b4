// Sessions: recorded sessions on the left; the open one's figures and charts,
// a second one to compare with, and exports.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

Item {
    id: screen
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property SessionsController sessions: app.sessions
    readonly property var summary: sessions.selectedSummary
    property string exportFormat: "json"

    FileDialog {
        id: exportDialog
        fileMode: FileDialog.SaveFile
        title: qsTr("Export session")
        nameFilters: screen.exportFormat === "csv" ? [qsTr("CSV (*.csv)")] : [qsTr("JSON (*.json)")]
        defaultSuffix: screen.exportFormat
        onAccepted: screen.sessions.exportSession(screen.sessions.selectedId, screen.exportFormat, selectedFile.toString())
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        SessionList {
            Layout.preferredWidth: 290
            Layout.fillHeight: true
            app: screen.app
        }

        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.preferredWidth: 400 // the rest of the row, whatever the content's width
            contentWidth: availableWidth
            clip: true

            ColumnLayout {
                width: parent.width
                spacing: 16

                ScreenHeader {
                    Layout.fillWidth: true
                    Layout.margins: 24
                    Layout.bottomMargin: 0
                    theme: screen.theme
                    title: screen.sessions.selectedId ? qsTr("Session %1 · %2").arg(screen.sessions.selectedId).arg(screen.summary.modelName || "")
                                                      : qsTr("Sessions")
                    subtitle: screen.sessions.selectedId ? (screen.summary.started + " · " + screen.summary.duration + " · " + screen.summary.status)
                                                         : qsTr("Every reply is recorded as a session. Chat with a model to record one.")
                    ComboBox {
                        id: compareBox
                        objectName: "compareBox"
                        visible: screen.sessions.sessions.count > 1
                        Layout.preferredWidth: 220
                        textRole: "label"
                        valueRole: "id"
                        model: {
                            const rows = [{label: qsTr("Compare with…"), id: 0}]
                            for (let i = 0; i < screen.sessions.sessions.count; ++i) {
                                const id = screen.sessions.sessions.idAt(i)
                                if (id !== screen.sessions.selectedId) rows.push({label: qsTr("Session %1").arg(id), id: id})
                            }
                            return rows
                        }
                        onActivated: screen.sessions.compareWith(currentValue)
                        Accessible.name: qsTr("Compare with another session")
                    }
                    IconButton {
                        theme: screen.theme
                        visible: screen.sessions.selectedId !== 0
                        iconName: "export"
                        text: "JSON"
                        tip: qsTr("Export this session as JSON")
                        onClicked: { screen.exportFormat = "json"; exportDialog.open() }
                    }
                    IconButton {
                        theme: screen.theme
                        visible: screen.sessions.selectedId !== 0
                        iconName: "export"
                        text: "CSV"
                        tip: qsTr("Export this session's snapshots as CSV")
                        onClicked: { screen.exportFormat = "csv"; exportDialog.open() }
                    }
                }

                SessionComparison {
                    Layout.fillWidth: true
                    Layout.leftMargin: 24
                    Layout.rightMargin: 24
                    visible: screen.sessions.selectedId !== 0
                    theme: screen.theme
                    sessions: screen.sessions
                }

                TelemetryCharts {
                    Layout.fillWidth: true
                    Layout.leftMargin: 24
                    Layout.rightMargin: 24
                    Layout.bottomMargin: 24
                    visible: screen.sessions.selectedId !== 0
                    theme: screen.theme
                    series: screen.sessions.selected
                    compare: screen.sessions.comparedId ? screen.sessions.compared : null
                    startLabel: qsTr("start")
                    endLabel: qsTr("end")
                }
            }
        }
    }
}
