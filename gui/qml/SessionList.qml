// The recorded sessions, newest first; Enter or a click opens one.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: panel
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property SessionsController sessions: app.sessions

    color: theme.surface
    Rectangle { anchors.right: parent.right; width: 1; height: parent.height; color: panel.theme.border }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 8

        Label {
            text: qsTr("Recorded sessions")
            font.pixelSize: 11
            font.weight: Font.DemiBold
            font.capitalization: Font.AllUppercase
            color: panel.theme.textMuted
            Layout.leftMargin: 4
            Layout.topMargin: 8
        }

        ListView {
            id: list
            objectName: "sessionList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 4
            activeFocusOnTab: true
            keyNavigationEnabled: true
            model: panel.sessions.sessions
            currentIndex: panel.sessions.sessions.rowOf(panel.sessions.selectedId)
            Keys.onReturnPressed: panel.sessions.open(panel.sessions.sessions.idAt(currentIndex))
            ScrollBar.vertical: ScrollBar {}
            delegate: Rectangle {
                id: item
                required property var sessionId
                required property string modelName
                required property string started
                required property string duration
                required property string speed
                required property string hitRate
                required property string status
                readonly property bool open: panel.sessions.selectedId === sessionId
                readonly property bool compared: panel.sessions.comparedId === sessionId
                width: ListView.view.width
                height: 66
                radius: 8
                color: open ? panel.theme.accentSoft : (hover.hovered ? panel.theme.surfaceRaised : "transparent")
                border.width: compared || (ListView.isCurrentItem && list.activeFocus) ? 1 : 0
                border.color: compared ? panel.theme.cpu : panel.theme.accent
                HoverHandler { id: hover }
                TapHandler { onTapped: panel.sessions.open(item.sessionId) }
                ColumnLayout {
                    anchors.fill: parent
                    anchors.margins: 10
                    spacing: 2
                    RowLayout {
                        Label {
                            text: qsTr("Session %1").arg(item.sessionId)
                            font.pixelSize: 13
                            font.weight: Font.DemiBold
                            color: panel.theme.text
                            Layout.fillWidth: true
                        }
                        Label { text: item.started; font.pixelSize: 11; color: panel.theme.textMuted }
                    }
                    Label { text: item.modelName; font.pixelSize: 12; color: panel.theme.textMuted; elide: Text.ElideRight; Layout.fillWidth: true }
                    Label {
                        text: item.speed + " · " + qsTr("hit rate %1").arg(item.hitRate) + " · " + item.duration
                              + (item.status === "complete" ? "" : " · " + item.status)
                        font.pixelSize: 11
                        color: item.status === "failed" ? panel.theme.danger : panel.theme.textMuted
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                width: parent.width - 24
                visible: list.count === 0
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                text: qsTr("No sessions yet. Each chat reply records one.")
                color: panel.theme.textMuted
                font.pixelSize: 12
            }
        }
    }
}
