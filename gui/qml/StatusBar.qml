// The bottom line: the model in use, loading progress with Cancel, the reply's speed.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: bar
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property ModelLoader loader: app.loader

    implicitHeight: 34
    color: theme.surface

    Rectangle {
        width: parent.width
        height: 1
        color: bar.theme.border
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 16
        anchors.rightMargin: 12
        spacing: 12

        Rectangle {
            width: 8
            height: 8
            radius: 4
            color: bar.loader.loading ? bar.theme.warning
                  : (bar.loader.ready ? bar.theme.success : bar.theme.textMuted)
        }
        Label {
            objectName: "statusText"
            text: bar.loader.loading
                  ? qsTr("Loading %1 — %2").arg(bar.loader.loadingPath.split("/").pop()).arg(bar.loader.stage)
                  : (bar.loader.ready ? bar.loader.modelName + (bar.loader.offloaded ? "  ·  " + qsTr("offloaded: %1").arg(bar.loader.offloadDevice) : "")
                                      : qsTr("No model loaded"))
            color: bar.theme.text
            font.pixelSize: 12
            elide: Text.ElideMiddle
            Layout.maximumWidth: 620
        }
        ProgressBar {
            visible: bar.loader.loading
            value: bar.loader.progress
            Layout.preferredWidth: 180
        }
        IconButton {
            visible: bar.loader.loading
            theme: bar.theme
            flat: true
            implicitHeight: 26
            text: qsTr("Cancel")
            onClicked: bar.loader.cancel()
        }
        Item { Layout.fillWidth: true }
        Label {
            visible: bar.app.chat.generating || bar.app.chat.tokensPerSecond > 0
            text: bar.app.chat.generating
                  ? qsTr("Writing… %1 tok/s").arg(bar.app.chat.tokensPerSecond.toFixed(1))
                  : qsTr("Last reply %1 tok/s").arg(bar.app.chat.tokensPerSecond.toFixed(1))
            color: bar.theme.textMuted
            font.pixelSize: 12
        }
        Label {
            text: "Hoard " + bar.app.version
            color: bar.theme.textMuted
            font.pixelSize: 12
        }
    }
}
