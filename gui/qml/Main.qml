// The app window: navigation rail, error banner, the five screens, status bar.
import QtQuick
import Hoard
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

ApplicationWindow {
    id: window
    required property AppContext app
    readonly property Theme theme: app.theme

    width: 1280
    height: 800
    minimumWidth: 960
    minimumHeight: 600
    visible: true
    title: app.loader.ready ? qsTr("Hoard — %1").arg(app.loader.modelName) : qsTr("Hoard")
    color: theme.background

    Material.theme: theme.dark ? Material.Dark : Material.Light
    Material.accent: theme.accent
    Material.primary: theme.accent
    Material.background: theme.surface
    Material.foreground: theme.text
    // For the Fusion style (software rendering) and anything reading the palette.
    palette.window: theme.background
    palette.windowText: theme.text
    palette.base: theme.surfaceRaised
    palette.alternateBase: theme.surface
    palette.text: theme.text
    palette.button: theme.surfaceRaised
    palette.buttonText: theme.text
    palette.highlight: theme.accent
    palette.highlightedText: theme.onAccent
    palette.placeholderText: theme.textMuted
    palette.light: theme.surfaceRaised
    palette.midlight: theme.surfaceRaised
    palette.mid: theme.border
    palette.dark: theme.border
    palette.shadow: theme.background
    palette.toolTipBase: theme.surfaceRaised
    palette.toolTipText: theme.text
    palette.link: theme.accent

    // Ctrl+1 … Ctrl+5 switch screens; Ctrl+Shift+T switches the theme.
    Repeater {
        model: 5
        Item {
            required property int index
            Shortcut {
                sequence: "Ctrl+" + (index + 1)
                onActivated: window.app.navigation.current = index
            }
        }
    }
    Shortcut {
        sequence: "Ctrl+Shift+T"
        onActivated: window.theme.toggle()
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        NavRail {
            Layout.fillHeight: true
            app: window.app
        }

        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            ErrorBanner {
                Layout.fillWidth: true
                errors: window.app.errors
                theme: window.theme
            }

            StackLayout {
                id: screens
                objectName: "screens"
                Layout.fillWidth: true
                Layout.fillHeight: true
                currentIndex: window.app.navigation.current

                ModelsScreen { app: window.app }
                BudgetScreen { app: window.app }
                ChatScreen { app: window.app }
                DashboardScreen { app: window.app }
                SessionsScreen { app: window.app }
            }

            StatusBar {
                Layout.fillWidth: true
                app: window.app
            }
        }
    }
}
