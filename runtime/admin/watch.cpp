#include "runtime/admin/watch.hpp"

#include <vector>

#include "runtime/admin/status.hpp"
#include "runtime/core/sha256.hpp"

namespace tandem::admin {

Watch::Watch(Env& env, std::function<View()> read) : env_(env), read_(std::move(read)) { (void)changed(read_()); }

Watch::~Watch() { *alive_ = false; }

bool Watch::changed(const View& view) {
  std::string fingerprint = sha256_hex(to_text(without_measurements(view.status)) + "\n" + to_text(view.alarms));
  if (fingerprint == fingerprint_) return false;
  fingerprint_ = std::move(fingerprint);
  return true;
}

Response Watch::answer(const View& view) const {
  return json_response(200, Json{{"seq", seq_}, {"status", view.status}, {"alarms", view.alarms}});
}

Watch::View Watch::refresh() {
  View view = read_();
  if (changed(view)) {
    ++seq_;
    wake_all(view);
  }
  return view;
}

void Watch::wake_all(const View& view) {
  if (waiters_.empty()) return;
  std::vector<std::function<void(Response)>> replies;
  for (auto& [id, waiter] : waiters_) replies.push_back(std::move(waiter.reply));
  waiters_.clear();
  poll_timer_.cancel();
  const Response response = answer(view);
  const std::shared_ptr<bool> alive = alive_;
  for (auto& reply : replies) {
    if (!*alive) return;
    reply(response);
  }
}

Status Watch::wait(std::uint64_t after, Duration wait, std::function<void(Response)> reply) {
  const std::shared_ptr<bool> alive = alive_;
  const View view = refresh();
  if (!*alive) return {};
  if (after != seq_) {
    reply(answer(view));
    return {};
  }
  if (waiters_.size() >= kMaxWatchers) {
    return make_error(std::to_string(kMaxWatchers) + " watchers are already waiting on this peer; try again shortly");
  }
  const std::uint64_t id = next_waiter_++;
  waiters_[id] = Waiter{std::move(reply), env_.start_timer(wait, [this, id] { time_out(id); })};
  if (!poll_timer_.active()) poll_timer_ = env_.start_timer(kWatchPollInterval, [this] { poll(); });
  return {};
}

void Watch::time_out(std::uint64_t id) {
  const std::shared_ptr<bool> alive = alive_;
  const View view = refresh();  // a change answers every waiter, this one included
  if (!*alive) return;
  const auto it = waiters_.find(id);
  if (it == waiters_.end()) return;
  auto reply = std::move(it->second.reply);
  waiters_.erase(it);
  if (waiters_.empty()) poll_timer_.cancel();
  reply(answer(view));
}

void Watch::poll() {
  const std::shared_ptr<bool> alive = alive_;
  refresh();
  if (*alive && !waiters_.empty()) poll_timer_ = env_.start_timer(kWatchPollInterval, [this] { poll(); });
}

}  // namespace tandem::admin
