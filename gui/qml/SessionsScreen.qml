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
    readonly property var formatLabels: ({json: "JSON", csv: "CSV", perfetto: qsTr("Trace"), sqlite: "SQLite"})
    readonly property var formatTips: ({json: qsTr("one JSON document"), csv: qsTr("a folder of CSV tables"),
                                        perfetto: qsTr("a Perfetto / Chrome trace"), sqlite: qsTr("a database of its own")})
    readonly property var formatFilters: ({json: [qsTr("JSON (*.json)")], csv: [qsTr("Folder of CSV tables (*)")],
                                           perfetto: [qsTr("Perfetto trace (*.json)")], sqlite: [qsTr("SQLite database (*.db)")]})
    readonly property var formatSuffixes: ({json: "json", csv: "", perfetto: "json", sqlite: "db"})

    FileDialog {
        id: exportDialog
        fileMode: FileDialog.SaveFile
        title: qsTr("Export session")
        nameFilters: screen.formatFilters[screen.exportFormat] || []
        defaultSuffix: screen.formatSuffixes[screen.exportFormat] || ""
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
                        id: exportButton
                        objectName: "exportSession"
                        theme: screen.theme
                        visible: screen.sessions.selectedId !== 0
                        iconName: "export"
                        text: qsTr("Export")
                        tip: qsTr("Export this session")
                        onClicked: exportMenu.popup(exportButton, exportButton.width - exportMenu.width,
                                                   exportButton.height + 4)
                        Menu {
                            id: exportMenu
                            width: 320
                            Instantiator {
                                model: screen.sessions.exportFormats
                                delegate: MenuItem {
                                    required property string modelData
                                    text: (screen.formatLabels[modelData] || modelData) + "  —  " + (screen.formatTips[modelData] || "")
                                    onTriggered: { screen.exportFormat = modelData; exportDialog.open() }
                                }
                                onObjectAdded: (index, object) => exportMenu.insertItem(index, object)
                                onObjectRemoved: (index, object) => exportMenu.removeItem(object)
                            }
                        }
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
