// A screen's title and one-line explanation, with room for actions on the right.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

RowLayout {
    id: header
    required property Theme theme
    property string title
    property string subtitle
    default property alias actions: actionRow.data

    spacing: 16
    ColumnLayout {
        Layout.fillWidth: true
        spacing: 2
        Label {
            text: header.title
            font.pixelSize: 22
            font.weight: Font.DemiBold
            color: header.theme.text
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Label {
            text: header.subtitle
            visible: text.length > 0
            font.pixelSize: 13
            color: header.theme.textMuted
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
    }
    RowLayout {
        id: actionRow
        spacing: 8
    }
}
