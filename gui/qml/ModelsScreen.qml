// Models: GGUF files from the configured folders, opened or dropped, with
// what each is (or why Hoard cannot run it); the selected one loads on Load.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

Item {
    id: screen
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property ModelLibrary library: app.library
    property string selectedPath: app.preferredModelPath
    property int revision: 0 // bumped when a row changes, so the details re-read it

    function syncSelection() {
        list.currentIndex = library.indexOfPath(selectedPath)
    }
    Connections {
        target: screen.library.models
        function onCountChanged() { screen.syncSelection() }
        function onDataChanged() { screen.revision++ }
    }
    onSelectedPathChanged: syncSelection()
    Component.onCompleted: syncSelection()

    FileDialog {
        id: openDialog
        objectName: "openModelDialog"
        title: qsTr("Open a GGUF model")
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("All files (*)")]
        onAccepted: {
            if (screen.library.addUrls([selectedFile]) > 0)
                screen.selectedPath = screen.library.toLocalPath(selectedFile.toString())
        }
    }
    FolderDialog {
        id: folderDialog
        objectName: "addFolderDialog"
        title: qsTr("Add a folder of models")
        onAccepted: screen.library.addFolder(selectedFolder.toString())
    }
    Shortcut {
        sequence: StandardKey.Open
        enabled: screen.visible
        onActivated: openDialog.open()
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: 16

        ScreenHeader {
            Layout.fillWidth: true
            theme: screen.theme
            title: qsTr("Models")
            subtitle: qsTr("GGUF files Hoard found or you opened. Drop files or folders anywhere here to add them.")
            IconButton {
                theme: screen.theme
                iconName: "folder"
                text: qsTr("Add folder")
                onClicked: folderDialog.open()
            }
            IconButton {
                theme: screen.theme
                iconName: "file"
                text: qsTr("Open file")
                tip: qsTr("Open a model file (Ctrl+O)")
                onClicked: openDialog.open()
            }
            IconButton {
                theme: screen.theme
                iconName: "refresh"
                tip: qsTr("Scan the folders again")
                enabled: !screen.library.busy
                onClicked: screen.library.rescan()
            }
        }

        Flow {
            Layout.fillWidth: true
            spacing: 8
            visible: screen.library.folders.length > 0
            Repeater {
                model: screen.library.folders
                delegate: Rectangle {
                    required property string modelData
                    height: 28
                    width: chipRow.implicitWidth + 20
                    radius: 14
                    color: screen.theme.surfaceRaised
                    border.color: screen.theme.border
                    RowLayout {
                        id: chipRow
                        anchors.centerIn: parent
                        spacing: 6
                        NavIcon { name: "folder"; implicitWidth: 14; implicitHeight: 14; color: screen.theme.textMuted }
                        Label { text: modelData; font.pixelSize: 12; color: screen.theme.text }
                        ToolButton {
                            implicitWidth: 20
                            implicitHeight: 20
                            padding: 0
                            Accessible.name: qsTr("Stop scanning %1").arg(modelData)
                            contentItem: NavIcon { name: "close"; color: screen.theme.textMuted; lineWidth: 2 }
                            onClicked: screen.library.removeFolder(modelData)
                        }
                    }
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 16

            Card {
                theme: screen.theme
                Layout.fillWidth: true
                Layout.fillHeight: true
                padding: 6

                ListView {
                    id: list
                    objectName: "modelList"
                    anchors.fill: parent
                    clip: true
                    focus: true
                    keyNavigationEnabled: true
                    activeFocusOnTab: true
                    spacing: 2
                    model: screen.library.models
                    ScrollBar.vertical: ScrollBar {}
                    onCurrentIndexChanged: {
                        const row = screen.library.models.get(currentIndex)
                        if (row.path !== undefined && activeFocus) screen.selectedPath = row.path
                    }
                    Keys.onReturnPressed: details.loadSelected()
                    delegate: ModelRow {
                        width: ListView.view.width
                        theme: screen.theme
                        current: ListView.isCurrentItem
                        loaded: screen.app.loader.modelPath === path
                        onActivated: {
                            screen.selectedPath = path
                            list.forceActiveFocus()
                        }
                        onLoadRequested: details.loadSelected()
                    }
                    Label {
                        anchors.centerIn: parent
                        visible: list.count === 0
                        text: screen.library.busy ? qsTr("Looking for models…") : qsTr("No models yet: open a GGUF file or add a folder.")
                        color: screen.theme.textMuted
                    }
                }
            }

            ModelDetails {
                id: details
                Layout.preferredWidth: 380
                Layout.fillHeight: true
                app: screen.app
                entry: screen.revision, list.currentIndex >= 0 ? screen.library.models.get(list.currentIndex) : ({})
            }
        }
    }

    DropArea {
        id: drop
        anchors.fill: parent
        onEntered: (drag) => drag.accept(Qt.CopyAction)
        onDropped: (dropEvent) => {
            if (screen.library.addUrls(dropEvent.urls) > 0 && dropEvent.urls.length === 1)
                screen.selectedPath = screen.library.toLocalPath(dropEvent.urls[0].toString())
        }
        Rectangle {
            anchors.fill: parent
            anchors.margins: 12
            visible: drop.containsDrag
            radius: 16
            color: screen.theme.alpha(screen.theme.accent, 0.08)
            border.color: screen.theme.accent
            border.width: 2
            Label {
                anchors.centerIn: parent
                text: qsTr("Drop GGUF files or folders to add them")
                font.pixelSize: 18
                color: screen.theme.accent
            }
        }
    }
}
