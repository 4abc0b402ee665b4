// Chat: conversations on the left, the open one in the middle (streamed
// replies, stop, regenerate, edit and resend, export), settings on the right.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

Item {
    id: screen
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property ChatController chat: app.chat
    property bool settingsOpen: width > 1180

    Shortcut {
        sequence: "Ctrl+N"
        enabled: screen.visible
        onActivated: { screen.chat.newConversation(); composer.focusInput() }
    }
    Shortcut {
        sequence: "Escape"
        enabled: screen.visible && screen.chat.generating
        onActivated: screen.chat.stop()
    }
    onVisibleChanged: if (visible) composer.focusInput()

    FileDialog {
        id: exportDialog
        fileMode: FileDialog.SaveFile
        title: qsTr("Export conversation")
        nameFilters: [qsTr("Markdown (*.md)"), qsTr("JSON (*.json)")]
        defaultSuffix: selectedNameFilter.index === 1 ? "json" : "md"
        onAccepted: screen.chat.exportConversation(selectedFile.toString())
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        ConversationList {
            Layout.preferredWidth: 250
            Layout.fillHeight: true
            app: screen.app
            onNewRequested: composer.focusInput()
        }

        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            // Title line: conversation, live figures, export, settings.
            RowLayout {
                Layout.fillWidth: true
                Layout.margins: 16
                Layout.leftMargin: 24
                spacing: 12
                ColumnLayout {
                    spacing: 2
                    Layout.fillWidth: true
                    Label {
                        text: screen.chat.title
                        font.pixelSize: 18
                        font.weight: Font.DemiBold
                        color: screen.theme.text
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    Label {
                        text: screen.app.loader.ready ? screen.app.loader.modelName : qsTr("No model loaded")
                        font.pixelSize: 12
                        color: screen.theme.textMuted
                    }
                }
                Pill {
                    objectName: "speedPill"
                    theme: screen.theme
                    visible: screen.chat.tokensPerSecond > 0
                    tint: screen.theme.speed
                    text: screen.chat.tokensPerSecond.toFixed(1) + " tok/s"
                }
                Pill {
                    theme: screen.theme
                    visible: screen.chat.timeToFirstToken >= 0
                    tint: screen.theme.link
                    text: qsTr("first token %1 ms").arg(Math.round(screen.chat.timeToFirstToken * 1000))
                }
                IconButton {
                    theme: screen.theme
                    iconName: "export"
                    tip: qsTr("Export as Markdown or JSON")
                    enabled: screen.chat.conversationId !== 0
                    onClicked: exportDialog.open()
                }
                IconButton {
                    theme: screen.theme
                    iconName: "tune"
                    flat: true
                    tip: screen.settingsOpen ? qsTr("Hide settings") : qsTr("Show settings")
                    checkable: true
                    checked: screen.settingsOpen
                    onToggled: screen.settingsOpen = checked
                }
            }

            Rectangle { Layout.fillWidth: true; height: 1; color: screen.theme.border }

            // The bundled model is there to try the app, not to answer questions.
            Rectangle {
                objectName: "randomWeightsHint"
                Layout.fillWidth: true
                visible: screen.app.loader.ready && screen.app.loader.modelPath === screen.app.library.defaultModelPath
                implicitHeight: hint.implicitHeight + 16
                color: screen.theme.accentSoft
                Label {
                    id: hint
                    anchors.fill: parent
                    anchors.margins: 8
                    anchors.leftMargin: 24
                    wrapMode: Text.Wrap
                    font.pixelSize: 12
                    color: screen.theme.text
                    text: qsTr("The bundled model has random weights: it exercises every part of Hoard, but its replies are gibberish. Open a Mixtral or Qwen3-MoE GGUF file on the Models screen for real answers.")
                }
            }

            ListView {
                id: messages
                objectName: "messageList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                spacing: 14
                topMargin: 20
                bottomMargin: 20
                model: screen.chat.messages
                activeFocusOnTab: true
                keyNavigationEnabled: true
                ScrollBar.vertical: ScrollBar {}
                // Follow the reply while it streams (unless the user scrolled up).
                property bool following: true
                onMovementStarted: following = false
                onAtYEndChanged: if (atYEnd) following = true
                onContentHeightChanged: if (following) positionViewAtEnd()
                onCountChanged: { following = true; positionViewAtEnd() }
                delegate: MessageBubble {
                    width: ListView.view.width
                    theme: screen.theme
                    chat: screen.chat
                    onSessionRequested: (id) => {
                        screen.app.sessions.refresh()
                        screen.app.sessions.open(id)
                        screen.app.navigation.current = 4
                    }
                }

                EmptyChat {
                    anchors.centerIn: parent
                    visible: messages.count === 0
                    app: screen.app
                    onSuggestionPicked: (text) => composer.setText(text)
                }
            }

            Composer {
                id: composer
                Layout.fillWidth: true
                Layout.margins: 16
                Layout.topMargin: 0
                app: screen.app
            }
        }

        ChatSettings {
            visible: screen.settingsOpen
            Layout.preferredWidth: 300
            Layout.fillHeight: true
            app: screen.app
        }
    }
}
