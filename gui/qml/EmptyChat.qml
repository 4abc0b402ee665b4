// What an empty conversation shows: a greeting and a few prompts to start from.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: empty
    required property AppContext app
    readonly property Theme theme: app.theme
    signal suggestionPicked(string text)
    spacing: 14
    width: Math.min(560, parent ? parent.width - 48 : 560)

    Label {
        Layout.alignment: Qt.AlignHCenter
        text: empty.app.loader.ready ? qsTr("Chat with %1").arg(empty.app.loader.modelName)
                                     : qsTr("Load a model to start chatting")
        font.pixelSize: 20
        font.weight: Font.DemiBold
        color: empty.theme.text
    }
    Label {
        Layout.alignment: Qt.AlignHCenter
        Layout.fillWidth: true
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.Wrap
        text: qsTr("Replies stream as the model writes them. Press Enter to send, Shift+Enter for a new line, Esc to stop.")
        color: empty.theme.textMuted
        font.pixelSize: 13
    }
    Flow {
        Layout.alignment: Qt.AlignHCenter
        Layout.fillWidth: true
        spacing: 8
        visible: empty.app.loader.ready
        Repeater {
            model: [qsTr("Explain mixture-of-experts models in two sentences."),
                    qsTr("Write a haiku about GPUs."),
                    qsTr("What is a KV cache?")]
            delegate: Button {
                required property string modelData
                text: modelData
                flat: true
                font.pixelSize: 12
                font.capitalization: Font.MixedCase
                onClicked: empty.suggestionPicked(modelData)
                background: Rectangle {
                    radius: 14
                    color: parent.hovered ? empty.theme.surfaceRaised : "transparent"
                    border.color: empty.theme.border
                }
            }
        }
    }
}
