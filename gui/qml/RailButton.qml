// One navigation rail entry: icon over label, a pill behind it when current.
import QtQuick
import Hoard
import QtQuick.Controls

AbstractButton {
    id: button
    required property Theme theme
    property string iconName
    property string label
    property string shortcutHint

    implicitWidth: 68
    implicitHeight: 58
    activeFocusOnTab: true
    hoverEnabled: true
    Accessible.name: label
    ToolTip.visible: hovered && shortcutHint.length > 0
    ToolTip.delay: 700
    ToolTip.text: label + "  (" + shortcutHint + ")"

    Keys.onReturnPressed: clicked()
    Keys.onEnterPressed: clicked()

    contentItem: Column {
        spacing: 4
        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            width: 52
            height: 30
            radius: 15
            color: button.checked ? button.theme.accentSoft
                                  : (button.hovered ? button.theme.alpha(button.theme.text, 0.06) : "transparent")
            border.width: button.visualFocus ? 2 : 0
            border.color: button.theme.accent
            NavIcon {
                anchors.centerIn: parent
                name: button.iconName
                color: button.checked ? button.theme.accent : button.theme.textMuted
            }
        }
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: button.label
            font.pixelSize: 11
            font.weight: button.checked ? Font.DemiBold : Font.Normal
            color: button.checked ? button.theme.text : button.theme.textMuted
        }
    }
    background: Item {}
}
