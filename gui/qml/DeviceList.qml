// The devices the planner found: GPUs (CUDA ones Hoard computes on, Vulkan ones
// it only lists for now) and system memory; why there is no GPU when there is none.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Card {
    id: card
    required property BudgetController budget
    title: qsTr("Devices")
    subtitle: budget.devicesNote
    bodyHeight: devices.contentHeight

    ListView {
        id: devices
        objectName: "deviceList"
        anchors.fill: parent
        interactive: false
        spacing: 10
        model: card.budget.devices
        delegate: Rectangle {
            required property string name
            required property string api
            required property bool isGpu
            required property bool usable
            required property string memoryText
            required property bool freeKnown
            required property real usedFraction
            required property string bandwidth
            required property string detail
            required property string status
            width: ListView.view.width
            implicitHeight: col.implicitHeight + 20
            radius: 8
            color: card.theme.surfaceRaised
            ColumnLayout {
                id: col
                anchors.fill: parent
                anchors.margins: 10
                spacing: 6
                RowLayout {
                    spacing: 8
                    NavIcon { name: "chip"; color: isGpu && usable ? card.theme.accent : card.theme.textMuted; implicitWidth: 18; implicitHeight: 18 }
                    Label { text: name; color: card.theme.text; font.pixelSize: 13; font.weight: Font.DemiBold; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Pill { theme: card.theme; text: api; tint: isGpu && usable ? card.theme.accent : card.theme.textMuted }
                }
                Label {
                    text: memoryText + (bandwidth.length ? " · " + qsTr("reads %1").arg(bandwidth) : "")
                    color: card.theme.textMuted
                    font.pixelSize: 12
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                Label {
                    visible: detail.length > 0
                    text: detail
                    color: card.theme.textMuted
                    font.pixelSize: 11
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                Label {
                    visible: status.length > 0
                    text: status
                    color: usable ? card.theme.success : card.theme.warning
                    font.pixelSize: 12
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                Rectangle {
                    visible: freeKnown
                    Layout.fillWidth: true
                    implicitHeight: 6
                    radius: 3
                    color: card.theme.border
                    Rectangle {
                        width: parent.width * usedFraction
                        height: parent.height
                        radius: 3
                        color: isGpu ? card.theme.accent : card.theme.shared
                    }
                }
            }
        }
    }
}
