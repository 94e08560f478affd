// The guide's procedures in Python: the same plans `tandemctl cluster` runs,
// made and carried out through an Operator. Two operators: the twin's
// (TwinOperator, virtual time) and any Python subclass of Operator (the live
// REST client in tandem.live is one). Planning and running release the GIL; a
// Python operator's methods take it back for each call.

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "python/src/py_twin.hpp"
#include "runtime/ops/procedures.hpp"
#include "simulator/twin_operator.hpp"

namespace tandem::python {
namespace {

double in_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// An Operator written in Python. Whatever its call() or upgrade() raises
// becomes the Error a procedure reports (the peer could not be reached...).
class PyOperator : public ops::Operator {
 public:
  Result<ops::Reply> call(const std::string& address, std::string_view method, std::string_view target,
                          std::string_view body) override {
    py::gil_scoped_acquire gil;
    try {
      py::function fn = py::get_override(static_cast<const ops::Operator*>(this), "call");
      if (!fn) return make_error("Operator.call is not implemented");
      auto reply = fn(address, std::string(method), std::string(target), std::string(body)).cast<py::tuple>();
      if (reply.size() != 2) return make_error("Operator.call must return (status, body)");
      return ops::Reply{reply[0].cast<int>(), reply[1].cast<std::string>()};
    } catch (py::error_already_set& e) {
      return make_error(e.what());
    } catch (py::cast_error& e) {
      return make_error(std::string("Operator.call returned something else than (int, str): ") + e.what());
    }
  }

  Duration elapsed() const override {
    py::gil_scoped_acquire gil;
    py::function fn = py::get_override(static_cast<const ops::Operator*>(this), "elapsed");
    if (!fn) throw TandemError("Operator.elapsed is not implemented");
    return seconds_arg(fn().cast<double>(), "Operator.elapsed()");
  }

  void wait(Duration duration) override {
    py::gil_scoped_acquire gil;
    py::function fn = py::get_override(static_cast<const ops::Operator*>(this), "wait");
    if (!fn) throw TandemError("Operator.wait is not implemented");
    fn(in_seconds(duration));
  }

  Status upgrade(const std::string& address, const std::string& version) override {
    py::gil_scoped_acquire gil;
    try {
      py::function fn = py::get_override(static_cast<const ops::Operator*>(this), "upgrade");
      if (!fn) return make_error("no way to install software on " + address + ": this operator has no upgrade()");
      fn(address, version);
      return {};
    } catch (py::error_already_set& e) {
      return make_error(e.what());
    }
  }
};

// The twin's operator, keeping the twin it drives (and its callback errors).
class PyTwinOperator final : public ops::Operator {
 public:
  explicit PyTwinOperator(PyClusterTwin& twin) : twin_(twin), op_(twin.twin()) {}
  PyClusterTwin& twin() { return twin_; }

  Result<ops::Reply> call(const std::string& address, std::string_view method, std::string_view target,
                          std::string_view body) override {
    return op_.call(address, method, target, body);
  }
  Duration elapsed() const override { return op_.elapsed(); }
  void wait(Duration duration) override { op_.wait(duration); }
  Status upgrade(const std::string& address, const std::string& version) override {
    return op_.upgrade(address, version);
  }

