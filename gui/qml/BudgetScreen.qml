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
                subtitle: screen.budget.hasModel
                          ? qsTr("How much GPU memory to give %1, and what it buys. Planning for %2.").arg(screen.budget.modelName).arg(screen.budget.targetName)
                          : qsTr("Load a model on the Models screen to plan its budget.")
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
                    value: (screen.budget.highSlots + screen.budget.lowSlots) + " / " + screen.budget.totalExperts
                    detail: qsTr("%1 high · %2 low precision").arg(screen.budget.highSlots).arg(screen.budget.lowSlots)
                }
                StatTile {
                    objectName: "measured"
                    Layout.fillWidth: true
                    theme: screen.theme
                    accent: screen.theme.success
                    caption: qsTr("Measured (last reply)")
                    value: screen.budget.hasMeasurement ? screen.budget.measuredTokensPerSecond.toFixed(1) : "–"
                    unit: "tok/s"
                    detail: screen.budget.hasMeasurement
                            ? (isNaN(screen.budget.measuredHitRate) ? qsTr("hit rate not reported by this engine")
                                                                     : qsTr("hit rate %1%").arg(Math.round(screen.budget.measuredHitRate * 100)))
                            : qsTr("chat to measure")
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
