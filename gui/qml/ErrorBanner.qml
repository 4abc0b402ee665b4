// The oldest error waiting for the user, in words; Dismiss shows the next.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Rectangle {
    id: banner
    required property ErrorQueue errors
    required property Theme theme

    visible: errors.count > 0
    implicitHeight: visible ? row.implicitHeight + 20 : 0
    color: theme.dangerSoft
    Accessible.role: Accessible.AlertMessage
    Accessible.name: errors.current

    Rectangle {
        anchors.bottom: parent.bottom
        width: parent.width
        height: 1
        color: banner.theme.alpha(banner.theme.danger, 0.4)
    }

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: 18
        anchors.rightMargin: 10
        spacing: 12

        NavIcon {
            name: "warning"
            color: banner.theme.danger
        }
        Label {
            objectName: "errorText"
            Layout.fillWidth: true
            text: banner.errors.current
            wrapMode: Text.Wrap
            color: banner.theme.text
            font.pixelSize: 13
        }
        Label {
            visible: banner.errors.count > 1
            text: qsTr("+%1 more").arg(banner.errors.count - 1)
            color: banner.theme.textMuted
            font.pixelSize: 12
        }
        IconButton {
            objectName: "dismissError"
            theme: banner.theme
            flat: true
            text: qsTr("Dismiss")
            onClicked: banner.errors.dismiss()
        }
    }
}
