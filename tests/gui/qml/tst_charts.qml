// The painted charts draw what they are given: colours by value, bar heights,
// stacked shares, axis maxima.
import QtQuick
import QtTest
import Hoard

Item {
    id: root
    width: 400
    height: 300

    HeatmapChart {
        id: heatmap
        width: 234 // 34 px of layer labels + 200 px of cells
        height: 110 // 6 px top + 100 px of cells + 4 px bottom
        rows: 2
        columns: 2
        values: [0.0, 1.0, NaN, 0.5]
        lowColor: "#ff0000"
        midColor: "#ffff00"
        highColor: "#00ff00"
        emptyColor: "#0000ff"
    }

    BarChart {
        id: bars
        y: 120
        width: 240 // 40 px of axis labels + 200 px of bars
        height: 128 // 6 px top + 100 px plot + 18 px of labels + 4
        values: [0.25, 1.0]
        lowColor: "#ff0000"
        highColor: "#00ff00"
    }

    StackedAreaChart {
        id: stacked
        x: 250
        width: 140
        height: 110
        series: [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        colors: ["#ff0000", "#0000ff"]
    }

    LineChart {
        id: line
        x: 250
        y: 150
        width: 140
        height: 100
        values: [3, 7, 5]
    }

    TestCase {
        name: "Charts"
        when: windowShown

        function near(a, b) { return Math.abs(a - b) < 0.02 }
        function sameColor(actual, expected) {
            return near(actual.r, expected.r) && near(actual.g, expected.g) && near(actual.b, expected.b)
        }

        function test_heatmapColoursCellsByValue() {
            compare(heatmap.colorFor(0), heatmap.lowColor)
            compare(heatmap.colorFor(1), heatmap.highColor)
            compare(heatmap.colorFor(NaN), heatmap.emptyColor)
            const image = grabImage(heatmap)
            // Cell centres: x = 34 + 50 / 150, y = 6 + 25 / 75.
            verify(sameColor(image.pixel(84, 31), Qt.color("#ff0000")), "layer 0, oldest: 0%")
            verify(sameColor(image.pixel(184, 31), Qt.color("#00ff00")), "layer 0, newest: 100%")
            verify(sameColor(image.pixel(84, 81), Qt.color("#0000ff")), "layer 1, oldest: unknown")
            verify(sameColor(image.pixel(184, 81), Qt.color("#ffff00")), "layer 1, newest: 50%")
        }

        function test_barHeightsFollowValues() {
            const image = grabImage(bars)
            // Plot from y 6 to 106; the full bar (x 140..240) reaches the top,
            // the quarter bar (x 40..140) only the lowest 25 px.
            verify(sameColor(image.pixel(190, 12), Qt.color("#00ff00")), "the full bar reaches the top")
            verify(!sameColor(image.pixel(90, 12), Qt.color("#ff0000")), "the short bar does not")
            verify(image.pixel(90, 100).g < 0.9 && image.pixel(90, 100).r > 0.5, "the short bar is drawn, low colour")
        }

        function test_stackedSharesFillBottomUp() {
            const image = grabImage(stacked)
            // Plot: x 40..136, y 6..106 (no time labels): red below the middle, blue above.
            verify(sameColor(image.pixel(90, 90), Qt.color("#ff0000")))
            verify(sameColor(image.pixel(90, 20), Qt.color("#0000ff")))
        }

        function test_lineAxisIsRound() {
            compare(line.axisMaximum, 10) // 7 plus a margin, rounded up
            line.maxValue = 4
            compare(line.axisMaximum, 4)
            line.maxValue = 0
            line.values = []
            line.compareValues = [120]
            compare(line.axisMaximum, 200)
        }

        function test_emptyChartsShowTheirText() {
            const empty = Qt.createQmlObject('import Hoard; BarChart { width: 200; height: 80; emptyText: "nothing"; textColor: "#000000" }', root)
            const image = grabImage(empty)
            let dark = 0
            for (let x = 0; x < 200; x += 2)
                for (let y = 20; y < 60; y += 2)
                    if (image.pixel(x, y).r < 0.5) ++dark
            verify(dark > 5, "the empty text is drawn")
            empty.destroy()
        }
    }
}
