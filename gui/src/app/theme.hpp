#pragma once
// The app's colours, light and dark. Views read them from here (and Qt Quick
// Controls' Material style follows `dark`), so a theme switch is one property.
#include <QColor>
#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class Theme : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(bool dark READ dark WRITE setDark NOTIFY changed)
    Q_PROPERTY(QColor background READ background NOTIFY changed)
    Q_PROPERTY(QColor surface READ surface NOTIFY changed)
    Q_PROPERTY(QColor surfaceRaised READ surfaceRaised NOTIFY changed)
    Q_PROPERTY(QColor border READ border NOTIFY changed)
    Q_PROPERTY(QColor text READ text NOTIFY changed)
    Q_PROPERTY(QColor textMuted READ textMuted NOTIFY changed)
    Q_PROPERTY(QColor accent READ accent NOTIFY changed)
    Q_PROPERTY(QColor accentSoft READ accentSoft NOTIFY changed)
    Q_PROPERTY(QColor onAccent READ onAccent NOTIFY changed)
    Q_PROPERTY(QColor danger READ danger NOTIFY changed)
    Q_PROPERTY(QColor dangerSoft READ dangerSoft NOTIFY changed)
    Q_PROPERTY(QColor warning READ warning NOTIFY changed)
    Q_PROPERTY(QColor success READ success NOTIFY changed)
    Q_PROPERTY(QColor userBubble READ userBubble NOTIFY changed)
    Q_PROPERTY(QColor chartGrid READ chartGrid NOTIFY changed)
    Q_PROPERTY(QColor chartText READ chartText NOTIFY changed)
    // Series: expert precisions, link traffic, speed; heatmap ramp.
    Q_PROPERTY(QColor high READ high NOTIFY changed)
    Q_PROPERTY(QColor low READ low NOTIFY changed)
    Q_PROPERTY(QColor cpu READ cpu NOTIFY changed)
    Q_PROPERTY(QColor skip READ skip NOTIFY changed)
    Q_PROPERTY(QColor link READ link NOTIFY changed)
    Q_PROPERTY(QColor speed READ speed NOTIFY changed)
    Q_PROPERTY(QColor heatLow READ heatLow NOTIFY changed)
    Q_PROPERTY(QColor heatMid READ heatMid NOTIFY changed)
    Q_PROPERTY(QColor heatHigh READ heatHigh NOTIFY changed)
    Q_PROPERTY(QColor heatEmpty READ heatEmpty NOTIFY changed)
    // Budget breakdown: shared weights, KV cache, workspace, headroom.
    Q_PROPERTY(QColor shared READ shared NOTIFY changed)
    Q_PROPERTY(QColor kv READ kv NOTIFY changed)
    Q_PROPERTY(QColor workspace READ workspace NOTIFY changed)
    Q_PROPERTY(QColor headroom READ headroom NOTIFY changed)

  public:
    explicit Theme(bool dark = true, QObject* parent = nullptr);

    bool dark() const { return dark_; }
    void setDark(bool dark);
    Q_INVOKABLE void toggle() { setDark(!dark_); }
    // `color` with its alpha replaced (for hover and selection tints).
    Q_INVOKABLE QColor alpha(const QColor& color, double alpha) const;

    QColor background() const { return p_.background; }
    QColor surface() const { return p_.surface; }
    QColor surfaceRaised() const { return p_.surfaceRaised; }
    QColor border() const { return p_.border; }
    QColor text() const { return p_.text; }
    QColor textMuted() const { return p_.textMuted; }
    QColor accent() const { return p_.accent; }
    QColor accentSoft() const { return p_.accentSoft; }
    QColor onAccent() const { return p_.onAccent; }
    QColor danger() const { return p_.danger; }
    QColor dangerSoft() const { return p_.dangerSoft; }
    QColor warning() const { return p_.warning; }
    QColor success() const { return p_.success; }
    QColor userBubble() const { return p_.userBubble; }
    QColor chartGrid() const { return p_.chartGrid; }
    QColor chartText() const { return p_.chartText; }
    QColor high() const { return p_.high; }
    QColor low() const { return p_.low; }
    QColor cpu() const { return p_.cpu; }
    QColor skip() const { return p_.skip; }
    QColor link() const { return p_.link; }
    QColor speed() const { return p_.speed; }
    QColor heatLow() const { return p_.heatLow; }
    QColor heatMid() const { return p_.heatMid; }
    QColor heatHigh() const { return p_.heatHigh; }
    QColor heatEmpty() const { return p_.heatEmpty; }
    QColor shared() const { return p_.shared; }
    QColor kv() const { return p_.kv; }
    QColor workspace() const { return p_.workspace; }
    QColor headroom() const { return p_.headroom; }

  signals:
    void changed();

  private:
    struct Palette {
        QColor background, surface, surfaceRaised, border, text, textMuted, accent, accentSoft,
            onAccent, danger, dangerSoft, warning, success, userBubble, chartGrid, chartText, high,
            low, cpu, skip, link, speed, heatLow, heatMid, heatHigh, heatEmpty, shared, kv,
            workspace, headroom;
    };
    static Palette darkPalette();
    static Palette lightPalette();

    bool dark_;
    Palette p_;
};

} // namespace hoard::gui
