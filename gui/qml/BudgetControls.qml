// The planner's inputs: VRAM budget (slider and field), context length, low-precision copies.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Layouts

Card {
    id: card
    required property BudgetController budget
    title: qsTr("Budget")
    subtitle: budget.computing ? qsTr("Predicting…") : qsTr("%1 of device memory").arg(budget.budgetText)
    bodyHeight: grid.implicitHeight
    enabled: budget.hasModel

    GridLayout {
        id: grid
        anchors.left: parent.left
        anchors.right: parent.right
        columns: 3
        columnSpacing: 14
        rowSpacing: 6

        Label { text: qsTr("VRAM budget"); color: card.theme.textMuted; font.pixelSize: 13 }
        Slider {
            id: budgetSlider
            objectName: "budgetSlider"
            Layout.fillWidth: true
            from: 0
            to: card.budget.maxBudgetGB
            stepSize: card.budget.maxBudgetGB / 200
            value: card.budget.budgetGB
            onMoved: card.budget.budgetGB = value
            Accessible.name: qsTr("VRAM budget in gigabytes")
        }
        RowLayout {
            spacing: 6
            TextField {
                objectName: "budgetField"
                Layout.preferredWidth: 80
                horizontalAlignment: Text.AlignRight
                text: card.budget.budgetGB.toFixed(card.budget.maxBudgetGB < 2 ? 3 : 1)
                validator: DoubleValidator { bottom: 0; decimals: 3 }
                selectByMouse: true
                onEditingFinished: card.budget.budgetGB = Number(text.replace(",", "."))
                Accessible.name: qsTr("VRAM budget in gigabytes")
            }
            Label { text: "GB"; color: card.theme.textMuted }
            IconButton {
                theme: card.theme
                flat: true
                text: qsTr("Recommended")
                tip: card.budget.hasGpu ? qsTr("90% of the GPU's free memory") : qsTr("About half of what the model needs")
                onClicked: card.budget.useRecommendedBudget()
            }
        }

        Label { text: qsTr("Context"); color: card.theme.textMuted; font.pixelSize: 13 }
        Slider {
            Layout.fillWidth: true
            from: 8
            to: Math.max(9, Math.log2(card.budget.maxContextTokens))
            stepSize: 1
            snapMode: Slider.SnapAlways
            value: Math.log2(Math.max(256, card.budget.contextTokens))
            onMoved: card.budget.contextTokens = Math.round(Math.pow(2, value))
            Accessible.name: qsTr("Context length in tokens")
        }
        Label {
            text: qsTr("%1 tokens").arg(card.budget.contextTokens)
            color: card.theme.text
        }

        Label { text: qsTr("Precision"); color: card.theme.textMuted; font.pixelSize: 13 }
        CheckBox {
            Layout.columnSpan: 2
            text: qsTr("Keep low-precision copies of experts (more experts fit)")
            checked: card.budget.lowPrecision
            onToggled: card.budget.lowPrecision = checked
        }
    }
}
