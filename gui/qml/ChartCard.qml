// A chart in a card: title, a legend of coloured keys under it, the chart.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Card {
    id: card
    property var legend: [] // [{label, color}]
    padding: 14
    subtitle: " " // keeps a line under the title for the legend

    Flow {
        parent: card
        x: card.padding
        y: card.padding + 22
        width: card.width - card.padding * 2
        spacing: 12
        Repeater {
            model: card.legend
            Row {
                required property var modelData
                spacing: 5
                Rectangle { width: 9; height: 9; radius: 2; color: modelData.color; anchors.verticalCenter: parent.verticalCenter }
                Label { text: modelData.label; font.pixelSize: 11; color: card.theme.textMuted }
            }
        }
    }
}
