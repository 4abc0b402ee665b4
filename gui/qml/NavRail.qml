// The left rail: one button per screen (Ctrl+1 … Ctrl+5), the theme switch.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: rail
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property var icons: ["models", "budget", "chat", "dashboard", "sessions"]

    implicitWidth: 84
    color: theme.surface

    Rectangle {
        anchors.right: parent.right
        width: 1
        height: parent.height
        color: rail.theme.border
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.topMargin: 14
        anchors.bottomMargin: 12
        spacing: 4

        // The mark: three stacked expert slots.
        Column {
            Layout.alignment: Qt.AlignHCenter
            Layout.bottomMargin: 14
            spacing: 3
            Repeater {
                model: 3
                Rectangle {
                    required property int index
                    width: 30 - index * 6
                    height: 6
                    radius: 3
                    anchors.horizontalCenter: parent.horizontalCenter
                    color: index === 0 ? rail.theme.accent : rail.theme.alpha(rail.theme.accent, 0.55 - index * 0.15)
                }
            }
        }

        Repeater {
            model: rail.app.navigation.screens
            delegate: RailButton {
                required property int index
                required property string modelData
                Layout.alignment: Qt.AlignHCenter
                theme: rail.theme
                iconName: rail.icons[index]
                label: modelData
                checked: rail.app.navigation.current === index
                shortcutHint: "Ctrl+" + (index + 1)
                onClicked: rail.app.navigation.current = index
            }
        }

        Item { Layout.fillHeight: true }

        RailButton {
            Layout.alignment: Qt.AlignHCenter
            theme: rail.theme
            iconName: rail.theme.dark ? "sun" : "moon"
            label: rail.theme.dark ? qsTr("Light") : qsTr("Dark")
            shortcutHint: "Ctrl+Shift+T"
            onClicked: rail.theme.toggle()
        }
    }
}
