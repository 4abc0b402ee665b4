// The open session's figures, side by side with the compared one when there is one.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Card {
    id: card
    required property SessionsController sessions
    readonly property var a: sessions.selectedSummary
    readonly property var b: sessions.comparedSummary
    readonly property bool comparing: sessions.comparedId !== 0
    title: comparing ? qsTr("Session %1 compared with session %2").arg(sessions.selectedId).arg(sessions.comparedId)
                     : qsTr("Summary")
    implicitHeight: 62 + grid.implicitHeight

    GridLayout {
        id: grid
        anchors.left: parent.left
        anchors.right: parent.right
        columns: card.comparing ? 3 : 2
        columnSpacing: 24
        rowSpacing: 6

        Repeater {
            model: [
                [qsTr("Model"), "modelName"], [qsTr("Speed"), "speed"], [qsTr("First token"), "timeToFirstToken"],
                [qsTr("Tokens"), "tokens"], [qsTr("Hit rate"), "hitRate"], [qsTr("Duration"), "duration"]
            ]
            delegate: RowLayout {
                required property var modelData
                Layout.columnSpan: grid.columns
                Layout.fillWidth: true
                spacing: 24
                Label { text: modelData[0]; color: card.theme.textMuted; font.pixelSize: 13; Layout.preferredWidth: 110 }
                Label { text: String(card.a[modelData[1]] || "–"); color: card.theme.text; font.pixelSize: 13; Layout.preferredWidth: 220; elide: Text.ElideRight }
                Label {
                    visible: card.comparing
                    text: String(card.b[modelData[1]] || "–")
                    color: card.theme.cpu
                    font.pixelSize: 13
                    Layout.fillWidth: true
                    elide: Text.ElideRight
                }
            }
        }
    }
}
