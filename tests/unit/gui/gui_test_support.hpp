#pragma once
// Shared by the GUI tests: a handcrafted trace, a twin trace, and Qt's model
// checks with their complaints collected.

#include <QAbstractItemModelTester>
#include <QByteArray>
#include <QStringList>

#include "gui/state/state_history.hpp"

#include <ostream>

// Readable QStrings in GoogleTest's messages.
inline void PrintTo(const QString& s, std::ostream* out) { *out << '"' << s.toStdString() << '"'; }
inline void PrintTo(const QStringList& l, std::ostream* out) { *out << '[' << l.join(", ").toStdString() << ']'; }

namespace tandem::view::testing {

// Collects Qt warnings (QAbstractItemModelTester reports through them) while alive.
class WarningCollector {
 public:
  WarningCollector();
  ~WarningCollector();
  const QStringList& warnings() const;
};

// A small trace of a 3-peer cluster (peer1 primary), written by hand:
//   t=1 s   every peer boots and reports its status; databases Active at revision 4
//   t=2 s   every pair sees each other Active; peer1 commits revision 5, peer2 applies it
//   t=10 s  peer3 crashes; t=16 s peer1 and peer2 declare it Failed, raise alarm 20011
//   t=20 s  peer1 and peer2 partitioned; t=26 s each declares the other Failed
//   t=30 s  alice registers at peer1; t=31 s peer1 refuses her (503) and she moves to peer2
//   t=40 s  healed; t=42 s they see each other again; peer2 in maintenance
//   t=50 s  peer3 restarts with other clustering settings
QByteArray handcrafted_trace();

// Fills `history` from `bytes` (which must parse).
void load(StateHistory& history, const QByteArray& bytes);

}  // namespace tandem::view::testing
