// A headline figure: small caption, large value, a line of context.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: tile
    required property Theme theme
    property string caption
    property string value
    property string unit // smaller, after the value
    property string detail
    property color accent: theme.accent

    implicitWidth: 180
    implicitHeight: 86
    radius: 12
    color: theme.surface
    border.color: theme.border
    Accessible.name: caption + ": " + value

    Rectangle {
        width: 3
        height: parent.height - 28
        radius: 1.5
        anchors.left: parent.left
        anchors.leftMargin: 10
        anchors.verticalCenter: parent.verticalCenter
        color: tile.accent
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.leftMargin: 24
        anchors.rightMargin: 12
        anchors.topMargin: 12
        anchors.bottomMargin: 12
        spacing: 2
        Label {
            text: tile.caption
            font.pixelSize: 12
            color: tile.theme.textMuted
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Row {
            spacing: 5
            Layout.fillWidth: true
            clip: true
            Label {
                objectName: "value"
                text: tile.value
                font.pixelSize: 22
                font.weight: Font.DemiBold
                color: tile.theme.text
            }
            Label {
                visible: tile.unit.length > 0 && tile.value !== "–"
                anchors.baseline: parent.children[0].baseline
                text: tile.unit
                font.pixelSize: 13
                color: tile.theme.textMuted
            }
        }
        Label {
            visible: tile.detail.length > 0
            text: tile.detail
            font.pixelSize: 11
            color: tile.theme.textMuted
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
    }
}
