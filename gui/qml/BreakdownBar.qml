// How a budget divides: one stacked bar (shared weights, KV cache, workspace,
// expert slots, headroom) with a legend of sizes.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: breakdown
    required property Theme theme
    property var segments: []
    property bool overBudget: false
    spacing: 12

    function colorFor(key) {
        switch (key) {
        case "shared": return theme.shared
        case "kv": return theme.kv
        case "workspace": return theme.workspace
        case "high": return theme.high
        case "low": return theme.low
        default: return theme.headroom
        }
    }

    Rectangle {
        objectName: "bar"
        Layout.fillWidth: true
        implicitHeight: 28
        radius: 8
        color: breakdown.theme.surfaceRaised
        border.width: breakdown.overBudget ? 2 : 0
        border.color: breakdown.theme.danger
        clip: true
        Row {
            anchors.fill: parent
            anchors.margins: breakdown.overBudget ? 2 : 0
            Repeater {
                model: breakdown.segments
                Rectangle {
                    required property var modelData
                    objectName: "segment_" + modelData.key
                    width: parent.width * modelData.fraction
                    height: parent.height
                    color: breakdown.colorFor(modelData.key)
                }
            }
        }
    }

    Flow {
        Layout.fillWidth: true
        spacing: 18
        Repeater {
            model: breakdown.segments
            Row {
                required property var modelData
                spacing: 6
                visible: modelData.bytes > 0 || modelData.key === "headroom"
                Rectangle {
                    width: 10; height: 10; radius: 3
                    anchors.verticalCenter: parent.verticalCenter
                    color: breakdown.colorFor(modelData.key)
                    border.width: modelData.key === "headroom" ? 1 : 0
                    border.color: breakdown.theme.border
                }
                Label { text: modelData.label; color: breakdown.theme.textMuted; font.pixelSize: 12 }
                Label { text: modelData.text; color: breakdown.theme.text; font.pixelSize: 12; font.weight: Font.DemiBold }
            }
        }
    }

    Label {
        visible: breakdown.segments.length === 0
        text: qsTr("Load a model to see how a budget divides.")
        color: breakdown.theme.textMuted
    }
}
