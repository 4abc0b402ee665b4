// The Chat screen's conversation list: New chat, then most recent first.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: panel
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property ChatController chat: app.chat
    signal newRequested()

    color: theme.surface
    Rectangle { anchors.right: parent.right; width: 1; height: parent.height; color: panel.theme.border }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 10

        IconButton {
            objectName: "newChat"
            Layout.fillWidth: true
            theme: panel.theme
            iconName: "plus"
            text: qsTr("New chat")
            tip: "Ctrl+N"
            onClicked: { panel.chat.newConversation(); panel.newRequested() }
        }

        Label {
            text: qsTr("Conversations")
            font.pixelSize: 11
            font.weight: Font.DemiBold
            font.capitalization: Font.AllUppercase
            color: panel.theme.textMuted
            Layout.leftMargin: 4
            Layout.topMargin: 6
        }

        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 2
            activeFocusOnTab: true
            keyNavigationEnabled: true
            model: panel.chat.conversations
            currentIndex: panel.chat.conversations.rowOf(panel.chat.conversationId)
            Keys.onReturnPressed: panel.chat.openConversation(panel.chat.conversations.idAt(currentIndex))
            Keys.onDeletePressed: panel.chat.deleteConversation(panel.chat.conversations.idAt(currentIndex))
            delegate: Rectangle {
                id: item
                required property int index
                required property var conversationId
                required property string title
                required property string updated
                readonly property bool open: panel.chat.conversationId === conversationId
                width: ListView.view.width
                height: 52
                radius: 8
                color: open ? panel.theme.accentSoft : (hover.hovered ? panel.theme.surfaceRaised : "transparent")
                border.width: ListView.isCurrentItem && list.activeFocus ? 1 : 0
                border.color: panel.theme.accent
                HoverHandler { id: hover }
                TapHandler { onTapped: panel.chat.openConversation(item.conversationId) }
                ColumnLayout {
                    anchors.fill: parent
                    anchors.leftMargin: 12
                    anchors.rightMargin: 34
                    spacing: 1
                    Label {
                        text: item.title
                        color: panel.theme.text
                        font.pixelSize: 13
                        font.weight: item.open ? Font.DemiBold : Font.Normal
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    Label { text: item.updated; color: panel.theme.textMuted; font.pixelSize: 11 }
                }
                ToolButton {
                    anchors.right: parent.right
                    anchors.verticalCenter: parent.verticalCenter
                    visible: hover.hovered
                    implicitWidth: 28
                    implicitHeight: 28
                    Accessible.name: qsTr("Delete conversation")
                    contentItem: NavIcon { name: "close"; color: panel.theme.textMuted }
                    onClicked: panel.chat.deleteConversation(item.conversationId)
                }
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: qsTr("No conversations yet")
                color: panel.theme.textMuted
                font.pixelSize: 12
            }
        }
    }
}
