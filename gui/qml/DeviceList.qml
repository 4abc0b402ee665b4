// The devices the planner found: GPUs (none yet on CPU-only machines) and system memory.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Card {
    id: card
    required property BudgetController budget
    title: qsTr("Devices")
    subtitle: budget.probing ? qsTr("Looking for devices…")
                             : (budget.hasGpu ? "" : qsTr("No GPU detected: Hoard computes on the CPU. Plans are for a reference GPU."))
    bodyHeight: devices.contentHeight

    ListView {
        id: devices
        anchors.fill: parent
        interactive: false
        spacing: 10
        model: card.budget.devices
        delegate: Rectangle {
            required property string name
            required property string api
            required property bool isGpu
            required property string total
            required property string free
            required property real usedFraction
            required property string bandwidth
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
                    NavIcon { name: "chip"; color: isGpu ? card.theme.accent : card.theme.textMuted; implicitWidth: 18; implicitHeight: 18 }
                    Label { text: name; color: card.theme.text; font.pixelSize: 13; font.weight: Font.DemiBold; wrapMode: Text.Wrap; Layout.fillWidth: true }
                }
                Label {
                    text: api + " · " + qsTr("%1 free of %2").arg(free).arg(total) + (bandwidth.length ? " · " + qsTr("reads %1").arg(bandwidth) : "")
                    color: card.theme.textMuted
                    font.pixelSize: 12
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                Rectangle {
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
