"""Tandem: cluster runtime and digital twin for video communication servers.

The compiled core lives in ``tandem._tandem``; this package is its public face.
"""
from tandem._tandem import DemoReport, DemoTwin, TandemError, __version__, run_demo

__all__ = ["DemoReport", "DemoTwin", "TandemError", "__version__", "run_demo"]
