// The Chat screen's right panel: system prompt and sampling settings (saved with the conversation).
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: panel
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property SamplingSettings sampling: app.chat.sampling

    color: theme.surface
    Rectangle { anchors.left: parent.left; width: 1; height: parent.height; color: panel.theme.border }

    ScrollView {
        anchors.fill: parent
        anchors.margins: 16
        contentWidth: availableWidth
        clip: true

        ColumnLayout {
            width: parent.width
            spacing: 10

            Label { text: qsTr("System prompt"); font.weight: Font.DemiBold; color: panel.theme.text }
            TextArea {
                objectName: "systemPrompt"
                Layout.fillWidth: true
                Layout.preferredHeight: 110
                wrapMode: TextArea.Wrap
                placeholderText: qsTr("e.g. You are a concise assistant.")
                text: panel.app.chat.systemPrompt
                onEditingFinished: panel.app.chat.systemPrompt = text
                Accessible.name: qsTr("System prompt")
                background: Rectangle {
                    radius: 8
                    color: panel.theme.surfaceRaised
                    border.width: parent.activeFocus ? 2 : 1
                    border.color: parent.activeFocus ? panel.theme.accent : panel.theme.border
                }
            }

            Label { text: qsTr("Sampling"); font.weight: Font.DemiBold; color: panel.theme.text; Layout.topMargin: 8 }
            SettingSlider {
                theme: panel.theme
                label: qsTr("Temperature"); from: 0; to: 2; step: 0.05; decimals: 2
                value: panel.sampling.temperature
                onMoved: (v) => panel.sampling.temperature = v
                hint: qsTr("0 always picks the likeliest token")
            }
            SettingSlider {
                theme: panel.theme
                label: qsTr("Top-k"); from: 0; to: 200; step: 1; decimals: 0
                value: panel.sampling.topK
                onMoved: (v) => panel.sampling.topK = Math.round(v)
                hint: qsTr("0 turns it off")
            }
            SettingSlider {
                theme: panel.theme
                label: qsTr("Top-p"); from: 0.05; to: 1; step: 0.01; decimals: 2
                value: panel.sampling.topP
                onMoved: (v) => panel.sampling.topP = v
            }
            SettingSlider {
                theme: panel.theme
                label: qsTr("Min-p"); from: 0; to: 0.5; step: 0.01; decimals: 2
                value: panel.sampling.minP
                onMoved: (v) => panel.sampling.minP = v
            }
            SettingSlider {
                theme: panel.theme
                label: qsTr("Repeat penalty"); from: 1; to: 2; step: 0.01; decimals: 2
                value: panel.sampling.repeatPenalty
                onMoved: (v) => panel.sampling.repeatPenalty = v
            }
            SettingSlider {
                theme: panel.theme
                label: qsTr("Max tokens"); from: 16; to: 4096; step: 16; decimals: 0
                value: panel.sampling.maxTokens
                onMoved: (v) => panel.sampling.maxTokens = Math.round(v)
            }
            RowLayout {
                Layout.fillWidth: true
                Label { text: qsTr("Seed"); color: panel.theme.textMuted; font.pixelSize: 12; Layout.fillWidth: true }
                TextField {
                    Layout.preferredWidth: 120
                    horizontalAlignment: Text.AlignRight
                    text: panel.sampling.seed
                    validator: IntValidator { bottom: 0 }
                    onEditingFinished: panel.sampling.seed = parseInt(text)
                    Accessible.name: qsTr("Seed")
                }
            }
            IconButton {
                Layout.alignment: Qt.AlignRight
                theme: panel.theme
                flat: true
                iconName: "refresh"
                text: qsTr("Reset to defaults")
                onClicked: panel.sampling.resetToDefaults()
            }
        }
    }
}
