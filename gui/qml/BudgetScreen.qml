// Budget planner: detected devices, a VRAM budget and context, how the budget
// divides, and what it is predicted to buy (and, after a reply, what it did).
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Item {
    id: screen
    required property AppContext app
    readonly property Theme theme: app.theme
    readonly property BudgetController budget: app.budget
    readonly property ModelLoader loader: app.loader
    // The model runs offloaded under exactly the budget on the slider.
    readonly property bool running: loader.offloaded && loader.offloadBudgetBytes === budget.budgetBytes

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
                title: qsTr("Budget planner")
                subtitle: !screen.budget.hasModel ? qsTr("Load a model on the Models screen to plan its budget.")
                          : screen.loader.offloaded ? qsTr("%1 runs offloaded on %2.").arg(screen.budget.modelName).arg(screen.loader.offloadDevice)
                          : qsTr("How much GPU memory to give %1, and what it buys. Planning for %2.").arg(screen.budget.modelName).arg(screen.budget.targetName)
                IconButton {
                    objectName: "runWithBudget"
                    theme: screen.theme
                    visible: screen.budget.hasModel
                    primary: !screen.running
                    enabled: screen.budget.fits && !screen.running && !screen.loader.loading
                    iconName: screen.running ? "" : "send"
                    text: screen.running ? qsTr("Running with this budget") : qsTr("Run with this budget")
                    tip: screen.budget.hasGpu ? qsTr("Reload the model with its experts offloaded under this budget")
                                              : qsTr("Reload the model offloaded onto a simulated device with this budget")
                    onClicked: screen.loader.loadWithBudget(screen.loader.modelPath, screen.budget.budgetBytes,
                                                            screen.budget.contextTokens, screen.budget.lowPrecision)
                }
                IconButton {
                    theme: screen.theme
                    visible: screen.loader.offloaded
                    flat: true
                    text: qsTr("Run whole")
                    tip: qsTr("Reload the model without offloading")
                    enabled: !screen.loader.loading
                    onClicked: screen.loader.load(screen.loader.modelPath)
                }
            }

            RowLayout {
                Layout.fillWidth: true
                Layout.leftMargin: 24
                Layout.rightMargin: 24
                spacing: 16

                DeviceList {
                    Layout.preferredWidth: 340
                    Layout.fillHeight: true
                    Layout.minimumHeight: implicitHeight
                    Layout.alignment: Qt.AlignTop
                    budget: screen.budget
                    theme: screen.theme
                }

                BudgetControls {
                    Layout.fillWidth: true
                    Layout.alignment: Qt.AlignTop
                    budget: screen.budget
                    theme: screen.theme
                }
            }

            Card {
                Layout.fillWidth: true
                Layout.leftMargin: 24
                Layout.rightMargin: 24
                implicitHeight: 150
                theme: screen.theme
                title: qsTr("Where the budget goes")
                subtitle: screen.budget.fits || !screen.budget.hasModel ? "" : screen.budget.problem
                BreakdownBar {
                    anchors.fill: parent
                    theme: screen.theme
                    segments: screen.budget.breakdown
                    overBudget: screen.budget.hasModel && !screen.budget.fits
                }
            }

            RowLayout {
                Layout.fillWidth: true
                Layout.leftMargin: 24
                Layout.rightMargin: 24
                spacing: 16
                visible: screen.budget.hasModel

                StatTile {
                    objectName: "predictedHitRate"
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.heatHigh
                    caption: qsTr("Predicted hit rate")
                    value: screen.budget.fits ? Math.round(screen.budget.predictedHitRate * 100) + "%" : "–"
                    detail: qsTr("experts found on the GPU")
                }
                StatTile {
                    objectName: "predictedSpeed"
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.speed
                    caption: qsTr("Predicted speed")
                    value: screen.budget.fits ? screen.budget.predictedTokensPerSecond.toFixed(1) : "–"
                    unit: "tok/s"
                    detail: screen.budget.hostOnlyTokensPerSecond > 0
                            ? qsTr("CPU only here: %1 tok/s").arg(screen.budget.hostOnlyTokensPerSecond.toFixed(1)) : ""
                }
                StatTile {
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.high
                    caption: qsTr("Experts resident")
                    value: screen.budget.slotsAreAlternatives
                           ? Math.min(screen.budget.totalExperts, screen.budget.lowSlots > 0 ? screen.budget.lowSlots : screen.budget.highSlots) + " / " + screen.budget.totalExperts
                           : (screen.budget.highSlots + screen.budget.lowSlots) + " / " + screen.budget.totalExperts
                    detail: screen.budget.slotsAreAlternatives
                            ? qsTr("%1 high or %2 low precision, mixed as needed").arg(screen.budget.highSlots).arg(screen.budget.lowSlots)
                            : qsTr("%1 high · %2 low precision").arg(screen.budget.highSlots).arg(screen.budget.lowSlots)
                }
                StatTile {
                    objectName: "measured"
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.success
                    caption: qsTr("Measured (last reply)")
                    value: screen.budget.hasMeasurement ? screen.budget.measuredTokensPerSecond.toFixed(1) : "–"
                    unit: "tok/s"
                    detail: !screen.budget.hasMeasurement ? qsTr("chat to measure")
                            : isNaN(screen.budget.measuredHitRate) ? qsTr("not offloaded: no hit rate")
                            : qsTr("hit rate %1%").arg(Math.round(screen.budget.measuredHitRate * 100))
                              + (screen.budget.measuredDeviceUse.length ? " · " + screen.budget.measuredDeviceUse : "")
                }
            }

            ChartCard {
                Layout.fillWidth: true
                Layout.leftMargin: 24
                Layout.rightMargin: 24
                Layout.preferredHeight: 190
                visible: screen.budget.hasModel && screen.budget.predictedLayerHitRates.length > 0
                theme: screen.theme
                title: qsTr("Predicted hit rate per layer")
                BarChart {
                    objectName: "predictedLayers"
                    anchors.fill: parent
                    values: screen.budget.fits ? screen.budget.predictedLayerHitRates : []
                    lowColor: screen.theme.heatLow
                    midColor: screen.theme.heatMid
                    highColor: screen.theme.heatHigh
                    textColor: screen.theme.chartText
                    gridColor: screen.theme.chartGrid
                    emptyText: qsTr("Raise the budget: it does not hold what every token needs.")
                }
            }

            Label {
                Layout.fillWidth: true
                Layout.leftMargin: 24
                Layout.rightMargin: 24
                Layout.bottomMargin: 24
                visible: screen.budget.hasModel
                text: screen.budget.basis
                wrapMode: Text.Wrap
                font.pixelSize: 12
                color: screen.theme.textMuted
            }
        }
    }
}
