// A small rounded tag ("Bundled", "Loaded", a format name).
import QtQuick
import Hoard
import QtQuick.Controls

Rectangle {
    id: pill
    required property Theme theme
    property alias text: label.text
    property color tint: theme.accent

    implicitWidth: label.implicitWidth + 14
    implicitHeight: 20
    radius: 10
    color: theme.alpha(tint, 0.16)
    Label {
        id: label
        anchors.centerIn: parent
        font.pixelSize: 11
        font.weight: Font.DemiBold
        color: pill.tint
    }
}
