// A raised panel with an optional title line; children go into its body.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: card
    required property Theme theme
    property string title
    property string subtitle
    property alias headerExtras: extras.data
    default property alias content: body.data
    property int padding: 16
    // What the body needs; users with anchored (fill) content leave it 0 and size the card.
    property real bodyHeight: 0

    color: theme.surface
    radius: 12
    border.color: theme.border
    border.width: 1
    implicitHeight: (title.length ? header.implicitHeight + 10 : 0) + bodyHeight + padding * 2

    RowLayout {
        id: header
        visible: card.title.length > 0
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.margins: card.padding
        spacing: 8
        ColumnLayout {
            spacing: 2
            Layout.fillWidth: true
            Label {
                text: card.title
                font.pixelSize: 14
                font.weight: Font.DemiBold
                color: card.theme.text
            }
            Label {
                visible: card.subtitle.length > 0
                text: card.subtitle
                font.pixelSize: 12
                color: card.theme.textMuted
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }
        Row {
            id: extras
            spacing: 10
        }
    }

    Item {
        id: body
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: card.title.length > 0 ? header.bottom : parent.top
        anchors.bottom: parent.bottom
        anchors.margins: card.padding
        anchors.topMargin: card.title.length > 0 ? 10 : card.padding
    }
}
