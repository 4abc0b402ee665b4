// The expert charts of a telemetry window (live, or a recorded session): hit
// rate heatmap (layers × time) and per-layer bars, stacked precision mix, link
// traffic and speed. `compare` overlays a second session's speed and traffic.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

GridLayout {
    id: charts
    required property Theme theme
    required property TelemetrySeries series
    property TelemetrySeries compare: null
    // Live: a fixed window that scrolls in from the right; recorded: the whole session.
    readonly property int slots: series.fixedWindow ? series.capacity : 0
    property string startLabel: qsTr("%1 s ago").arg(Math.round(series.capacity / 10))
    property string endLabel: qsTr("now")
    readonly property string noExperts: qsTr("No expert decisions reported yet. They appear here while an offloading engine generates.")

    columns: 6
    rowSpacing: 16
    columnSpacing: 16

    ChartCard {
        Layout.columnSpan: 4
        Layout.fillWidth: true
        Layout.preferredHeight: 250
        theme: charts.theme
        title: qsTr("Expert cache hit rate, layers × time")
        legend: [{label: "0%", color: charts.theme.heatLow}, {label: "50%", color: charts.theme.heatMid},
                 {label: "100%", color: charts.theme.heatHigh}]
        HeatmapChart {
            objectName: "heatmap"
            anchors.fill: parent
            values: charts.series.heatmap
            rows: charts.series.layers
            columns: charts.series.heatmapColumns
            lowColor: charts.theme.heatLow
            midColor: charts.theme.heatMid
            highColor: charts.theme.heatHigh
            emptyColor: charts.theme.heatEmpty
            textColor: charts.theme.chartText
            gridColor: charts.theme.chartGrid
            startLabel: charts.series.layers > 0 ? charts.startLabel : ""
            endLabel: charts.series.layers > 0 ? charts.endLabel : ""
            emptyText: charts.noExperts
        }
    }
    ChartCard {
        Layout.columnSpan: 2
        Layout.fillWidth: true
        Layout.preferredHeight: 250
        theme: charts.theme
        title: qsTr("Hit rate per layer, now")
        BarChart {
            objectName: "layerBars"
            anchors.fill: parent
            values: charts.series.layerHitRates
            lowColor: charts.theme.heatLow
            midColor: charts.theme.heatMid
            highColor: charts.theme.heatHigh
            textColor: charts.theme.chartText
            gridColor: charts.theme.chartGrid
            emptyText: charts.noExperts
        }
    }
    ChartCard {
        Layout.columnSpan: 2
        Layout.fillWidth: true
        Layout.preferredHeight: 210
        theme: charts.theme
        title: qsTr("Precision mix")
        legend: [{label: qsTr("high"), color: charts.theme.high}, {label: qsTr("low"), color: charts.theme.low},
                 {label: qsTr("CPU"), color: charts.theme.cpu}, {label: qsTr("skipped"), color: charts.theme.skip}]
        StackedAreaChart {
            objectName: "precisionMix"
            anchors.fill: parent
            series: charts.series.precisionSeries
            colors: [charts.theme.high, charts.theme.low, charts.theme.cpu, charts.theme.skip]
            capacity: charts.slots
            textColor: charts.theme.chartText
            gridColor: charts.theme.chartGrid
            startLabel: charts.startLabel
            endLabel: charts.endLabel
            emptyText: qsTr("No precision decisions reported yet.")
        }
    }
    ChartCard {
        Layout.columnSpan: 2
        Layout.fillWidth: true
        Layout.preferredHeight: 210
        theme: charts.theme
        title: qsTr("Link traffic to the GPU")
        legend: charts.compare ? [{label: qsTr("this"), color: charts.theme.link}, {label: qsTr("compared"), color: charts.theme.cpu}] : []
        LineChart {
            objectName: "linkChart"
            anchors.fill: parent
            values: charts.series.hasExpertStats ? charts.series.linkSeries : []
            compareValues: charts.compare && charts.compare.hasExpertStats ? charts.compare.linkSeries : []
            capacity: charts.slots
            unit: " GB/s"
            lineColor: charts.theme.link
            compareColor: charts.theme.cpu
            textColor: charts.theme.chartText
            gridColor: charts.theme.chartGrid
            startLabel: charts.startLabel
            endLabel: charts.endLabel
            emptyText: qsTr("No transfers reported yet.")
        }
    }
    ChartCard {
        Layout.columnSpan: 2
        Layout.fillWidth: true
        Layout.preferredHeight: 210
        theme: charts.theme
        title: qsTr("Decode speed")
        legend: charts.compare ? [{label: qsTr("this"), color: charts.theme.speed}, {label: qsTr("compared"), color: charts.theme.cpu}] : []
        LineChart {
            objectName: "speedChart"
            anchors.fill: parent
            values: charts.series.tokensPerSecondSeries
            compareValues: charts.compare ? charts.compare.tokensPerSecondSeries : []
            capacity: charts.slots
            unit: ""
            lineColor: charts.theme.speed
            compareColor: charts.theme.cpu
            textColor: charts.theme.chartText
            gridColor: charts.theme.chartGrid
            startLabel: charts.startLabel
            endLabel: charts.endLabel
            emptyText: qsTr("Tokens per second appear here while the model writes.")
        }
    }
}
