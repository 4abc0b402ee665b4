// The dashboard's chart grid bound to a telemetry window: every chart gets
// the window's data, and the empty texts appear only without expert data.
import QtQuick
import QtTest
import Hoard

Item {
    id: root
    width: 1100
    height: 560

    TelemetryCharts {
        id: charts
        width: 1100
        theme: fixtures.theme
        series: fixtures.series
    }

    TestCase {
        name: "TelemetryCharts"
        when: windowShown

        function test_chartsAreFedFromTheSeries() {
            const heatmap = findChild(charts, "heatmap")
            compare(heatmap.rows, 6)
            compare(heatmap.columns, fixtures.series.capacity)
            compare(heatmap.values.length, 6 * fixtures.series.capacity)
            compare(findChild(charts, "layerBars").values.length, 6)
            compare(findChild(charts, "precisionMix").series.length, 4)
            compare(findChild(charts, "speedChart").values.length, fixtures.series.length)
            compare(findChild(charts, "linkChart").values.length, fixtures.series.length)
            verify(heatmap.width > 300 && heatmap.height > 100)
        }
    }
}
