// One model in the Models list: name, file, size, what it is, or why it cannot run.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: row
    required property Theme theme
    required property string path
    required property string displayName
    required property string fileName
    required property string fileSize
    required property string architecture
    required property string parameters
    required property string experts
    required property string state
    required property string reason
    required property bool bundled
    required property bool runnable
    property bool current: false
    property bool loaded: false
    signal activated()
    signal loadRequested()

    implicitHeight: content.implicitHeight + 20
    radius: 8
    color: current ? theme.accentSoft : (mouse.containsMouse ? theme.surfaceRaised : "transparent")
    Accessible.role: Accessible.ListItem
    Accessible.name: displayName + (runnable ? "" : ", " + qsTr("cannot run"))

    MouseArea {
        id: mouse
        anchors.fill: parent
        hoverEnabled: true
        onClicked: row.activated()
        onDoubleClicked: if (row.runnable) row.loadRequested()
    }

    RowLayout {
        id: content
        anchors.fill: parent
        anchors.leftMargin: 14
        anchors.rightMargin: 14
        spacing: 14

        Rectangle {
            width: 36
            height: 36
            radius: 10
            color: row.runnable ? row.theme.alpha(row.theme.accent, 0.15) : row.theme.dangerSoft
            NavIcon {
                anchors.centerIn: parent
                name: row.runnable ? "models" : "warning"
                color: row.runnable ? row.theme.accent : row.theme.danger
            }
        }

        ColumnLayout {
            Layout.fillWidth: true
            spacing: 3
            RowLayout {
                spacing: 8
                Label {
                    text: row.displayName
                    font.pixelSize: 14
                    font.weight: Font.DemiBold
                    color: row.theme.text
                    elide: Text.ElideRight
                    Layout.maximumWidth: 360
                }
                Pill { visible: row.bundled; theme: row.theme; text: qsTr("Bundled"); tint: row.theme.accent }
                Pill { visible: row.loaded; theme: row.theme; text: qsTr("Loaded"); tint: row.theme.success }
            }
            Label {
                text: row.fileName + "  ·  " + row.fileSize
                font.pixelSize: 12
                color: row.theme.textMuted
                elide: Text.ElideMiddle
                Layout.fillWidth: true
            }
            Label {
                visible: !row.runnable
                text: row.reason
                font.pixelSize: 12
                color: row.theme.danger
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }

        ColumnLayout {
            spacing: 3
            visible: row.state === "ready"
            Label {
                Layout.alignment: Qt.AlignRight
                text: row.parameters
                font.pixelSize: 13
                color: row.theme.text
            }
            Label {
                Layout.alignment: Qt.AlignRight
                text: row.architecture + "  ·  " + row.experts
                font.pixelSize: 12
                color: row.theme.textMuted
            }
        }
        Label {
            visible: row.state === "waiting" || row.state === "inspecting" || row.state === "deferred"
            text: row.state === "deferred" ? qsTr("Not read yet") : qsTr("Reading…")
            font.pixelSize: 12
            color: row.theme.textMuted
        }
    }
}
