// Small view components: the budget breakdown bar, the error banner, stat
// tiles, navigation buttons and our icon buttons.
import QtQuick
import QtQuick.Controls
import QtTest
import Hoard

Item {
    id: root
    width: 800
    height: 600

    BreakdownBar {
        id: breakdown
        width: 600
        theme: fixtures.theme
        segments: [
            {key: "shared", label: "Shared weights", bytes: 25, text: "25 B", fraction: 0.25},
            {key: "kv", label: "KV cache", bytes: 25, text: "25 B", fraction: 0.25},
            {key: "high", label: "Experts", bytes: 50, text: "50 B", fraction: 0.5},
            {key: "headroom", label: "Headroom", bytes: 0, text: "0 B", fraction: 0}
        ]
    }

    ErrorBanner {
        id: banner
        y: 120
        width: 600
        errors: fixtures.errors
        theme: fixtures.theme
    }

    StatTile {
        id: tile
        y: 200
        theme: fixtures.theme
        caption: "Speed"
        value: "12.5"
        unit: "tok/s"
    }

    RailButton {
        id: rail
        y: 300
        theme: fixtures.theme
        iconName: "chat"
        label: "Chat"
    }

    IconButton {
        id: primaryButton
        x: 300
        y: 300
        theme: fixtures.theme
        primary: true
        text: "Load"
    }

    SignalSpy { id: railClicks; target: rail; signalName: "clicked" }

    TestCase {
        name: "Components"
        when: windowShown

        function test_breakdownSegmentsAreProportional() {
            const bar = findChild(breakdown, "bar")
            verify(bar)
            const shared = findChild(breakdown, "segment_shared")
            const high = findChild(breakdown, "segment_high")
            fuzzyCompare(shared.width, bar.width * 0.25, 1)
            fuzzyCompare(high.width, bar.width * 0.5, 1)
            compare(shared.color, fixtures.theme.shared)
            compare(high.color, fixtures.theme.high)
            breakdown.overBudget = true
            compare(bar.border.width, 2)
            breakdown.overBudget = false
        }

        function test_errorBannerShowsOneErrorAtATime() {
            fixtures.errors.clear()
            verify(!banner.visible)
            fixtures.errors.push("The model file is damaged.")
            fixtures.errors.push("The folder does not exist.")
            fixtures.errors.push("The model file is damaged.") // repeats merge
            verify(banner.visible)
            compare(findChild(banner, "errorText").text, "The model file is damaged.")
            compare(fixtures.errors.count, 2)
            mouseClick(findChild(banner, "dismissError"))
            compare(findChild(banner, "errorText").text, "The folder does not exist.")
            mouseClick(findChild(banner, "dismissError"))
            verify(!banner.visible)
        }

        function test_statTileShowsValueAndUnit() {
            compare(findChild(tile, "value").text, "12.5")
            tile.value = "–"
            compare(findChild(tile, "value").text, "–")
        }

        function test_railButtonWorksFromTheKeyboard() {
            railClicks.clear()
            rail.forceActiveFocus()
            verify(rail.activeFocus)
            keyClick(Qt.Key_Space)
            keyClick(Qt.Key_Return)
            compare(railClicks.count, 2)
            mouseClick(rail)
            compare(railClicks.count, 3)
        }

        function test_primaryButtonUsesTheAccent() {
            const image = grabImage(primaryButton)
            const c = image.pixel(4, primaryButton.height / 2)
            const accent = fixtures.theme.accent
            verify(Math.abs(c.r - accent.r) < 0.03 && Math.abs(c.g - accent.g) < 0.03 && Math.abs(c.b - accent.b) < 0.03,
                   "background " + c + " is the accent " + accent)
        }
    }
}
