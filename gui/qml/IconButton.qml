// A button with one of our line icons before its text (or alone, with a
// tooltip). Draws its own background, so it looks the same in every style and
// renderer: accent when primary, a soft fill otherwise, bare when flat.
import QtQuick
import Hoard
import QtQuick.Controls

Button {
    id: button
    required property Theme theme
    property string iconName
    property string tip
    property bool primary: false

    hoverEnabled: true
    padding: 8
    leftPadding: text.length > 0 ? 12 : 8
    rightPadding: text.length > 0 ? 14 : 8
    implicitHeight: 36
    font.capitalization: Font.MixedCase
    ToolTip.visible: hovered && tip.length > 0
    ToolTip.delay: 600
    ToolTip.text: tip
    Accessible.name: text.length > 0 ? text : tip
    readonly property color foreground: primary ? theme.onAccent : (enabled ? theme.text : theme.textMuted)

    contentItem: Item {
        implicitWidth: row.implicitWidth
        implicitHeight: row.implicitHeight
        Row {
            id: row
            anchors.centerIn: parent
            spacing: 7
            NavIcon {
                name: button.iconName
                visible: button.iconName.length > 0
                width: 18
                height: 18
                anchors.verticalCenter: parent.verticalCenter
                color: button.foreground
            }
            Label {
                visible: button.text.length > 0
                text: button.text
                font.pixelSize: 13
                font.weight: Font.Medium
                color: button.foreground
                anchors.verticalCenter: parent.verticalCenter
            }
        }
    }

    background: Rectangle {
        radius: 9
        opacity: button.enabled ? 1 : 0.5
        color: button.primary ? (button.down ? Qt.darker(button.theme.accent, 1.15)
                                             : (button.hovered ? Qt.lighter(button.theme.accent, 1.08) : button.theme.accent))
                              : (button.checked || button.down ? button.theme.accentSoft
                                 : (button.hovered ? button.theme.surfaceRaised
                                    : (button.flat ? "transparent" : button.theme.alpha(button.theme.surfaceRaised, 0.7))))
        border.width: button.visualFocus ? 2 : (button.primary || button.flat ? 0 : 1)
        border.color: button.visualFocus ? button.theme.accent : button.theme.border
    }
}
