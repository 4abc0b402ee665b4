// Line icons drawn from our own 24×24 paths, in any colour and size.
import QtQuick
import Hoard
import QtQuick.Shapes

Item {
    id: icon
    property string name
    property color color: "white"
    property real lineWidth: 1.8
    implicitWidth: 22
    implicitHeight: 22

    readonly property var paths: ({
        "models": "M12 3 L20.5 7.5 L12 12 L3.5 7.5 Z M3.5 12 L12 16.5 L20.5 12 M3.5 16.5 L12 21 L20.5 16.5",
        "budget": "M4 17.5 A8.5 8.5 0 1 1 20 17.5 M12 16 L16.5 9.5 M6.5 17.5 L17.5 17.5",
        "chat": "M5 4.5 H19 A2 2 0 0 1 21 6.5 V14.5 A2 2 0 0 1 19 16.5 H10.5 L6.5 20 V16.5 H5 A2 2 0 0 1 3 14.5 V6.5 A2 2 0 0 1 5 4.5 Z",
        "dashboard": "M3 12.5 H7 L9.5 5 L14.5 19.5 L17 12.5 H21",
        "sessions": "M3 12 A9 9 0 1 0 21 12 A9 9 0 1 0 3 12 Z M12 7 V12 L15.5 14.5",
        "moon": "M19.5 14.5 A8 8 0 1 1 9.5 4.5 A6.5 6.5 0 0 0 19.5 14.5 Z",
        "sun": "M12 8 A4 4 0 1 0 12 16 A4 4 0 1 0 12 8 Z M12 2.5 V4.5 M12 19.5 V21.5 M2.5 12 H4.5 M19.5 12 H21.5 M5.3 5.3 L6.7 6.7 M17.3 17.3 L18.7 18.7 M5.3 18.7 L6.7 17.3 M17.3 6.7 L18.7 5.3",
        "plus": "M12 5 V19 M5 12 H19",
        "folder": "M3 7 A2 2 0 0 1 5 5 H9.5 L11.5 7 H19 A2 2 0 0 1 21 9 V17 A2 2 0 0 1 19 19 H5 A2 2 0 0 1 3 17 Z",
        "file": "M6 3 H14 L19 8 V21 H6 Z M14 3 V8 H19",
        "refresh": "M19.5 12 A7.5 7.5 0 1 1 17 6.4 M17.5 3 V7 H13.5",
        "send": "M4 12 L20 4.5 L14.5 20 L11.5 12.5 Z M11.5 12.5 L20 4.5",
        "stop": "M7 7 H17 V17 H7 Z",
        "close": "M6.5 6.5 L17.5 17.5 M17.5 6.5 L6.5 17.5",
        "edit": "M4 20 L4.8 16.2 L15.5 5.5 L18.5 8.5 L7.8 19.2 Z M13.5 7.5 L16.5 10.5",
        "regenerate": "M4.5 12 A7.5 7.5 0 0 1 17.8 7.2 M19.5 12 A7.5 7.5 0 0 1 6.2 16.8 M18 3.5 V7.5 H14 M6 20.5 V16.5 H10",
        "export": "M12 3.5 V14 M7.5 8 L12 3.5 L16.5 8 M4.5 14.5 V19.5 H19.5 V14.5",
        "warning": "M12 3.5 L21.5 20 H2.5 Z M12 9.5 V14 M12 16.8 V17.2",
        "tune": "M4 7 H13 M17 7 H20 M4 17 H7 M11 17 H20 M15 4.5 V9.5 M9 14.5 V19.5",
        "chip": "M7 7 H17 V17 H7 Z M10 3 V7 M14 3 V7 M10 17 V21 M14 17 V21 M3 10 H7 M3 14 H7 M17 10 H21 M17 14 H21"
    })

    Shape {
        anchors.centerIn: parent
        width: 24
        height: 24
        scale: Math.min(icon.width, icon.height) / 24
        ShapePath {
            strokeColor: icon.color
            strokeWidth: icon.lineWidth
            fillColor: "transparent"
            capStyle: ShapePath.RoundCap
            joinStyle: ShapePath.RoundJoin
            PathSvg { path: icon.paths[icon.name] || "" }
        }
    }
}
