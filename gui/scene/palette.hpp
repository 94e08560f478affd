#pragma once
// tandem-view's colours, in one place so the scene, its legend and the
// tables agree (and tests can check pixels against them).

#include <QColor>

namespace tandem::view::palette {

inline const QColor kBackground{0xfa, 0xfa, 0xf7};
inline const QColor kHealthy{0x2e, 0x9e, 0x4f};     // peer up, database Active; link Active
inline const QColor kSyncing{0x3b, 0x82, 0xd6};     // database Syncing, stand-alone peer
inline const QColor kWarning{0xe8, 0xa3, 0x17};     // alarms up; link seen one way
inline const QColor kFailed{0xd0, 0x31, 0x2d};      // database Failed; link Failed; network cut
inline const QColor kDead{0x55, 0x55, 0x55};        // process down
inline const QColor kDeadText{0x99, 0x1b, 0x1b};
inline const QColor kPaused{0x8e, 0x6b, 0xbf};
inline const QColor kUnknown{0xa0, 0xa0, 0xa0};     // link still being judged
inline const QColor kPrimary{0xf5, 0xc2, 0x1b};     // the primary's crown
inline const QColor kMaintenance{0x1f, 0x2a, 0x44}; // maintenance ring
inline const QColor kText{0x1d, 0x1d, 0x1d};

}  // namespace tandem::view::palette
