from tandem import invariants as invariants, procedures as procedures
from tandem._tandem import (AlarmChange as AlarmChange, ClusterTwin as ClusterTwin, DemoReport as DemoReport,
                            DemoTwin as DemoTwin, EndpointKind as EndpointKind,
                            EndpointPopulations as EndpointPopulations, EndpointRecord as EndpointRecord,
                            Operator as Operator, Outage as Outage, Plan as Plan, PopulationReport as PopulationReport,
                            PopulationSpec as PopulationSpec, Report as Report, Stint as Stint,
                            StepRecord as StepRecord, TandemError as TandemError, TwinOperator as TwinOperator,
                            __version__ as __version__, run_demo as run_demo)
from tandem.admin import AdminError as AdminError, AdminPeer as AdminPeer
from tandem.twin import Twin as Twin
