// A labelled slider with its value on the right and an optional hint below.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: setting
    required property Theme theme
    property string label
    property string hint
    property real from: 0
    property real to: 1
    property real step: 0.01
    property int decimals: 2
    property real value: 0
    signal moved(real value)
    spacing: 0
    Layout.fillWidth: true

    RowLayout {
        Layout.fillWidth: true
        Label { text: setting.label; color: setting.theme.textMuted; font.pixelSize: 12; Layout.fillWidth: true }
        Label { text: Number(setting.value).toFixed(setting.decimals); color: setting.theme.text; font.pixelSize: 12 }
    }
    Slider {
        Layout.fillWidth: true
        from: setting.from
        to: setting.to
        stepSize: setting.step
        value: setting.value
        onMoved: setting.moved(value)
        Accessible.name: setting.label
    }
    Label {
        visible: setting.hint.length > 0
        text: setting.hint
        color: setting.theme.textMuted
        font.pixelSize: 11
    }
}
