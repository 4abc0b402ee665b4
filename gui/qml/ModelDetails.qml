// The selected model: its figures, quantization mix, and Load / Inspect.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Card {
    id: details
    required property AppContext app
    property var entry: ({})
    readonly property bool hasEntry: entry.path !== undefined
    readonly property bool ready: hasEntry && entry.state === "ready"
    readonly property bool isLoaded: hasEntry && app.loader.modelPath === entry.path
    readonly property bool isLoading: hasEntry && app.loader.loading && app.loader.loadingPath === entry.path

    function loadSelected() {
        if (hasEntry && entry.runnable && !isLoaded && !isLoading) app.loader.load(entry.path)
    }

    theme: app.theme
    title: hasEntry ? entry.displayName : qsTr("No model selected")
    subtitle: hasEntry ? entry.path : qsTr("Pick a model on the left.")

    ColumnLayout {
        anchors.fill: parent
        spacing: 14
        visible: details.hasEntry

        GridLayout {
            Layout.fillWidth: true
            visible: details.ready
            columns: 2
            columnSpacing: 16
            rowSpacing: 8
            Repeater {
                model: [
                    [qsTr("Architecture"), details.entry.architecture],
                    [qsTr("Parameters"), details.entry.parameters],
                    [qsTr("Experts"), details.entry.experts],
                    [qsTr("Layers"), details.entry.layers],
                    [qsTr("Trained context"), details.entry.contextLength + " " + qsTr("tokens")],
                    [qsTr("File size"), details.entry.fileSize]
                ]
                delegate: RowLayout {
                    required property var modelData
                    Layout.columnSpan: 2
                    Layout.fillWidth: true
                    Label { text: modelData[0]; color: details.theme.textMuted; font.pixelSize: 13; Layout.preferredWidth: 120 }
                    Label { text: String(modelData[1]); color: details.theme.text; font.pixelSize: 13; Layout.fillWidth: true; elide: Text.ElideRight }
                }
            }
        }

        ColumnLayout {
            Layout.fillWidth: true
            visible: details.ready
            spacing: 8
            Label { text: qsTr("Quantization mix (by size)"); color: details.theme.textMuted; font.pixelSize: 13 }
            QuantMixBar {
                Layout.fillWidth: true
                theme: details.theme
                mix: details.entry.quantMix || []
            }
        }

        Rectangle {
            Layout.fillWidth: true
            visible: details.hasEntry && !details.entry.runnable
            implicitHeight: reasonText.implicitHeight + 24
            radius: 8
            color: details.theme.dangerSoft
            Label {
                id: reasonText
                anchors.fill: parent
                anchors.margins: 12
                text: qsTr("Hoard cannot run this file: %1").arg(details.entry.reason || "")
                wrapMode: Text.Wrap
                color: details.theme.text
                font.pixelSize: 13
            }
        }

        Label {
            visible: details.hasEntry && details.entry.state === "deferred"
            text: qsTr("This file is large, so Hoard reads it only when you ask.")
            wrapMode: Text.Wrap
            color: details.theme.textMuted
            Layout.fillWidth: true
        }

        Item { Layout.fillHeight: true }

        ColumnLayout {
            Layout.fillWidth: true
            visible: details.isLoading
            spacing: 6
            ProgressBar { Layout.fillWidth: true; value: details.app.loader.progress }
            Label {
                text: qsTr("%1 — %2%").arg(details.app.loader.stage).arg(Math.round(details.app.loader.progress * 100))
                color: details.theme.textMuted
                font.pixelSize: 12
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            IconButton {
                theme: details.theme
                visible: details.hasEntry && details.entry.state === "deferred"
                text: qsTr("Inspect")
                onClicked: details.app.library.inspect(details.entry.path)
            }
            Item { Layout.fillWidth: true }
            IconButton {
                theme: details.theme
                visible: details.isLoading
                iconName: "stop"
                text: qsTr("Cancel")
                onClicked: details.app.loader.cancel()
            }
            IconButton {
                objectName: "loadButton"
                theme: details.theme
                primary: !details.isLoaded
                enabled: details.hasEntry && details.entry.runnable && !details.isLoaded && !details.isLoading
                text: details.isLoaded ? qsTr("Loaded") : qsTr("Load")
                onClicked: details.loadSelected()
            }
            IconButton {
                theme: details.theme
                visible: details.isLoaded
                primary: true
                iconName: "chat"
                text: qsTr("Chat")
                onClicked: details.app.navigation.current = 2
            }
        }
    }
}
