// Live dashboard: headline figures and the expert charts, updating while the model writes.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Item {
    id: screen
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property DashboardController dashboard: app.dashboard
    readonly property TelemetrySeries series: dashboard.series

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true

        ColumnLayout {
            width: parent.width
            spacing: 16

            ScreenHeader {
                Layout.fillWidth: true
                Layout.margins: 24
                Layout.bottomMargin: 0
                theme: screen.theme
                title: qsTr("Live dashboard")
                subtitle: screen.dashboard.generating
                          ? qsTr("%1 is writing: the charts follow every expert decision.").arg(screen.dashboard.modelName)
                          : qsTr("Updates while a model writes. Send a message on the Chat screen to watch the experts move.")
                Pill {
                    theme: screen.theme
                    text: screen.dashboard.generating ? qsTr("● Live") : qsTr("Idle")
                    tint: screen.dashboard.generating ? screen.theme.success : screen.theme.textMuted
                }
                IconButton {
                    theme: screen.theme
                    iconName: "refresh"
                    tip: qsTr("Clear the charts")
                    onClicked: screen.dashboard.clear()
                }
            }

            RowLayout {
                Layout.fillWidth: true
                Layout.leftMargin: 24
                Layout.rightMargin: 24
                spacing: 12
                StatTile {
                    objectName: "speedTile"
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.speed
                    caption: qsTr("Decode speed")
                    value: screen.series.tokensPerSecond.toFixed(1)
                    unit: "tok/s"
                    detail: qsTr("peak %1").arg(screen.series.peakTokensPerSecond.toFixed(1))
                }
                StatTile {
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.heatHigh
                    caption: qsTr("Expert hit rate")
                    value: isNaN(screen.series.hitRate) ? "–" : Math.round(screen.series.hitRate * 100) + "%"
                    detail: isNaN(screen.series.meanHitRate) ? qsTr("not reported") : qsTr("mean %1%").arg(Math.round(screen.series.meanHitRate * 100))
                }
                StatTile {
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.link
                    caption: qsTr("Link traffic")
                    value: screen.series.hasExpertStats ? screen.series.linkGBps.toFixed(1) : "–"
                    unit: "GB/s"
                    detail: qsTr("host → GPU")
                }
                StatTile {
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.cpu
                    caption: qsTr("CPU experts")
                    value: screen.series.hasExpertStats ? String(screen.series.cpuExperts) : "–"
                    detail: qsTr("in the last window")
                }
                StatTile {
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.low
                    caption: qsTr("Fidelity")
                    value: screen.series.hasFidelity ? (screen.series.fidelity * 100).toFixed(1) + "%" : "–"
                    detail: screen.series.hasFidelity ? qsTr("agreement with full precision") : qsTr("not measured")
                }
                StatTile {
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.accent
                    caption: qsTr("Tokens")
                    value: String(screen.series.generatedTokens)
                    detail: screen.dashboard.lastTimeToFirstToken > 0
                            ? qsTr("first token %1 ms").arg(Math.round(screen.dashboard.lastTimeToFirstToken * 1000)) : qsTr("this reply")
                }
            }

            TelemetryCharts {
                Layout.fillWidth: true
                Layout.leftMargin: 24
                Layout.rightMargin: 24
                Layout.bottomMargin: 24
                theme: screen.theme
                series: screen.series
            }
        }
    }
}
