// One message: the user's on the right (with Edit), the model's on the left
// (streaming cursor, speed line, Regenerate on the last one, errors in words).
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Item {
    id: bubble
    required property Theme theme
    required property ChatController chat
    required property int index
    required property string role
    required property string content
    required property bool streaming
    required property string stats
    required property string error
    required property var sessionId
    signal sessionRequested(var id)
    readonly property bool mine: role === "user"
    readonly property bool last: index === ListView.view.count - 1
    property bool editing: false

    implicitHeight: column.implicitHeight
    Accessible.role: Accessible.StaticText
    Accessible.name: (mine ? qsTr("You") : qsTr("Assistant")) + ": " + content

    ColumnLayout {
        id: column
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.leftMargin: 24
        anchors.rightMargin: 24
        spacing: 4

        RowLayout {
            Layout.fillWidth: true
            layoutDirection: bubble.mine ? Qt.RightToLeft : Qt.LeftToRight
            spacing: 10

            Rectangle {
                Layout.alignment: Qt.AlignTop
                width: 30
                height: 30
                radius: 15
                color: bubble.mine ? bubble.theme.accent : bubble.theme.surfaceRaised
                border.color: bubble.theme.border
                Label {
                    anchors.centerIn: parent
                    text: bubble.mine ? qsTr("You").charAt(0) : "H"
                    color: bubble.mine ? bubble.theme.onAccent : bubble.theme.accent
                    font.weight: Font.Bold
                    font.pixelSize: 13
                }
            }

            Rectangle {
                id: box
                objectName: "bubble"
                Layout.maximumWidth: Math.min(760, column.width * 0.78)
                Layout.preferredWidth: bubble.editing ? Layout.maximumWidth
                                                      : Math.min(Layout.maximumWidth, body.implicitWidth + 28)
                implicitHeight: (bubble.editing ? editor.implicitHeight + 52 : body.implicitHeight) + 22
                radius: 14
                color: bubble.mine ? bubble.theme.userBubble : bubble.theme.surface
                border.color: bubble.error.length ? bubble.theme.danger : bubble.theme.border
                border.width: 1

                TextEdit {
                    id: body
                    visible: !bubble.editing
                    anchors.fill: parent
                    anchors.margins: 11
                    anchors.leftMargin: 14
                    anchors.rightMargin: 14
                    text: bubble.content.length ? bubble.content + (bubble.streaming ? " ▍" : "")
                                                : (bubble.streaming ? qsTr("Thinking…") : "")
                    readOnly: true
                    selectByMouse: true
                    wrapMode: TextEdit.Wrap
                    textFormat: TextEdit.PlainText
                    color: bubble.content.length ? bubble.theme.text : bubble.theme.textMuted
                    selectionColor: bubble.theme.accent
                    font.pixelSize: 14
                }

                ColumnLayout {
                    visible: bubble.editing
                    anchors.fill: parent
                    anchors.margins: 10
                    TextArea {
                        id: editor
                        Layout.fillWidth: true
                        wrapMode: TextArea.Wrap
                        Keys.onReturnPressed: (event) => {
                            if (event.modifiers & Qt.ShiftModifier) { event.accepted = false; return }
                            bubble.resend()
                        }
                        Keys.onEscapePressed: bubble.editing = false
                    }
                    RowLayout {
                        Layout.alignment: Qt.AlignRight
                        IconButton { theme: bubble.theme; flat: true; text: qsTr("Cancel"); onClicked: bubble.editing = false }
                        IconButton { theme: bubble.theme; primary: true; text: qsTr("Send"); onClicked: bubble.resend() }
                    }
                }
            }
            Item { Layout.fillWidth: true }
        }

        // Under the bubble: figures, errors and actions.
        RowLayout {
            Layout.fillWidth: true
            layoutDirection: bubble.mine ? Qt.RightToLeft : Qt.LeftToRight
            Layout.leftMargin: 40
            Layout.rightMargin: 40
            spacing: 8
            Label {
                visible: text.length > 0
                text: bubble.error.length ? bubble.error : bubble.stats
                color: bubble.error.length ? bubble.theme.danger : bubble.theme.textMuted
                font.pixelSize: 11
                wrapMode: Text.Wrap
                Layout.maximumWidth: column.width * 0.7
            }
            ToolButton {
                visible: bubble.mine && !bubble.editing && !bubble.chat.generating
                implicitHeight: 26
                implicitWidth: 26
                Accessible.name: qsTr("Edit and resend")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Edit and resend")
                contentItem: NavIcon { name: "edit"; color: bubble.theme.textMuted; lineWidth: 1.6 }
                onClicked: { editor.text = bubble.content; bubble.editing = true; editor.forceActiveFocus() }
            }
            Label {
                visible: !bubble.mine && Number(bubble.sessionId) > 0 && !bubble.streaming
                text: "<a href=\"#\">" + qsTr("Session %1").arg(bubble.sessionId) + "</a>"
                textFormat: Text.StyledText
                linkColor: bubble.theme.accent
                font.pixelSize: 11
                onLinkActivated: bubble.sessionRequested(bubble.sessionId)
                Accessible.name: qsTr("Open the recorded session")
                HoverHandler { cursorShape: Qt.PointingHandCursor }
            }
            ToolButton {
                objectName: "regenerate"
                visible: !bubble.mine && bubble.last && !bubble.streaming && !bubble.chat.generating
                implicitHeight: 26
                implicitWidth: 26
                Accessible.name: qsTr("Regenerate")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Write this reply again")
                contentItem: NavIcon { name: "regenerate"; color: bubble.theme.textMuted; lineWidth: 1.6 }
                onClicked: bubble.chat.regenerate()
            }
            Item { Layout.fillWidth: true }
        }
    }

    function resend() {
        if (editor.text.trim().length === 0) return
        editing = false
        chat.editAndResend(index, editor.text)
    }
}
