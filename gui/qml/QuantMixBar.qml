// A model's formats as one stacked bar with a legend: q4_K 88% · f32 7% …
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: mixBar
    required property Theme theme
    property var mix: []
    readonly property var palette: [theme.high, theme.low, theme.link, theme.cpu, theme.skip, theme.kv]
    spacing: 8

    Rectangle {
        Layout.fillWidth: true
        implicitHeight: 12
        radius: 6
        color: mixBar.theme.surfaceRaised
        clip: true
        Row {
            anchors.fill: parent
            Repeater {
                model: mixBar.mix
                Rectangle {
                    required property var modelData
                    required property int index
                    width: parent.width * modelData.share
                    height: parent.height
                    color: mixBar.palette[index % mixBar.palette.length]
                }
            }
        }
    }
    Flow {
        Layout.fillWidth: true
        spacing: 14
        Repeater {
            model: mixBar.mix
            Row {
                required property var modelData
                required property int index
                spacing: 6
                Rectangle {
                    width: 10; height: 10; radius: 3
                    anchors.verticalCenter: parent.verticalCenter
                    color: mixBar.palette[index % mixBar.palette.length]
                }
                Label {
                    text: modelData.format + "  " + (modelData.share < 0.01 ? "<1" : Math.round(modelData.share * 100)) + "%  (" + modelData.bytes + ")"
                    font.pixelSize: 12
                    color: mixBar.theme.text
                }
            }
        }
    }
}
