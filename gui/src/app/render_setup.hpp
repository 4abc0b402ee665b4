#pragma once
// How the app renders: call after the QGuiApplication exists and before any
// window. Platforms without a GPU context (offscreen, minimal, or the software
// scene graph asked for) render with Qt Quick's software renderer, which
// cannot draw Material's shader effects (raised buttons, dialog and popup
// backgrounds), so they get the Fusion style instead; everywhere else the
// app uses Material (dense). QT_QUICK_CONTROLS_STYLE, when set, wins.
#include <QString>

namespace hoard::gui {

struct RenderSetup {
    bool software = false;
    QString style; // "Material" or "Fusion" (or what the user set)
};

RenderSetup setUpRendering();

} // namespace hoard::gui
