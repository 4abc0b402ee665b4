// Where the user writes: Enter sends, Shift+Enter starts a new line; Stop while a reply streams.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: composer
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property ChatController chat: app.chat

    function focusInput() { input.forceActiveFocus() }
    function setText(text) { input.text = text; input.cursorPosition = text.length; input.forceActiveFocus() }
    function submit() {
        if (input.text.trim().length === 0 || !chat.canSend) return
        if (chat.send(input.text)) input.text = ""
    }

    implicitHeight: Math.min(200, Math.max(56, input.implicitHeight + 20))
    radius: 14
    color: theme.surface
    border.color: input.activeFocus ? theme.accent : theme.border
    border.width: input.activeFocus ? 2 : 1

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 14
        anchors.rightMargin: 8
        spacing: 8

        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            TextArea {
                id: input
                objectName: "composerInput"
                placeholderText: composer.app.loader.ready ? qsTr("Message %1…").arg(composer.app.loader.modelName)
                                                           : qsTr("Load a model to start chatting")
                wrapMode: TextArea.Wrap
                background: null
                font.pixelSize: 14
                verticalAlignment: TextEdit.AlignVCenter
                Accessible.name: qsTr("Message")
                Keys.onReturnPressed: (event) => {
                    if (event.modifiers & Qt.ShiftModifier) { event.accepted = false; return }
                    composer.submit()
                }
                Keys.onEnterPressed: composer.submit()
            }
        }
        IconButton {
            objectName: "sendButton"
            theme: composer.theme
            visible: !composer.chat.generating
            primary: true
            enabled: composer.chat.canSend && input.text.trim().length > 0
            iconName: "send"
            tip: qsTr("Send (Enter)")
            onClicked: composer.submit()
        }
        IconButton {
            objectName: "stopButton"
            theme: composer.theme
            visible: composer.chat.generating
            iconName: "stop"
            text: qsTr("Stop")
            tip: qsTr("Stop the reply (Esc)")
            onClicked: composer.chat.stop()
        }
    }
}