 private:
  PyClusterTwin& twin_;
  sim::TwinOperator op_;
};

// Runs `body` with the GIL released; for a twin operator, raises what a
// Python callback scheduled in the twin raised meanwhile.
template <class F>
auto release_for(ops::Operator& op, F&& body) {
  if (auto* twin_op = dynamic_cast<PyTwinOperator*>(&op)) return twin_op->twin().without_gil(body);
  py::gil_scoped_release release;
  return body();
}

ops::Timeouts timeouts(double restart_s, double drain_s, double converge_s) {
  return ops::Timeouts{seconds_arg(restart_s, "restart_s"), seconds_arg(drain_s, "drain_s"),
                       seconds_arg(converge_s, "converge_s")};
}

ops::Plan plan_or_raise(ops::Operator& op, const std::function<Result<ops::Plan>()>& make) {
  return unwrap(release_for(op, make));
}

#define TANDEM_TIMEOUT_ARGS py::arg("restart_s") = 120.0, py::arg("drain_s") = 1800.0, py::arg("converge_s") = 600.0

void init_results(py::module_& m) {
  py::class_<ops::StepRecord>(m, "StepRecord", "One step as it was carried out.")
      .def_readonly("number", &ops::StepRecord::number)
      .def_readonly("title", &ops::StepRecord::title)
      .def_property_readonly("outcome", [](const ops::StepRecord& s) { return std::string(ops::to_string(s.outcome)); })
      .def_property_readonly("started", [](const ops::StepRecord& s) { return in_seconds(s.started); })
      .def_property_readonly("took", [](const ops::StepRecord& s) { return in_seconds(s.took); })
      .def_readonly("detail", &ops::StepRecord::detail)
      .def("__repr__", [](const ops::StepRecord& s) {
        return "<StepRecord " + std::to_string(s.number) + " " + std::string(ops::to_string(s.outcome)) + ": " + s.title + ">";
      });

  py::class_<ops::AlarmChange>(m, "AlarmChange", "An alarm raised or cleared on a peer during a procedure.")
      .def_readonly("peer", &ops::AlarmChange::peer)
      .def_readonly("id", &ops::AlarmChange::id)
      .def_readonly("text", &ops::AlarmChange::text)
      .def_readonly("raised", &ops::AlarmChange::raised)
      .def_readonly("step", &ops::AlarmChange::step)
      .def("__repr__", [](const ops::AlarmChange& a) {
        return "<AlarmChange " + a.peer + (a.raised ? " raised " : " cleared ") + std::to_string(a.id) + ">";
      });

  py::class_<ops::Report>(m, "Report", "What a procedure did: steps, alarms, registrations, time taken.")
      .def_readonly("procedure", &ops::Report::procedure)
      .def_readonly("ok", &ops::Report::ok)
      .def_readonly("failure", &ops::Report::failure)
      .def_readonly("steps", &ops::Report::steps)
      .def_readonly("alarms", &ops::Report::alarms)
      .def_readonly("registrations_before", &ops::Report::registrations_before)
      .def_readonly("registrations_after", &ops::Report::registrations_after)
      .def_readonly("registrations_moved", &ops::Report::registrations_moved)
      .def_property_readonly("took", [](const ops::Report& r) { return in_seconds(r.took); })
      .def("__str__", [](const ops::Report& r) { return ops::describe(r); })
      .def("__repr__", [](const ops::Report& r) {
        return "<Report " + r.procedure + (r.ok ? ": completed>" : ": stopped>");
      });

  py::class_<ops::Plan>(m, "Plan", "A procedure's checks and steps, made against the cluster as it is.")
      .def_readonly("procedure", &ops::Plan::procedure)
      .def_readonly("checks", &ops::Plan::checks)
      .def_readonly("peers", &ops::Plan::peers)
      .def_property_readonly("steps",
                             [](const ops::Plan& p) {
                               std::vector<std::string> titles;
                               for (const ops::Step& s : p.steps) titles.push_back(s.title);
                               return titles;
                             })
      .def("truncate", [](ops::Plan& p, std::size_t steps) { if (steps < p.steps.size()) p.steps.resize(steps); },
           py::arg("steps"), "Keeps the first `steps` steps (to stop a procedure midway, as an interrupted operator).")
      .def("__str__", [](const ops::Plan& p) { return ops::describe(p); });
}

void init_operators(py::module_& m) {
  py::class_<ops::Operator, PyOperator>(m, "Operator",
                                        "What a procedure works with. Subclass it in Python and define\n"
                                        "call(address, method, target, body) -> (status, body),\n"
                                        "elapsed() -> seconds, wait(seconds) and upgrade(address, version).")
      .def(py::init<>());

  py::class_<PyTwinOperator, ops::Operator>(m, "TwinOperator",
                                            "The operator of a ClusterTwin: requests from the twin's workstation,\n"
                                            "waiting in virtual time, upgrades by setting the host's version and restarting it.")
      .def(py::init<PyClusterTwin&>(), py::arg("twin"), py::keep_alive<1, 2>())
      .def("elapsed", [](PyTwinOperator& op) { return in_seconds(op.elapsed()); });
}

void init_plans(py::module_& m) {
  // Every plan keeps its operator alive: its steps call through it.
  m.def(
      "plan_create_cluster",
      [](ops::Operator& op, const std::string& peer, const std::string& name, const std::string& tls_mode, double r,
         double d, double c) {
        return plan_or_raise(op, [&] { return ops::create_cluster(op, peer, name, tls_mode, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("peer"), py::arg("cluster_name"), py::arg("tls_mode") = "Permissive", TANDEM_TIMEOUT_ARGS,
      py::keep_alive<0, 1>());
  m.def(
      "plan_add_peer",
      [](ops::Operator& op, const std::string& primary, const std::string& peer, double r, double d, double c) {
        return plan_or_raise(op, [&] { return ops::add_peer(op, primary, peer, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), py::arg("new_peer"), TANDEM_TIMEOUT_ARGS, py::keep_alive<0, 1>());
  m.def(
      "plan_remove_live_peer",
      [](ops::Operator& op, const std::string& primary, const std::string& peer, double r, double d, double c) {
        return plan_or_raise(op, [&] { return ops::remove_live_peer(op, primary, peer, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), py::arg("peer"), TANDEM_TIMEOUT_ARGS, py::keep_alive<0, 1>());
  m.def(
      "plan_remove_dead_peer",
      [](ops::Operator& op, const std::string& primary, const std::string& peer, double r, double d, double c) {
        return plan_or_raise(op, [&] { return ops::remove_dead_peer(op, primary, peer, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), py::arg("peer"), TANDEM_TIMEOUT_ARGS, py::keep_alive<0, 1>());
  m.def(
      "plan_disband",
      [](ops::Operator& op, const std::string& primary, double r, double d, double c) {
        return plan_or_raise(op, [&] { return ops::disband(op, primary, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), TANDEM_TIMEOUT_ARGS, py::keep_alive<0, 1>());
  m.def(
      "plan_change_primary",
      [](ops::Operator& op, const std::string& new_primary, double r, double d, double c) {
        return plan_or_raise(op, [&] { return ops::change_primary(op, new_primary, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("new_primary"), TANDEM_TIMEOUT_ARGS, py::keep_alive<0, 1>());
  m.def(
      "plan_upgrade",
      [](ops::Operator& op, const std::string& primary, const std::string& version, double r, double d, double c) {
        return plan_or_raise(op, [&] { return ops::upgrade(op, primary, version, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), py::arg("version"), TANDEM_TIMEOUT_ARGS, py::keep_alive<0, 1>());
  m.def(
      "plan_replace_peer",
      [](ops::Operator& op, const std::string& primary, const std::string& old_peer, const std::string& new_peer,
         double r, double d, double c) {
        return plan_or_raise(op, [&] { return ops::replace_peer(op, primary, old_peer, new_peer, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), py::arg("old_peer"), py::arg("new_peer"), TANDEM_TIMEOUT_ARGS,
      py::keep_alive<0, 1>());
  m.def(
      "plan_change_address",
      [](ops::Operator& op, const std::string& primary, const std::string& peer, const std::string& new_address,
         double r, double d, double c) {
        return plan_or_raise(op,
                             [&] { return ops::change_address(op, primary, peer, new_address, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), py::arg("peer"), py::arg("new_address"), TANDEM_TIMEOUT_ARGS,
      py::keep_alive<0, 1>());
  m.def(
      "plan_replace_keeping_configuration",
      [](ops::Operator& op, const std::string& primary, const std::string& old_peer, const std::string& new_peer,
         double r, double d, double c) {
        return plan_or_raise(
            op, [&] { return ops::replace_keeping_configuration(op, primary, old_peer, new_peer, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("primary"), py::arg("old_peer"), py::arg("new_peer"), TANDEM_TIMEOUT_ARGS,
      py::keep_alive<0, 1>());
  m.def(
      "plan_clear_configuration",
      [](ops::Operator& op, const std::string& peer, bool keep_option_keys, bool keep_certificates,
         bool keep_passwords, bool keep_logs, double r, double d, double c) {
        const ops::ResetChoices choices{keep_option_keys, keep_certificates, keep_passwords, keep_logs};
        return plan_or_raise(op, [&] { return ops::clear_configuration(op, peer, choices, timeouts(r, d, c)); });
      },
      py::arg("op"), py::arg("peer"), py::arg("keep_option_keys") = false, py::arg("keep_certificates") = false,
      py::arg("keep_passwords") = false, py::arg("keep_logs") = false, TANDEM_TIMEOUT_ARGS, py::keep_alive<0, 1>());

  m.def(
      "run_plan",
      [](ops::Operator& op, const ops::Plan& plan, std::optional<py::function> progress) {
        // An exception from progress() is kept and raised once the run is over:
        // it must not unwind through the procedure engine.
        std::optional<py::error_already_set> progress_error;
        ops::Progress report_step;
        if (progress) {
          report_step = [&fn = *progress, &progress_error](const ops::StepRecord& step) {
            py::gil_scoped_acquire gil;
            if (progress_error) return;
            try {
              fn(step);
            } catch (py::error_already_set& e) {
              progress_error.emplace(std::move(e));
            }
          };
        }
        ops::Report report = release_for(op, [&] { return ops::run(op, plan, report_step); });
        if (progress_error) throw std::move(*progress_error);
        return report;
      },
      py::arg("op"), py::arg("plan"), py::arg("progress") = py::none(),
      "Carries the plan out; progress(StepRecord) after each step. Never raises for a step that\n"
      "failed: the Report says so (ok False, failure).");
}

}  // namespace

void init_procedures(py::module_& m) {
  init_results(m);
  init_operators(m);
  init_plans(m);
}

}  // namespace tandem::python
