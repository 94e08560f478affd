"""Tandem: cluster runtime and digital twin for video communication servers.

The compiled core lives in ``tandem._tandem``; this package is its public face:

- ``Twin``: a cluster of tandemd-like peers in the deterministic twin, with
  every fault of the simulator, virtual time and the trace;
- ``twin.endpoints()``: populations of SIP and H.323 endpoints registering with
  the twin's peers (``EndpointPopulations``, ``PopulationSpec``, ``EndpointKind``),
  with each endpoint's record and each population's report;
- ``AdminPeer``: one peer's admin API (configuration, commands, status,
  alarms), the same on a twin peer and on a live one;
- ``procedures``: the guide's procedures, on a twin or a live cluster;
- ``invariants``: what must hold of a cluster;
- ``live``: a REST client of a running cluster, and local tandemd clusters;
- ``rehearse``: a twin built from a live cluster, to try a procedure first.
"""
from tandem._tandem import (ClusterTwin, DemoReport, DemoTwin, EndpointKind, EndpointPopulations, EndpointRecord,
                            Operator, Outage, Plan, PopulationReport, PopulationSpec, Report, Stint, StepRecord,
                            AlarmChange, TandemError, TwinOperator, __version__, run_demo)
from tandem.admin import AdminError, AdminPeer
from tandem import invariants, procedures
from tandem.twin import Twin

__all__ = ["AdminError", "AdminPeer", "AlarmChange", "ClusterTwin", "DemoReport", "DemoTwin", "EndpointKind",
           "EndpointPopulations", "EndpointRecord", "Operator", "Outage", "Plan", "PopulationReport", "PopulationSpec",
           "Report", "Stint", "StepRecord", "TandemError", "Twin", "TwinOperator", "__version__", "invariants",
           "procedures", "run_demo"]
